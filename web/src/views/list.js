// A filterable, paginated, live table of one history list (transactions, faults, findings,
// traces, recorded sessions): newest first, filters in the URL, "Older"/"Newer" by cursor,
// and on the first page new rows arrive without a reload. While the pointer is on the table
// the live updates wait: under heavy I/O a page of new rows arrives with every refresh, and the
// row being clicked would slide away under the pointer.
import { get } from '../api.js';
import { h, mount, reconcile } from '../dom.js';
import { makeHash } from '../router.js';
import { deviceOptions, messageFor } from './common.js';

const PAGE_SIZE = 50;
const REFRESH_DELAY_MS = 400; // the daemon commits history every 200 ms

export function listView(spec) {
  return { title: spec.title, render: (el, route, ctx) => new ListView(spec, el, route, ctx).start() };
}

class ListView {
  constructor(spec, el, route, ctx) {
    this.spec = spec;
    this.el = el;
    this.route = route;
    this.ctx = ctx;
    this.filters = { ...route.params };
    this.cursors = []; // the cursor of each page before the current one
    this.cursor = null;
    this.seen = null; // ids on the first page, to mark the new ones
    this.timer = null;
    this.loading = false;
    this.again = false; // a load was asked for while one ran
    this.againLive = false; // ... and every such ask was a live refresh
    this.gone = false;
    this.tbody = null; // the table on show, updated in place
    this.rowEls = new Map(); // id -> {tr, sig}: its row, and the data it shows
    this.hovered = false; // the pointer is on the table: live updates wait
    this.held = false; // an update waited, and runs when the pointer leaves
    this.pageNo = null; // the pager's label
  }

  start() {
    this.form = h('form', { class: 'filters', onsubmit: (e) => this.applyForm(e) });
    this.note = h('div', { class: 'filter-error', role: 'alert' });
    this.body = h('div', { class: 'list-body' }, h('p', { class: 'state loading' }, 'Loading…'));
    this.pager = h('div', { class: 'pager' });
    mount(this.el, h('h1', {}, this.spec.title), this.spec.intro ? h('p', { class: 'intro' }, this.spec.intro) : null,
      this.form, this.note, this.body, this.pager);
    this.buildFilters();
    const unsubscribe = (this.spec.live || []).map((k) => this.ctx.live.on(k, () => this.scheduleRefresh()));
    const poll = this.spec.pollMs ? setInterval(() => this.scheduleRefresh(), this.spec.pollMs) : null;
    this.load();
    return () => {
      this.gone = true;
      unsubscribe.forEach((u) => u());
      clearInterval(poll);
      clearTimeout(this.timer);
    };
  }

