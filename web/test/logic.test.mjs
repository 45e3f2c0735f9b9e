// The dashboard's pure logic, under node's test runner (ctest: web.logic).
import assert from 'node:assert/strict';
import test from 'node:test';
import { fmtBytes, fmtDuration, fmtHex, isError, statusName } from '../src/format.js';
import { makeHash, parseHash } from '../src/router.js';
import { seriesColumns } from '../src/series.js';
import { SseParser } from '../src/sse.js';
import { timelineModel } from '../src/views/timeline.js';

test('sizes, durations and statuses read as people write them', () => {
  assert.equal(fmtBytes(0), '0 B');
  assert.equal(fmtBytes(4096), '4.0 KiB');
  assert.equal(fmtBytes(1048576 * 16), '16.0 MiB');
  assert.equal(fmtBytes(null), '–');
  assert.equal(fmtDuration(999), '999 ns');
  assert.equal(fmtDuration(1500), '1.5 µs');
  assert.equal(fmtDuration(2500000), '2.50 ms');
  assert.equal(fmtDuration(3e9), '3.00 s');
  assert.equal(fmtHex(255, 4), '0x00ff');
  assert.equal(fmtHex(-1), '0xffffffffffffffff');
  assert.equal(statusName(0), 'SUCCESS');
  assert.equal(statusName(-1073741536), 'CANCELLED'); // 0xC0000120 as the history stores it
  assert.equal(statusName(-1073741100), '0xc00002d4');
  assert.equal(statusName(null), 'pending');
  assert.ok(isError(-1073741536));
  assert.ok(!isError(0) && !isError(null));
});

test('routes round-trip through the hash', () => {
  const h = makeHash(['transactions'], { device: 'plx0', type: '', since: '10m' });
  assert.equal(h, '#/transactions?device=plx0&since=10m');
  assert.deepEqual(parseHash(h), { path: ['transactions'], params: { device: 'plx0', since: '10m' } });
  assert.deepEqual(parseHash('#/transactions/4711'), { path: ['transactions', '4711'], params: {} });
  assert.deepEqual(parseHash(''), { path: [], params: {} });
});

test('the SSE parser handles any chunking, comments and CRLF', () => {
  const got = [];
  const p = new SseParser((e) => got.push(e));
  const stream = ': hello\n\nevent: request\ndata: {"a":1}\n\nevent: dma\r\ndata: x\r\ndata: y\r\n\r\n';
  for (const ch of stream) p.push(ch); // one character at a time
  assert.deepEqual(got, [{ event: 'request', data: '{"a":1}' }, { event: 'dma', data: 'x\ny' }]);
  const whole = [];
  const q = new SseParser((e) => whole.push(e));
  q.push(stream);
  assert.deepEqual(whole, got);
});

test('series buckets land on their slots despite nanosecond rounding', () => {
  const since = 1795268346273184616;
  const step = 5e9;
  const answer = {
    since_ns: since, until_ns: since + 60 * step, step_ns: step,
    points: [
      { device: 'plx1', t_ns: since + 3 * step, requests: 10, bytes: 5e6, latency_avg_ns: 2e6, latency_max_ns: 9e6 },
      { device: 'plx0', t_ns: since + 59 * step, requests: 5, bytes: 1e6, latency_avg_ns: 1e5, latency_max_ns: 2e5 },
    ],
  };
  const { x, devices, cols } = seriesColumns(answer);
  assert.equal(x.length, 60);
  assert.deepEqual(devices, ['plx0', 'plx1']);
  assert.equal(cols.plx1.mbps[3], 1); // 5 MB in 5 s
  assert.equal(cols.plx1.rps[3], 2);
  assert.equal(cols.plx1.avg[3], 2);
  assert.equal(cols.plx1.avg[4], null);
  assert.equal(cols.plx1.mbps[4], 0);
  assert.equal(cols.plx0.max[59], 0.2);
});

test('a request becomes timeline lanes with every transfer, DMA op and interrupt', () => {
  const t = 1795268346000000000;
  const req = {
    type: 'read', length: 8192, submitted_ns: t, dispatched_ns: t + 1000, completed_ns: t + 90000,
    transactions: [{
      txn_no: 1, direction: 'read', length: 8192, started_ns: t + 2000, ended_ns: t + 80000,
      transfers: [{ seq: 0, length: 8192, sg: [[0x1000, 4096], [0x3000, 4096]], programmed_ns: t + 3000, completed_ns: t + 70000, how: 'completed',
        dma_ops: [{ channel: 0, to_host: 1, purpose: 'data', length: 4096, bus_addr: 0x1000, result: 0, start_ns: t + 4000, end_ns: t + 9000 },
          { channel: 0, to_host: 1, purpose: 'data', length: 4096, bus_addr: 0x3000, result: -1, start_ns: t + 9000, end_ns: t + 12000 }] }],
    }],
    interrupts: [{ kind: 'assert', line: 0, time_ns: t + 60000 }, { kind: 'isr-claimed', line: 0, time_ns: t + 61000 }, { kind: 'dpc', line: 0, time_ns: t + 65000 }],
  };
  const m = timelineModel(req);
  assert.deepEqual(m.lanes.map((l) => l.name), ['Request', 'Transactions', 'Transfers', 'DMA ch0', 'INTA line', 'ISR / DPC']);
  assert.equal(m.t0, t);
  assert.equal(m.t1, t + 90000);
  const ops = m.lanes[3].items;
  assert.deepEqual(ops.map((o) => o.kind), ['to-host', 'fault']);
  assert.deepEqual(m.lanes[5].items.map((i) => i.kind), ['isr', 'dpc']);
});
