// One request or transaction in full: what was asked, the transfers with their SG lists, the
// device's DMA operations and the interrupts, on a timeline.
import { get } from '../api.js';
import { h, mount } from '../dom.js';
import { fmtBytes, fmtDuration, fmtHex, fmtTime } from '../format.js';
import { messageFor, sessionCell, statusCell } from './common.js';
import { IRQ_LABELS, renderTimeline, timelineModel } from './timeline.js';

function summary(r) {
  const row = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
  return h('dl', { class: 'summary' },
    row('Device', r.device), row('Type', r.type === 'ioctl' ? `ioctl ${fmtHex(r.ioctl_code)}` : r.type),
    row('Size', `${fmtBytes(r.length)} at offset ${fmtHex(r.offset || 0)}`),
    row('Status', statusCell(r.status)), row('Transferred', fmtBytes(r.information)),
    row('Submitted', fmtTime(r.submitted_ns)), row('Completed', fmtTime(r.completed_ns)),
    row('Latency', fmtDuration(r.latency_ns)),
    row('Application', sessionCell(r.app_session)), row('Driver', sessionCell(r.driver_session)));
}

function sgTable(sg) {
  return h('table', { class: 'sg' }, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Bus address'), h('th', {}, 'Length'))),
    h('tbody', {}, sg.map(([addr, len], i) => h('tr', {}, h('td', { class: 'num' }, i), h('td', { class: 'mono' }, fmtHex(addr)), h('td', { class: 'num' }, fmtBytes(len))))));
}

function opsTable(ops) {
  if (ops.length === 0) return h('p', { class: 'muted' }, 'No DMA operations were linked to this transfer.');
  return h('table', { class: 'ops' },
    h('thead', {}, h('tr', {}, ['Ch', 'Purpose', 'Direction', 'Bus address', 'Local', 'Length', 'Took', 'Result'].map((l) => h('th', {}, l)))),
    h('tbody', {}, ops.map((o) => h('tr', {},
      h('td', { class: 'num' }, o.channel), h('td', {}, o.purpose), h('td', {}, o.to_host ? 'to host' : 'from host'),
      h('td', { class: 'mono' }, fmtHex(o.bus_addr)), h('td', { class: 'mono' }, fmtHex(o.local_addr)),
      h('td', { class: 'num' }, fmtBytes(o.length)), h('td', { class: 'num' }, fmtDuration(o.end_ns - o.start_ns)),
      h('td', {}, o.result ? h('span', { class: 'status error' }, 'master abort') : 'ok')))));
}

function transaction(t) {
  return h('section', { class: 'txn' },
    h('h3', {}, `Transaction ${t.txn_no}: ${t.direction}, ${fmtBytes(t.length)} (${t.profile || 'profile unknown'})`),
    h('p', { class: 'muted' }, `${t.transfer_count} transfer(s), ${fmtBytes(t.bytes)} moved, took ${fmtDuration(t.ended_ns - t.started_ns)}`),
    t.transfers.map((x) => h('details', { class: 'transfer', open: t.transfers.length <= 4 },
      h('summary', {}, `Transfer ${x.seq}: ${fmtBytes(x.length)}, ${x.sg.length} SG element(s), ${x.how || 'in flight'}`),
      h('div', { class: 'transfer-body' }, h('div', {}, h('h4', {}, 'Scatter/gather list'), sgTable(x.sg)),
        h('div', {}, h('h4', {}, 'DMA operations'), opsTable(x.dma_ops))))));
}

export const detailView = {
  title: 'Transaction',
  render(el, route) {
    const id = route.path[1];
    mount(el, h('p', { class: 'state loading' }, `Loading request ${id}…`));
    let gone = false;
    get(`/api/transactions/${encodeURIComponent(id)}`).then((r) => {
      if (gone) return;
      const model = timelineModel(r);
      mount(el,
        h('p', {}, h('a', { href: '#/transactions' }, '← all transactions')),
        h('h1', {}, `Request ${r.id}`, h('span', { class: 'muted' }, ` (number ${r.number} of its run)`)),
        summary(r),
        h('h2', {}, 'Timeline'),
        h('div', { class: 'timeline-box' }, renderTimeline(model)),
        h('div', { class: 'legend' }, ['request', 'transaction', 'transfer', 'to-device', 'to-host', 'fault', 'irq', 'isr', 'dpc'].map((k) => h('span', { class: `key ${k}` }, k.replace('-', ' ')))),
        h('h2', {}, 'DMA transactions'),
        r.transactions.length ? r.transactions.map(transaction) : h('p', { class: 'muted' }, 'This request had no DMA transactions.'),
        h('h2', {}, 'Interrupts while it was in flight'),
        r.interrupts.length
          ? h('ul', { class: 'irqs' }, r.interrupts.map((i) => h('li', {}, `+${fmtDuration(i.time_ns - r.submitted_ns)}: ${IRQ_LABELS[i.kind] || i.kind}`)))
          : h('p', { class: 'muted' }, 'None.'));
    }).catch((e) => {
      if (gone) return;
      mount(el, h('p', {}, h('a', { href: '#/transactions' }, '← all transactions')),
        h('div', { class: 'state error' }, e.status === 404 ? `${e.message}: it may have been removed by retention, or the id is mistyped.` : messageFor(e)));
    });
    return () => { gone = true; };
  },
};
