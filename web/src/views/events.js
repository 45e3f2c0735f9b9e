// Faults, verifier findings and driver trace lines: each a filterable live list.
import { h } from '../dom.js';
import { fmtHex } from '../format.js';
import { listView } from './list.js';
import { sessionCell, timeCell } from './common.js';

const TIME_HINT = '10m, 2h or 2026-11-21T10:00';

const eventFilters = [
  { name: 'device', label: 'Device', type: 'device' },
  { name: 'session', label: 'Session', placeholder: '3', size: 4 },
  { name: 'text', label: 'Text', placeholder: 'contains…', size: 16 },
  { name: 'since', label: 'Since', placeholder: TIME_HINT, size: 16 },
  { name: 'until', label: 'Until', placeholder: TIME_HINT, size: 16 },
];

const commonColumns = [
  { label: 'Time', cell: (r) => timeCell(r.time_ns) },
  { label: 'Device', cell: (r) => r.device || '–' },
  { label: 'Session', cell: (r) => sessionCell(r.session, r.session_name) },
];

export const faultsView = listView({
  title: 'Faults',
  intro: 'What went wrong on the bus: DMA to memory the driver never mapped (master aborts), bad descriptors.',
  key: 'faults',
  endpoint: () => ({ path: '/api/faults', key: 'faults' }),
  live: ['fault'],
  filters: eventFilters,
  columns: [
    ...commonColumns,
    { label: 'What', cell: (r) => h('span', { class: 'status error' }, r.what) },
    { label: 'Address', class: 'num', cell: (r) => fmtHex(r.addr) },
    { label: 'Channel', class: 'num', cell: (r) => (r.channel < 0 || r.channel === null ? '–' : r.channel) },
  ],
  empty: 'No faults recorded. A device reading or writing memory its driver did not map shows up here.',
});

export const findingsView = listView({
  title: 'Verifier findings',
  intro: "What the driver-shim's verifier caught: KMDF rules broken, DMA outside the scatter/gather list.",
  key: 'findings',
  endpoint: () => ({ path: '/api/findings', key: 'findings' }),
  pollMs: 3000,
  filters: eventFilters,
  columns: [
    ...commonColumns,
    { label: 'Code', class: 'num', cell: (r) => fmtHex(r.code) },
    { label: 'Callback', cell: (r) => r.callback || '–' },
    { label: 'Finding', class: 'wide', cell: (r) => r.text },
  ],
  empty: 'No verifier findings. Drivers run with --verifier report broken KMDF rules here.',
});

const LEVELS = ['', 'critical', 'error', 'warning', 'info', 'verbose'];

export const tracesView = listView({
  title: 'Driver traces',
  intro: "Trace lines (WPP and KdPrint) from driver processes, as they ran.",
  key: 'traces',
  endpoint: () => ({ path: '/api/traces', key: 'traces' }),
  pollMs: 2000,
  filters: eventFilters,
  columns: [
    ...commonColumns,
    { label: 'Level', cell: (r) => LEVELS[r.level] || r.level },
    { label: 'Function', cell: (r) => r.function || '–' },
    { label: 'Line', class: 'wide mono', cell: (r) => r.text },
  ],
  empty: 'No trace lines recorded. Drivers that call DoTraceMessage or KdPrint show their lines here.',
});
