// The web dashboard in a real headless Chromium (Debian's), driven by playwright-core, against
// a real dmaemud with the sample KMDF driver attached and traffic flowing. Screenshots of each
// view land in $DMAEMU_ARTIFACTS.
//
// Environment (set by ctest): DMAEMUD, DMAEMU_CLI, PCI9656_DRIVER, CHROMIUM, DMAEMU_ARTIFACTS,
// NODE_PATH (playwright-core).
'use strict';
const assert = require('node:assert/strict');
const { test, before, after, afterEach } = require('node:test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Daemon, spawnLogged, run, steadyTraffic } = require('./processes.cjs');

const artifacts = process.env.DMAEMU_ARTIFACTS || fs.mkdtempSync(path.join(os.tmpdir(), 'dmaemu-shots-'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dmaemu-browser-'));
let daemon, driver, traffic, browser, page;
const problems = []; // page errors and requests that left the daemon

async function shot(name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

before(async () => {
  const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium (scripts/deps.sh test does)`);
  fs.mkdirSync(artifacts, { recursive: true });
  daemon = await Daemon.start(work, { db: path.join(work, 'history.db') });
  driver = spawnLogged(process.env.PCI9656_DRIVER, ['--device', 'plx0', '--daemon', daemon.unix, '--trace-level=verbose'], path.join(work, 'driver.log'));
  await daemon.waitFor(async () => (await daemon.api('/api/devices')).devices[0].state === 'owned', 'the driver to attach to plx0');
  // Known requests first (a write and a read that the filter tests can find), then steady traffic.
  await run(process.env.DMAEMU_CLI, ['--daemon', daemon.unix, 'io', 'write', 'plx0', '--size', '64K', '--pattern', 'random:7']);
  await run(process.env.DMAEMU_CLI, ['--daemon', daemon.unix, 'io', 'read', 'plx0', '--size', '64K', '--verify', 'random:7']);
  traffic = steadyTraffic(process.env.DMAEMU_CLI, daemon.unix);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => problems.push(`the page threw: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(daemon.http)) problems.push(`the page fetched ${r.url()}: it must work offline`);
  });
});

afterEach(() => {
  assert.deepEqual(problems.splice(0), []);
});

after(async () => {
  if (browser) await browser.close();
  if (traffic) traffic.kill();
  if (driver) driver.kill('SIGTERM');
  if (daemon) await daemon.stop();
});

test('the devices view shows both devices, live rates and decoded registers', async () => {
  await page.goto(`${daemon.http}/`);
  const plx0 = page.locator('article[data-device="plx0"]');
  const plx1 = page.locator('article[data-device="plx1"]');
  await plx0.locator('.badge.owned').waitFor();
  await plx1.locator('.badge.free').waitFor();
  assert.match(await plx0.locator('.owner').innerText(), /pci9656/);
  assert.match(await plx1.locator('.owner').innerText(), /no driver attached/);
  // Rates need two samples of the counters; traffic makes them nonzero.
  await page.waitForFunction(() => /[1-9]/.test(document.querySelector('article[data-device="plx0"] dd[data-stat="irqs"]')?.textContent || ''));
  assert.match(await plx0.locator('dd[data-stat="to-host"]').innerText(), /\/s$/);
  await plx0.getByRole('button', { name: 'Show registers' }).click();
  const intcsr = plx0.locator('tr[data-reg="INTCSR"]');
  await intcsr.waitFor();
  assert.match(await intcsr.innerText(), /pci_int_enable=1/);
  await plx0.locator('tr[data-reg="DMAMODE0"]').waitFor();
  await plx0.locator('tr[data-reg="DMACSR0"]').waitFor();
  await shot('devices');
});

async function topId() {
  return Number(await page.locator('table[data-list] tbody tr').first().getAttribute('data-id'));
}

test('new transactions appear without a reload', async () => {
  await page.click('nav a[data-route="transactions"]');
  await page.locator('table[data-list="transactions"] tbody tr').first().waitFor();
  await page.evaluate(() => { window.notReloaded = true; });
  const first = await topId();
  await page.waitForFunction((id) => Number(document.querySelector('table[data-list] tbody tr')?.dataset.id) > id, first, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  await shot('transactions');
});

test('the live table holds still while the pointer is on it', async () => {
  // Under steady traffic a page of new rows arrives with each refresh: a row being clicked
  // would slide away under the pointer. Hovering holds the table; leaving lets it move again.
  await page.locator('table[data-list="transactions"] tbody tr').first().hover();
  await page.locator('.pager .page-no', { hasText: 'paused' }).waitFor();
  const held = await topId();
  const newest = async () => (await daemon.api('/api/transactions?order=desc&limit=1')).transactions[0]?.id ?? 0;
  await daemon.waitFor(async () => (await newest()) > held, 'newer transactions in the history');
  await page.waitForTimeout(1000); // a refresh would have come by now (400 ms after the newest)
  assert.equal(await topId(), held);
  await page.mouse.move(5, 5);
  await page.locator('.pager .page-no', { hasText: 'updates live' }).waitFor();
  await page.waitForFunction((id) => Number(document.querySelector('table[data-list] tbody tr')?.dataset.id) > id, held, { timeout: 15000 });
});

test('a filter narrows the table and lands in the URL', async () => {
  await page.selectOption('select[name="type"]', 'read');
  await page.waitForFunction(() => location.hash.includes('type=read'));
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('table[data-list] tbody tr td:nth-child(4)')].map((td) => td.textContent);
    return cells.length > 0 && cells.every((c) => c === 'read');
  });
  await page.fill('input[name="min_size"]', '60K');
  await page.press('input[name="min_size"]', 'Enter');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table[data-list] tbody tr')];
    return rows.length > 0 && rows.every((r) => r.children[3].textContent === 'read' && /KiB|MiB/.test(r.children[4].textContent) && parseFloat(r.children[4].textContent) >= 60);
  });
  // A bad filter is named, and the table stays.
  await page.fill('input[name="since"]', 'yesterday-ish');
  await page.press('input[name="since"]', 'Enter');
  await page.locator('.filter-error', { hasText: "parameter 'since'" }).waitFor();
  assert.equal(await page.locator('input[name="since"].invalid').count(), 1);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.waitForFunction(() => !location.hash.includes('type='));
});

