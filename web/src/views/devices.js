// The emulated devices: who owns each, what it is doing right now (DMA throughput, interrupt
// rate, from the daemon's running counters), and its registers decoded by the model.
import { get } from '../api.js';
import { h, mount } from '../dom.js';
import { fmtCount, fmtHex, fmtRate } from '../format.js';
import { messageFor } from './common.js';

const POLL_MS = 1000;

// Rates from two samples of a device's counters.
export function deviceRates(prev, cur, seconds) {
  if (!prev || seconds <= 0) return null;
  const d = (k) => Math.max(0, cur[k] - prev[k]) / seconds;
  return {
    toHost: d('bytes_to_host'),
    fromHost: d('bytes_from_host'),
    dmaOps: d('dma_ops'),
    irqs: d('irq_asserts'),
  };
}

function owner(d) {
  if (!d.owner) return h('span', { class: 'muted' }, 'free: no driver attached');
  const o = d.owner;
  return h('span', {}, h('a', { href: `#/sessions?session=${o.session}` }, `session #${o.session}`),
    ` ${o.name || o.role}`, h('span', { class: 'muted' }, ` from ${o.peer || 'unknown'}`));
}

function registerTable(snap) {
  return h('table', { class: 'regs' },
    h('thead', {}, h('tr', {}, ['Register', 'Offset', 'Value', 'Decoded'].map((l) => h('th', {}, l)))),
    h('tbody', {}, snap.registers.map((r) => h('tr', { dataset: { reg: r.name } },
      h('td', { class: 'mono' }, r.name),
      h('td', { class: 'mono' }, `BAR${r.bar}+${fmtHex(r.offset, 2)}`),
      h('td', { class: 'mono' }, fmtHex(r.value, r.width * 2)),
      h('td', {}, r.fields.map((f) => h('span', { class: `field${f.value ? ' set' : ''}`, title: f.meaning || '' },
        `${f.name}=${f.value > 1 ? fmtHex(f.value) : f.value}`)))))));
}

class DeviceCard {
  constructor(name) {
    this.name = name;
    this.rates = h('dl', { class: 'rates' });
    this.head = h('div', { class: 'card-head' });
    this.regs = h('div', { class: 'regs-panel', hidden: true });
    this.regsButton = h('button', { class: 'secondary', onclick: () => this.toggleRegs() }, 'Show registers');
    this.el = h('article', { class: 'device card', dataset: { device: name } },
      this.head, this.rates, h('div', { class: 'card-actions' }, this.regsButton), this.regs);
  }

  update(d, r) {
    mount(this.head,
      h('h2', {}, d.name), h('span', { class: `badge ${d.state}` }, d.state),
      h('div', { class: 'model' }, `${d.model} · ${fmtHex(d.vendor_id, 4)}:${fmtHex(d.device_id, 4)} rev ${d.revision}`),
      h('div', { class: 'owner' }, owner(d)));
    const c = d.counters;
    const stat = (label, value, key) => [h('dt', {}, label), h('dd', { dataset: { stat: key } }, value)];
    mount(this.rates,
      stat('DMA to host', r ? fmtRate(r.toHost) : '…', 'to-host'),
      stat('DMA from host', r ? fmtRate(r.fromHost) : '…', 'from-host'),
      stat('DMA operations', r ? `${fmtCount(r.dmaOps)}/s` : '…', 'dma-ops'),
      stat('Interrupts', r ? `${fmtCount(r.irqs)}/s` : '…', 'irqs'),
      stat('INTA line', d.irq_asserted ? 'asserted' : 'idle', 'line'),
      stat('Faults', fmtCount(c.dma_faults), 'faults'),
      stat('Resets', fmtCount(d.resets), 'resets'));
    if (!this.regs.hidden) this.loadRegs();
  }

  toggleRegs() {
    this.regs.hidden = !this.regs.hidden;
    this.regsButton.textContent = this.regs.hidden ? 'Show registers' : 'Hide registers';
    if (!this.regs.hidden) this.loadRegs();
  }

  async loadRegs() {
    try {
      const snap = await get(`/api/devices/${encodeURIComponent(this.name)}/registers`);
      mount(this.regs, registerTable(snap));
    } catch (e) {
      mount(this.regs, h('div', { class: 'state error' }, messageFor(e)));
    }
  }
}

export const devicesView = {
  title: 'Devices',
  render(el) {
    const grid = h('div', { class: 'cards' }, h('p', { class: 'state loading' }, 'Loading…'));
    mount(el, h('h1', {}, 'Devices'), grid);
    const cards = new Map();
    let prev = null;
    let gone = false;
    const refresh = async () => {
      try {
        const at = performance.now();
        const { devices } = await get('/api/devices');
        if (gone) return;
        if (cards.size === 0) grid.replaceChildren();
        for (const d of devices) {
          if (!cards.has(d.name)) {
            cards.set(d.name, new DeviceCard(d.name));
            grid.append(cards.get(d.name).el);
          }
          const before = prev && prev.devices.get(d.name);
          cards.get(d.name).update(d, deviceRates(before, d.counters, prev ? (at - prev.at) / 1000 : 0));
        }
        if (devices.length === 0) mount(grid, h('div', { class: 'state empty' }, 'This dmaemud emulates no devices: add [device NAME] sections to its config.'));
        prev = { at, devices: new Map(devices.map((d) => [d.name, d.counters])) };
      } catch (e) {
        if (gone) return;
        cards.clear();
        prev = null;
        mount(grid, h('div', { class: 'state error' }, messageFor(e)));
      }
    };
    refresh();
    const timer = setInterval(refresh, POLL_MS);
    return () => {
      gone = true;
      clearInterval(timer);
    };
  },
};
