// Routes live in the URL's hash ("#/transactions?device=plx0"), so every view and filter is a
// link someone can paste into a bug report.

export function parseHash(hash) {
  const s = (hash || '').replace(/^#/, '');
  const q = s.indexOf('?');
  const path = (q < 0 ? s : s.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  const params = Object.fromEntries(new URLSearchParams(q < 0 ? '' : s.slice(q + 1)));
  return { path, params };
}

export function makeHash(path, params) {
  const p = `#/${path.map(encodeURIComponent).join('/')}`;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${p}?${s}` : p;
}