test('a detail view opens with its timeline, SG lists and DMA operations', async () => {
  await page.selectOption('select[name="type"]', 'write');
  await page.locator('table[data-list] tbody tr').first().waitFor();
  await page.waitForFunction(() => document.querySelector('table[data-list] tbody tr td:nth-child(7)')?.textContent === 'SUCCESS');
  const id = await topId();
  await page.locator(`table[data-list] tbody tr[data-id="${id}"]`).click();
  await page.waitForFunction((i) => location.hash === `#/transactions/${i}`, id);
  await page.locator('h1', { hasText: `Request ${id}` }).waitFor();
  for (const lane of ['Request', 'Transactions', 'Transfers', 'DMA ch0']) {
    await page.locator(`svg.timeline g[data-lane="${lane}"]`).waitFor();
  }
  assert.ok(await page.locator('svg.timeline g[data-lane="DMA ch0"] rect').count() >= 1);
  assert.ok(await page.locator('table.sg tbody tr').count() >= 1);
  assert.ok(await page.locator('table.ops tbody tr').count() >= 1);
  await shot('transaction-detail');
});

test('sessions, traces and charts show what the driver did', async () => {
  await page.goto(`${daemon.http}/#/sessions`);
  await page.locator('table[data-list="live-sessions"] tr', { hasText: 'pci9656' }).waitFor();
  await page.locator('table[data-list="sessions"] tbody tr').first().waitFor();
  await shot('sessions');
  await page.goto(`${daemon.http}/#/traces?text=descriptor`);
  await page.locator('table[data-list="traces"] tbody tr').first().waitFor();
  const lines = await page.locator('table[data-list="traces"] tbody tr td:nth-child(6)').allInnerTexts();
  assert.ok(lines.every((l) => /descriptor/i.test(l)), 'the text filter narrows trace lines');
  await page.goto(`${daemon.http}/#/charts?range=5m`);
  await page.locator('[data-chart="throughput"] canvas').waitFor();
  await page.locator('[data-chart="latency"] canvas').waitFor();
  await shot('charts');
  await page.goto(`${daemon.http}/#/faults`);
  await page.locator('.state.empty', { hasText: 'No faults recorded' }).waitFor();
});

test('a stopped daemon, a restart and an empty history each say what is going on', async () => {
  await page.goto(`${daemon.http}/#/transactions`);
  await page.locator('table[data-list] tbody tr').first().waitFor();
  traffic.kill();
  driver.kill('SIGTERM');
  await daemon.stop();
  await page.locator('.banner.down', { hasText: 'Cannot reach dmaemud' }).waitFor({ timeout: 10000 });
  await shot('daemon-down');
  daemon = await Daemon.start(work, { db: path.join(work, 'empty.db'), http: daemon.httpAddress });
  await page.locator('.banner.info', { hasText: 'dmaemud restarted' }).waitFor({ timeout: 10000 });
  await page.locator('.state.empty', { hasText: 'No requests recorded yet' }).waitFor();
  await shot('restarted-empty');
});

test('an address beyond loopback asks for the token once, then shows the data', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmaemu-token-'));
  const token = 'browser-test-token-0123456789';
  fs.writeFileSync(path.join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  const remote = await Daemon.start(dir, { db: path.join(dir, 'h.db'), http: '0.0.0.0:0', extra: ['--token-file', path.join(dir, 'token')] });
  try {
    const port = remote.httpAddress.split(':').pop();
    const origin = `http://127.0.0.1:${port}`;
    const p = await browser.newPage();
    p.on('pageerror', (e) => problems.push(`the page threw: ${e.message}`));
    const refused = () => p.waitForResponse((r) => r.url().endsWith('/api/devices') && r.status() === 401);
    let answer = refused();
    await p.goto(`${origin}/#/devices`);
    await answer;
    const form = p.locator('.banner form.token');
    await form.waitFor();
    assert.equal(await p.locator('article[data-device]').count(), 0, 'no data without the token');
    answer = refused();
    await form.locator('input[name="token"]').fill('wrong-token-0123456789');
    await form.getByRole('button', { name: 'Use token' }).click();
    await answer; // the wrong token is refused too, and the form stays
    await p.locator('.banner form.token').waitFor();
    assert.equal(await p.locator('article[data-device]').count(), 0, 'no data with a wrong token');
    await p.locator('.banner form.token input[name="token"]').fill(token);
    await p.locator('.banner form.token').getByRole('button', { name: 'Use token' }).click();
    await p.locator('article[data-device="plx0"]').waitFor();
    await p.locator('.live-state.live').waitFor();
    await p.waitForFunction(() => document.querySelector('.banner').hidden);
    await p.screenshot({ path: path.join(artifacts, 'token.png') });
    await p.close();
  } finally {
    await remote.stop();
  }
});
