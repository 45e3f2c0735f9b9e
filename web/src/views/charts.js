// Throughput and latency over time, per device, from the history bucketed by the daemon
// (/api/series), drawn with uPlot.
import uPlot from 'uplot';
import { get } from '../api.js';
import { h, mount } from '../dom.js';
import { fmtDuration } from '../format.js';
import { makeHash } from '../router.js';
import { deviceOptions, messageFor } from './common.js';
import { seriesColumns } from '../series.js';

const RANGES = [['5m', 'last 5 minutes'], ['15m', 'last 15 minutes'], ['1h', 'last hour'], ['6h', 'last 6 hours'], ['1d', 'last day']];
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const REFRESH_MS = 5000;

function chart(el, title, x, series, yLabel, fmt) {
  const width = Math.max(320, el.clientWidth || 800);
  const opts = {
    title, width, height: 260,
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, dash: s.dash, spanGaps: false, points: { show: false },
      value: (u, v) => (v === null ? '–' : fmt(v)) }))],
    axes: [{}, { label: yLabel, size: 70, values: (u, vals) => vals.map((v) => fmt(v)) }],
    scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
  };
  return new uPlot(opts, [x, ...series.map((s) => s.data)], el);
}

export const chartsView = {
  title: 'Charts',
  render(el, route) {
    const params = { range: '15m', ...route.params };
    const form = h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() });
    const tput = h('div', { class: 'chart', dataset: { chart: 'throughput' } });
    const lat = h('div', { class: 'chart', dataset: { chart: 'latency' } });
    const state = h('div', {});
    mount(el, h('h1', {}, 'Throughput and latency'),
      h('p', { class: 'intro' }, 'Completed requests per time bucket, from the history. Refreshes every 5 s.'),
      form, state, tput, lat);
    let plots = [];
    let gone = false;
    const draw = async () => {
      try {
        const answer = await get('/api/series', { since: params.range, device: params.device });
        if (gone) return;
        plots.forEach((p) => p.destroy());
        plots = [];
        const { x, devices, cols } = seriesColumns(answer);
        if (devices.length === 0) {
          mount(state, h('div', { class: 'state empty' }, `No requests completed in the ${RANGES.find((r) => r[0] === params.range)?.[1] || 'chosen range'}. Traffic (dmaemu io stress plx0) shows up within seconds.`));
          tput.replaceChildren();
          lat.replaceChildren();
          return;
        }
        state.replaceChildren();
        const color = (i) => COLORS[i % COLORS.length];
        plots.push(chart(tput, 'Throughput', x, devices.map((d, i) => ({ label: `${d} MB/s`, color: color(i), data: cols[d].mbps })),
          'MB/s', (v) => `${v.toFixed(v < 10 ? 2 : 0)}`));
        plots.push(chart(lat, 'Latency (submitted to completed)', x, devices.flatMap((d, i) => [
          { label: `${d} mean`, color: color(i), data: cols[d].avg },
          { label: `${d} worst`, color: color(i), dash: [4, 4], data: cols[d].max }]),
        'ms', (v) => fmtDuration(v * 1e6)));
      } catch (e) {
        if (!gone) mount(state, h('div', { class: 'state error' }, messageFor(e)));
      }
    };
    const setParam = (k, v) => {
      params[k] = v;
      history.replaceState(null, '', makeHash(route.path, params));
      draw();
    };
    deviceOptions().then((opts) => {
      if (gone) return;
      mount(form,
        h('label', { class: 'filter' }, h('span', {}, 'Device'), h('select', { name: 'device', onchange: (e) => setParam('device', e.target.value) },
          h('option', { value: '' }, 'all'), opts.map(([v, l]) => h('option', { value: v, selected: v === params.device }, l)))),
        h('label', { class: 'filter' }, h('span', {}, 'Range'), h('select', { name: 'range', onchange: (e) => setParam('range', e.target.value) },
          RANGES.map(([v, l]) => h('option', { value: v, selected: v === params.range }, l)))));
    });
    draw();
    const timer = setInterval(draw, REFRESH_MS);
    return () => {
      gone = true;
      clearInterval(timer);
      plots.forEach((p) => p.destroy());
    };
  },
};
