// What several views share: device choices, error texts that say what to do, table cells.
import { get } from '../api.js';
import { h } from '../dom.js';
import { fmtTime, isError, statusName } from '../format.js';

let devicesPromise = null;

// [[name, "name (model)"], ...] of the daemon's devices, fetched once per page load.
export async function deviceOptions() {
  devicesPromise = devicesPromise || get('/api/devices').then((a) => a.devices).catch(() => null);
  const devices = await devicesPromise;
  if (devices === null) devicesPromise = null; // try again next time
  return (devices || []).map((d) => [d.name, `${d.name} (${d.model})`]);
}

export function messageFor(e) {
  switch (e.status) {
    case 0:
      return `Cannot reach dmaemud at ${location.host}. Is it running? (scripts/run.sh starts it.) ` +
        'This page keeps trying and recovers by itself.';
    case 401:
      return "This address needs dmaemud's token: enter it in the box at the top of the page.";
    case 503:
      return e.message.includes('no history')
        ? `${e.message}. Restart dmaemud with --db PATH to record requests and transactions.`
        : `${e.message}.`;
    default:
      return `dmaemud answered: ${e.message}.`;
  }
}

export function timeCell(ns) {
  return h('time', { datetime: ns ? new Date(Number(ns) / 1e6).toISOString() : null }, fmtTime(ns));
}

export function statusCell(status) {
  return h('span', { class: `status ${status === null || status === undefined ? 'pending' : isError(status) ? 'error' : 'ok'}` },
    statusName(status));
}

export function sessionCell(no, name) {
  if (no === null || no === undefined) return '–';
  return h('a', { href: `#/sessions?session=${no}`, title: name || '' }, `#${no}${name ? ` ${name}` : ''}`);
}
