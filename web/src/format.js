// How numbers read on the dashboard. Times from the daemon are nanoseconds since the epoch
// (wall clock); sizes are bytes.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function fmtBytes(n) {
  if (n === null || n === undefined) return '–';
  let v = Number(n);
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`;
}

export function fmtRate(bytesPerSecond) {
  return `${fmtBytes(bytesPerSecond)}/s`;
}

export function fmtCount(n) {
  if (n === null || n === undefined) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function fmtDuration(ns) {
  if (ns === null || ns === undefined) return '–';
  const v = Number(ns);
  if (v < 1e3) return `${v} ns`;
  if (v < 1e6) return `${(v / 1e3).toFixed(1)} µs`;
  if (v < 1e9) return `${(v / 1e6).toFixed(v < 1e7 ? 2 : 1)} ms`;
  return `${(v / 1e9).toFixed(2)} s`;
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

// "13:04:05.123" local time; with the date when it is not today.
export function fmtTime(ns, now = Date.now()) {
  if (ns === null || ns === undefined) return '–';
  const d = new Date(Number(ns) / 1e6);
  const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return t;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}`;
}

export function fmtHex(n, width = 0) {
  if (n === null || n === undefined) return '–';
  return `0x${BigInt.asUintN(64, BigInt(n)).toString(16).padStart(width, '0')}`;
}

// NTSTATUS values requests complete with, by name; others as hex.
const STATUS_NAMES = new Map([
  [0x00000000, 'SUCCESS'],
  [0x00000103, 'PENDING'],
  [0xc0000001, 'UNSUCCESSFUL'],
  [0xc0000002, 'NOT_IMPLEMENTED'],
  [0xc000000d, 'INVALID_PARAMETER'],
  [0xc0000010, 'INVALID_DEVICE_REQUEST'],
  [0xc0000017, 'NO_MEMORY'],
  [0xc0000023, 'BUFFER_TOO_SMALL'],
  [0xc000009a, 'INSUFFICIENT_RESOURCES'],
  [0xc000009d, 'DEVICE_NOT_CONNECTED'],
  [0xc00000b5, 'IO_TIMEOUT'],
  [0xc00000bb, 'NOT_SUPPORTED'],
  [0xc0000120, 'CANCELLED'],
  [0xc0000185, 'IO_DEVICE_ERROR'],
  [0xc00002b6, 'DEVICE_REMOVED'],
]);

export function statusName(status) {
  if (status === null || status === undefined) return 'pending';
  const u = Number(status) >>> 0;
  return STATUS_NAMES.get(u) || fmtHex(u, 8);
}

export function isError(status) {
  return status !== null && status !== undefined && Number(status) < 0;
}

// Nanoseconds since the epoch, from a Date.
export function nsOf(date) {
  return Math.round(date.getTime() * 1e6);
}
