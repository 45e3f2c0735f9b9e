// The dashboard's shell: navigation, the route's view, the connection to dmaemud (who it is,
// whether it restarted, the live event stream) and the banners that say what is wrong.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, LiveEvents, get, setToken } from './api.js';
import { h, mount } from './dom.js';
import { fmtTime } from './format.js';
import { parseHash } from './router.js';
import { chartsView } from './views/charts.js';
import { detailView } from './views/detail.js';
import { devicesView } from './views/devices.js';
import { faultsView, findingsView, tracesView } from './views/events.js';
import { sessionsView } from './views/sessions.js';
import { transactionsView } from './views/transactions.js';

const NAV = [
  ['devices', devicesView], ['transactions', transactionsView], ['charts', chartsView], ['sessions', sessionsView],
  ['faults', faultsView], ['findings', findingsView], ['traces', tracesView],
];
const LIVE_KINDS = ['request', 'attach', 'detach', 'session-open', 'session-close', 'device-reset', 'fault'];
const WATCH_MS = 2000;

// Views subscribe to live events by kind; on() returns the unsubscribe function.
class LiveBus {
  constructor() {
    this.handlers = new Map();
  }

  on(kind, fn) {
    if (!this.handlers.has(kind)) this.handlers.set(kind, new Set());
    this.handlers.get(kind).add(fn);
    return () => this.handlers.get(kind).delete(fn);
  }

  emit(kind, data) {
    for (const fn of this.handlers.get(kind) || []) fn(data);
  }
}

const app = {
  bus: new LiveBus(),
  daemon: null, // the last /api/daemon answer
  problem: false, // a banner says the daemon cannot be used: clear it once it answers
  stopView: null,
};

const el = {
  banner: h('div', { class: 'banner', role: 'status', hidden: true }),
  live: h('span', { class: 'live-state connecting' }, 'connecting…'),
  nav: h('nav', {}),
  main: h('main', {}),
  who: h('span', { class: 'who' }),
};

function banner(kind, ...content) {
  if (!kind) {
    el.banner.hidden = true;
    el.banner.replaceChildren();
    return;
  }
  el.banner.className = `banner ${kind}`;
  el.banner.hidden = false;
  mount(el.banner, content);
}

function tokenForm() {
  const input = h('input', { type: 'password', name: 'token', placeholder: 'the first line of the token file', size: 30 });
  return h('form', { class: 'token', onsubmit: (e) => { e.preventDefault(); setToken(input.value.trim()); watch(); events.restart(); route(); } },
    "This dmaemud serves beyond loopback and needs its token (dmaemud's --token-file). ", input, h('button', { type: 'submit' }, 'Use token'));
}

function setLive(state, detail) {
  el.live.className = `live-state ${state}`;
  el.live.textContent = { live: '● live', connecting: 'connecting…', down: '○ offline', unauthorized: 'token needed' }[state];
  el.live.title = detail || '';
  if (state === 'unauthorized') banner('warn', tokenForm());
}

const events = new LiveEvents(LIVE_KINDS, (kind, data) => app.bus.emit(kind, data), setLive);

// Who answers, every few seconds: tells a restart, an unreachable daemon, a missing token.
async function watch() {
  try {
    const d = await get('/api/daemon');
    const restarted = app.daemon && app.daemon.started_ns !== d.started_ns;
    const recovered = app.problem;
    app.problem = false;
    app.daemon = d;
    mount(el.who, `dmaemud ${d.version} · pid ${d.pid}${d.recording ? '' : ' · not recording history'}`);
    if (restarted) {
      banner('info', `dmaemud restarted at ${fmtTime(d.started_ns)}: live counters started again from zero; the history of earlier runs is kept. `,
        h('button', { class: 'link', onclick: () => banner(null) }, 'Dismiss'));
      events.restart();
      route();
    } else if (recovered) {
      banner(null);
      route();
    }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (app.problem && e.status === 401) return; // the token form stays as the user left it
    app.problem = true;
    if (e.status === 401) banner('warn', tokenForm());
    else if (e.status === 0) banner('down', `Cannot reach dmaemud at ${location.host}. Is it running? (scripts/run.sh starts it.) Retrying every ${WATCH_MS / 1000} s…`);
    else banner('warn', `dmaemud answered: ${e.message}`);
  }
}

function route() {
  const r = parseHash(location.hash);
  if (r.path.length === 0) r.path = ['devices'];
  const [name] = r.path;
  const view = name === 'transactions' && r.path[1] ? detailView : (NAV.find(([n]) => n === name) || [])[1];
  if (app.stopView) app.stopView();
  app.stopView = null;
  for (const a of el.nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.route === name);
  if (!view) {
    mount(el.main, h('div', { class: 'state error' }, `There is no page "${name}". `, h('a', { href: '#/devices' }, 'Go to the devices.')));
    return;
  }
  document.title = `${view.title} · dmaemu`;
  app.stopView = view.render(el.main, r, { live: app.bus }) || null;
}

function start() {
  mount(el.nav, NAV.map(([name, view]) => h('a', { href: `#/${name}`, dataset: { route: name } }, view.title)));
  mount(document.getElementById('app'),
    h('header', {}, h('a', { class: 'brand', href: '#/devices' }, 'dmaemu'), el.nav, h('span', { class: 'spacer' }), el.who, el.live),
    el.banner, el.main);
  window.addEventListener('hashchange', route);
  watch();
  setInterval(watch, WATCH_MS);
  events.start();
  route();
}

start();