  async buildFilters() {
    const inputs = [];
    for (const f of this.spec.filters) {
      const value = this.filters[f.name] || '';
      let input;
      if (f.type === 'select' || f.type === 'device') {
        const options = f.type === 'device' ? await deviceOptions() : f.options;
        input = h('select', { name: f.name, onchange: () => this.form.requestSubmit() },
          h('option', { value: '' }, f.any || 'any'),
          options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
        if (value && !options.some(([v]) => v === value)) input.append(h('option', { value, selected: true }, value));
      } else {
        input = h('input', { name: f.name, value, placeholder: f.placeholder || '', size: f.size || 10,
          onchange: () => this.form.requestSubmit() });
      }
      inputs.push(h('label', { class: 'filter' }, h('span', {}, f.label), input));
    }
    if (this.gone) return;
    mount(this.form, inputs,
      h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.clear() }, 'Clear'));
  }

  applyForm(e) {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(this.form));
    this.filters = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== ''));
    history.replaceState(null, '', makeHash(this.route.path, this.filters));
    this.cursors = [];
    this.cursor = null;
    this.seen = null;
    this.load();
  }

  clear() {
    for (const el of this.form.elements) if (el.name) el.value = '';
    this.form.requestSubmit();
  }

  scheduleRefresh() {
    if (this.cursor !== null || this.timer) return; // only the first page moves
    if (this.hovered) {
      this.held = true;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.load(true);
    }, REFRESH_DELAY_MS);
  }

  params() {
    const p = { ...this.filters, order: 'desc', limit: PAGE_SIZE };
    for (const k of this.spec.localFilters || []) delete p[k];
    if (this.cursor !== null) p.cursor = this.cursor;
    return p;
  }

  // live: a refresh of the first page, which waits while the pointer is on the table.
  async load(live = false) {
    if (this.loading) {
      this.againLive = this.again ? this.againLive && live : live;
      this.again = true;
      return;
    }
    this.loading = true;
    try {
      const endpoint = this.spec.endpoint(this.filters);
      const answer = await get(endpoint.path, this.params());
      if (live && this.hovered) this.held = true; // the pointer came while it was on its way
      else if (!this.gone) this.show(answer[endpoint.key], answer.next);
    } catch (e) {
      if (!this.gone) this.fail(e);
    } finally {
      this.loading = false;
      if (this.again && !this.gone) {
        this.again = false;
        this.load(this.againLive);
      }
    }
  }

  show(rows, next) {
    this.note.replaceChildren();
    for (const el of this.form.elements) el.classList?.remove('invalid');
    const fresh = this.seen && this.cursor === null ? rows.filter((r) => !this.seen.has(r.id)) : [];
    if (this.cursor === null) this.seen = new Set(rows.map((r) => r.id));
    const freshIds = new Set(fresh.map((r) => r.id));
    if (this.tbody?.isConnected && rows.length > 0) {
      reconcile(this.tbody, this.rows(rows, freshIds)); // rows stay where they are
    } else {
      this.hovered = false; // the table the pointer was on is gone
      this.tbody = null;
      mount(this.body, rows.length === 0 ? this.empty() : this.table(rows, freshIds));
    }
    this.pages(next);
  }

  empty() {
    const filtered = Object.keys(this.filters).length > 0;
    if (!filtered && this.cursor === null) return h('div', { class: 'state empty' }, this.spec.empty);
    return h('div', { class: 'state empty' }, 'Nothing matches these filters. ',
      h('button', { class: 'link', onclick: () => this.clear() }, 'Clear the filters'), ' to see everything.');
  }

  table(rows, fresh) {
    const cols = this.spec.columns;
    this.rowEls = new Map();
    this.tbody = h('tbody', {}, this.rows(rows, fresh));
    return h('table', {
      class: 'list',
      dataset: { list: this.spec.key },
      onmouseenter: () => this.hover(true),
      onmouseleave: () => this.hover(false),
    },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.class }, c.label)))),
    this.tbody);
  }

  hover(on) {
    this.hovered = on;
    if (this.pageNo) this.pageNo.textContent = this.pageLabel();
    if (!on && this.held) {
      this.held = false;
      this.scheduleRefresh();
    }
  }

  pageLabel() {
    if (this.cursor !== null) return `page ${this.cursors.length + 1}`;
    return this.hovered ? 'newest first · paused while the pointer is on the table' : 'newest first · updates live';
  }

  // The row of each id, reusing the one on show (its cells redrawn only if its data changed).
  rows(rows, fresh) {
    const cells = (r) => this.spec.columns.map((c) => h('td', { class: c.class }, c.cell(r)));
    const next = new Map();
    const trs = rows.map((r) => {
      const sig = JSON.stringify(r);
      const old = this.rowEls.get(r.id);
      let tr = old?.tr;
      if (!tr) {
        const link = this.spec.rowLink ? this.spec.rowLink(r) : null;
        tr = h('tr', {
          class: link ? 'clickable' : null,
          dataset: { id: r.id },
          onclick: link ? (e) => { if (!e.target.closest('a')) location.hash = link; } : null,
        }, cells(r));
      } else if (old.sig !== sig) {
        mount(tr, cells(r));
      }
      tr.classList.toggle('fresh', fresh.has(r.id));
      next.set(r.id, { tr, sig });
      return tr;
    });
    this.rowEls = next;
    return trs;
  }

  pages(next) {
    const newer = this.cursors.length > 0 || this.cursor !== null;
    mount(this.pager,
      h('button', { class: 'secondary', disabled: !newer, onclick: () => this.page(this.cursors.pop() ?? null) }, '← Newer'),
      this.pageNo = h('span', { class: 'page-no' }, this.pageLabel()),
      h('button', { class: 'secondary', disabled: next === null, onclick: () => { this.cursors.push(this.cursor); this.page(next); } }, 'Older →'));
  }

  page(cursor) {
    this.cursor = cursor;
    if (cursor === null) this.cursors = [];
    this.load();
  }

  fail(e) {
    if (e.parameter) {
      const input = this.form.elements.namedItem(e.parameter);
      if (input) input.classList.add('invalid');
      mount(this.note, `${e.message}. Fix the filter and press Enter.`);
      return;
    }
    mount(this.body, h('div', { class: 'state error' }, messageFor(e)));
  }
}
