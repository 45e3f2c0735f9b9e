// The history of requests and their DMA transactions, as a live table.
import { fmtBytes, fmtDuration, fmtHex } from '../format.js';
import { listView } from './list.js';
import { sessionCell, statusCell, timeCell } from './common.js';

const TIME_HINT = '10m, 2h or 2026-11-21T10:00';

export const transactionsView = listView({
  title: 'Transactions',
  intro: 'Requests applications sent through the daemon, newest first. Click one for its transfers, DMA operations and interrupts.',
  key: 'transactions',
  endpoint: (f) => (f.show === 'all' ? { path: '/api/requests', key: 'requests' } : { path: '/api/transactions', key: 'transactions' }),
  localFilters: ['show'],
  live: ['request'],
  filters: [
    { name: 'show', label: 'Show', type: 'select', any: 'with DMA', options: [['all', 'all requests']] },
    { name: 'device', label: 'Device', type: 'device' },
    { name: 'type', label: 'Type', type: 'select', options: [['read', 'read'], ['write', 'write'], ['ioctl', 'ioctl']] },
    { name: 'status', label: 'Status', type: 'select', options: [['ok', 'ok'], ['error', 'error']] },
    { name: 'direction', label: 'Direction', type: 'select', options: [['to_device', 'to device'], ['to_host', 'to host']] },
    { name: 'min_size', label: 'Min size', placeholder: '4K', size: 6 },
    { name: 'max_size', label: 'Max size', placeholder: '1M', size: 6 },
    { name: 'since', label: 'Since', placeholder: TIME_HINT, size: 16 },
    { name: 'until', label: 'Until', placeholder: TIME_HINT, size: 16 },
  ],
  columns: [
    { label: 'ID', class: 'num', cell: (r) => Object.assign(document.createElement('a'), { href: `#/transactions/${r.id}`, textContent: r.id }) },
    { label: 'Submitted', cell: (r) => timeCell(r.submitted_ns) },
    { label: 'Device', cell: (r) => r.device },
    { label: 'Type', cell: (r) => (r.type === 'ioctl' && r.ioctl_code !== null ? `ioctl ${fmtHex(r.ioctl_code)}` : r.type) },
    { label: 'Size', class: 'num', cell: (r) => fmtBytes(r.length) },
    { label: 'Offset', class: 'num', cell: (r) => (r.offset ? fmtHex(r.offset) : '0') },
    { label: 'Status', cell: (r) => statusCell(r.status) },
    { label: 'Latency', class: 'num', cell: (r) => fmtDuration(r.latency_ns) },
    { label: 'DMA', class: 'num', cell: (r) => (r.transaction_count === undefined ? '–' : `${r.transaction_count} × ${fmtBytes(r.transaction_bytes)}`) },
    { label: 'Direction', cell: (r) => (r.direction ? r.direction.replaceAll('_', ' ') : '–') },
    { label: 'App', cell: (r) => sessionCell(r.app_session) },
    { label: 'Driver', cell: (r) => sessionCell(r.driver_session) },
  ],
  rowLink: (r) => `#/transactions/${r.id}`,
  empty: 'No requests recorded yet. Send some with "dmaemu io write plx0 --size 64K", or start the sample driver and an application (scripts/run.sh).',
});
