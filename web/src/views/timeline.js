// One request's life on a time axis: the request, its DMA transactions and transfers, the
// device's DMA operations per channel, and the interrupt line.
import { svg } from '../dom.js';
import { fmtBytes, fmtDuration, fmtHex } from '../format.js';

const IRQ_KINDS = { assert: 'irq', deassert: 'irq-off', 'isr-claimed': 'isr', 'isr-unclaimed': 'isr-off', dpc: 'dpc' };
export const IRQ_LABELS = {
  assert: 'the device asserted INTA',
  deassert: 'INTA went idle',
  'isr-claimed': 'EvtInterruptIsr claimed the interrupt',
  'isr-unclaimed': 'EvtInterruptIsr did not claim it',
  dpc: 'EvtInterruptDpc ran',
};

// Lanes of [start, end] items (ns), with the axis' bounds.
export function timelineModel(req) {
  const lanes = new Map();
  const add = (lane, item) => {
    if (item.start === null || item.start === undefined) return;
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane).push(item);
  };
  const end = req.completed_ns ?? null;
  add('Request', { start: req.submitted_ns, end, kind: 'request', label: `${req.type} ${fmtBytes(req.length)}` });
  if (req.dispatched_ns) add('Request', { start: req.dispatched_ns, end: null, kind: 'mark', label: 'dispatched to the driver' });
  for (const t of req.transactions || []) {
    add('Transactions', { start: t.started_ns, end: t.ended_ns, kind: 'transaction', label: `transaction ${t.txn_no}: ${t.direction} ${fmtBytes(t.length)}` });
    for (const x of t.transfers || []) {
      add('Transfers', { start: x.programmed_ns, end: x.completed_ns, kind: 'transfer', label: `transfer ${x.seq}: ${fmtBytes(x.length)} in ${x.sg.length} SG elements (${x.how || 'in flight'})` });
      for (const op of x.dma_ops || []) {
        add(`DMA ch${op.channel ?? '?'}`, {
          start: op.start_ns, end: op.end_ns, kind: op.result ? 'fault' : op.to_host ? 'to-host' : 'to-device',
          label: `${op.purpose} ${op.to_host ? 'to host' : 'from host'} ${fmtBytes(op.length)} at bus ${fmtHex(op.bus_addr)}${op.result ? ' (faulted)' : ''}`,
        });
      }
    }
  }
  for (const i of req.interrupts || []) {
    const line = i.kind === 'assert' || i.kind === 'deassert';
    add(line ? 'INTA line' : 'ISR / DPC', { start: i.time_ns, end: null, kind: IRQ_KINDS[i.kind] || 'irq', label: IRQ_LABELS[i.kind] || i.kind });
  }
  const times = [...lanes.values()].flat().flatMap((i) => [i.start, i.end]).filter((t) => t !== null && t !== undefined);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  return { t0, t1, lanes: [...lanes.entries()].map(([name, items]) => ({ name, items })) };
}

const LABEL_W = 110;
const WIDTH = 1000;
const ROW = 26;

export function renderTimeline(model) {
  const span = model.t1 - model.t0;
  const x = (t) => LABEL_W + ((t - model.t0) / span) * (WIDTH - LABEL_W - 10);
  const height = model.lanes.length * ROW + 24;
  const rows = model.lanes.map((lane, li) => {
    const y = li * ROW + 4;
    const items = lane.items.map((it) => {
      const x0 = x(it.start);
      const title = svg('title', {}, `${it.label} · at +${fmtDuration(it.start - model.t0)}${it.end ? `, lasting ${fmtDuration(it.end - it.start)}` : ''}`);
      if (it.end === null || it.end === undefined) {
        return svg('line', { x1: x0, x2: x0, y1: y, y2: y + ROW - 8, class: `tl ${it.kind}` }, title);
      }
      return svg('rect', { x: x0, y, width: Math.max(1.5, x(it.end) - x0), height: ROW - 8, rx: 2, class: `tl ${it.kind}` }, title);
    });
    return svg('g', { class: 'lane', 'data-lane': lane.name },
      svg('text', { x: 0, y: y + ROW / 2, class: 'lane-label' }, lane.name), items);
  });
  const axis = svg('g', { class: 'axis' },
    svg('text', { x: LABEL_W, y: height - 4 }, '0'),
    svg('text', { x: WIDTH - 10, y: height - 4, 'text-anchor': 'end' }, `+${fmtDuration(span)}`));
  return svg('svg', { viewBox: `0 0 ${WIDTH} ${height}`, class: 'timeline', role: 'img', 'aria-label': 'timeline' }, rows, axis);
}
