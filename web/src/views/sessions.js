// Who is connected now (drivers, applications, monitors, and from where), and every session
// the history remembers.
import { get } from '../api.js';
import { h, mount } from '../dom.js';
import { fmtDuration } from '../format.js';
import { listView } from './list.js';
import { messageFor, timeCell } from './common.js';

const recorded = listView({
  title: 'Recorded sessions',
  key: 'sessions',
  endpoint: () => ({ path: '/api/recorded-sessions', key: 'sessions' }),
  live: ['session-open', 'session-close'],
  filters: [
    { name: 'session', label: 'Session', placeholder: '3', size: 4 },
    { name: 'text', label: 'Name, role or peer', placeholder: 'pci9656, tcp://…', size: 18 },
    { name: 'since', label: 'Since', placeholder: '10m, 2h or 2026-11-21T10:00', size: 16 },
    { name: 'until', label: 'Until', placeholder: '10m, 2h or 2026-11-21T10:00', size: 16 },
  ],
  columns: [
    { label: 'Session', class: 'num', cell: (r) => `#${r.session}` },
    { label: 'Run', class: 'num', cell: (r) => r.run_id },
    { label: 'Role', cell: (r) => r.role || '–' },
    { label: 'Name', cell: (r) => r.name || '–' },
    { label: 'From', cell: (r) => r.peer || '–' },
    { label: 'Started', cell: (r) => timeCell(r.started_ns) },
    { label: 'Lasted', class: 'num', cell: (r) => (r.ended_ns ? fmtDuration(r.ended_ns - r.started_ns) : 'connected') },
    { label: 'Ended because', cell: (r) => r.end_reason || '–' },
  ],
  empty: 'No sessions recorded yet: drivers, applications and monitors appear here when they connect.',
});

function liveTable(sessions) {
  if (sessions.length === 0) {
    return h('div', { class: 'state empty' }, 'Nobody is connected. Start a driver (scripts/run.sh) or run "dmaemu devices".');
  }
  return h('table', { class: 'list', dataset: { list: 'live-sessions' } },
    h('thead', {}, h('tr', {}, ['Session', 'Role', 'Name', 'From', 'Transport', 'Device'].map((l) => h('th', {}, l)))),
    h('tbody', {}, sessions.map((s) => h('tr', { dataset: { id: s.id } },
      h('td', { class: 'num' }, `#${s.id}`), h('td', {}, h('span', { class: `role ${s.role}` }, s.role)),
      h('td', {}, s.name || '–'), h('td', {}, s.peer || '–'), h('td', {}, s.transport), h('td', {}, s.device || '–')))));
}

export const sessionsView = {
  title: 'Sessions',
  render(el, route, ctx) {
    const live = h('div', {}, h('p', { class: 'state loading' }, 'Loading…'));
    const history = h('section', {});
    mount(el, h('h1', {}, 'Connected now'), live, history);
    const refresh = () => get('/api/sessions')
      .then((a) => mount(live, liveTable(a.sessions)))
      .catch((e) => mount(live, h('div', { class: 'state error' }, messageFor(e))));
    refresh();
    const timer = setInterval(refresh, 2000);
    const off = ['session-open', 'session-close', 'attach', 'detach'].map((k) => ctx.live.on(k, refresh));
    const stopHistory = recorded.render(history, route, ctx);
    return () => {
      clearInterval(timer);
      off.forEach((u) => u());
      stopHistory();
    };
  },
};
