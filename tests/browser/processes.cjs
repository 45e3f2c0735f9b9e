// The real processes a browser test needs: dmaemud (on a free HTTP port, told by --ready-fd),
// driver processes and CLI runs, each logging to a file the test names when something fails.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function spawnLogged(file, args, logPath) {
  const log = fs.openSync(logPath, 'a');
  const child = spawn(file, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.logPath = logPath;
  return child;
}

// Runs a command to its end; rejects with its output when it fails.
function run(file, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(file)} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

class Daemon {
  // Starts dmaemud with its socket in work, the given --db and --http (default: any free
  // loopback port) and extra arguments; resolves once it is ready.
  static async start(work, { db, http = '127.0.0.1:0', extra = [] }) {
    const d = new Daemon();
    d.unix = `unix:${path.join(work, 'd.sock')}`;
    d.logPath = path.join(work, 'daemon.log');
    const log = fs.openSync(d.logPath, 'a');
    d.child = spawn(process.env.DMAEMUD, ['--socket', path.join(work, 'd.sock'), '--db', db, '--http', http, '--ready-fd', '3', ...extra],
      { stdio: ['ignore', log, log, 'pipe'] });
    fs.closeSync(log);
    const lines = await new Promise((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`dmaemud did not start within 10 s: see ${d.logPath}`)), 10000);
      d.child.stdio[3].on('data', (b) => {
        text += b;
        if (/^ready$/m.test(text)) {
          clearTimeout(timer);
          resolve(text.split('\n'));
        }
      });
      d.child.on('exit', (code) => reject(new Error(`dmaemud exited ${code} at start: see ${d.logPath}`)));
    });
    d.http = lines.find((l) => l.startsWith('http://'));
    if (!d.http) throw new Error(`dmaemud serves no HTTP: see ${d.logPath}`);
    d.httpAddress = d.http.replace('http://', '');
    return d;
  }

  async api(p) {
    const res = await fetch(`${this.http}${p}`);
    if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async waitFor(check, what, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await check()) return;
      } catch {
        // not yet
      }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: see ${this.logPath}`);
      await sleep(100);
    }
  }

  // SIGTERM, and the daemon's exit (it flushes the history first).
  stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      this.child.on('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}

// Alternating 64 KiB writes and reads through the driver, every interval ms, until stopped.
function steadyTraffic(cli, daemonUri, interval = 150) {
  let n = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const args = n++ % 2 === 0 ? ['io', 'write', 'plx0', '--size', '64K'] : ['io', 'read', 'plx0', '--size', '64K'];
    run(cli, ['--daemon', daemonUri, ...args]).catch(() => {}).finally(() => { busy = false; });
  }, interval);
  return { kill: () => clearInterval(timer) };
}

module.exports = { Daemon, spawnLogged, run, sleep, steadyTraffic };
