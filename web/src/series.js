// /api/series answers as chart columns.

// Per-device columns on one shared time axis; buckets without requests are 0 (throughput) or
// gaps (latency). Times since the epoch in ns exceed a double's exact integers, so buckets are
// found by rounding, never by comparing times for equality.
export function seriesColumns(answer) {
  const step = answer.step_ns;
  const n = Math.max(0, Math.round((answer.until_ns - answer.since_ns) / step));
  const x = Array.from({ length: n }, (_, i) => (answer.since_ns + i * step) / 1e9);
  const devices = [...new Set(answer.points.map((p) => p.device))].sort();
  const empty = (v) => Array.from({ length: n }, () => v);
  const cols = Object.fromEntries(devices.map((d) => [d, { mbps: empty(0), rps: empty(0), avg: empty(null), max: empty(null) }]));
  const seconds = step / 1e9;
  for (const p of answer.points) {
    const i = Math.round((p.t_ns - answer.since_ns) / step);
    if (i < 0 || i >= n) continue;
    const c = cols[p.device];
    c.mbps[i] = p.bytes / seconds / 1e6;
    c.rps[i] = p.requests / seconds;
    c.avg[i] = p.latency_avg_ns / 1e6;
    c.max[i] = p.latency_max_ns / 1e6;
  }
  return { x, devices, cols };
}
