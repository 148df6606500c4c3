// What the browser tests share: a real stayawayd started on free ports in a temporary
// directory (STAYAWAYD, with a bootstrap admin token), Debian's chromium (CHROMIUM) driven
// by playwright-core, an HTTP client for the API, and a runner that reports each case and
// stops everything after a bound. A missing chromium or playwright-core exits 77 (ctest:
// skipped) unless STAYAWAY_REQUIRE_BROWSER=1.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const required = process.env.STAYAWAY_REQUIRE_BROWSER === '1';

// Every daemon started here is killed when this process exits, however it exits (a skip
// for a missing chromium, a failure, the overall bound): none outlives its test.
const daemons = new Set();
process.on('exit', () => {
  for (const child of daemons) child.kill('SIGKILL');
});

// Chromium headless with `args` besides --no-sandbox.
export async function loadChromium(args = []) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    console.error('playwright-core is not installed: npm ci --prefix tests/browser (scripts/test does it)');
    process.exit(required ? 1 : 77);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`no chromium at ${executablePath}: apt-get install chromium (scripts/test does it)`);
    process.exit(required ? 1 : 77);
  }
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', ...args] });
}

// Starts stayawayd with `toml` as its configuration; resolves once its HTTP port is known.
export async function startDaemon(name, toml) {
  const adminToken = `sa_${name}-admin-${createHash('sha256').update(String(process.pid)).digest('hex').slice(0, 24)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stayaway-${name}-`));
  fs.writeFileSync(path.join(dir, 'stayawayd.toml'), toml);
  const log = fs.openSync(path.join(dir, 'stayawayd.log'), 'a');
  const binary = process.env.STAYAWAYD || path.join(root, 'build/daemon/stayawayd');
  const child = spawn(binary, ['--config', path.join(dir, 'stayawayd.toml'), '--data-dir', path.join(dir, 'data'),
    '--ingest-port', '0', '--http-port', '0', '--osmand-port', '0'], {
    env: { ...process.env, STAYAWAY_ADMIN_TOKEN: adminToken }, stdio: ['ignore', log, log],
  });
  let exited = false;
  daemons.add(child);
  child.on('exit', () => { exited = true; daemons.delete(child); });
  const portsFile = path.join(dir, 'data', 'ports');
  let port = null;
  for (let i = 0; i < 200 && port === null && !exited; ++i) {
    const match = fs.existsSync(portsFile) && /http_port=(\d+)/.exec(fs.readFileSync(portsFile, 'utf8'));
    if (match) port = Number(match[1]);
    else await new Promise((r) => setTimeout(r, 25));
  }
  if (port === null) throw new Error(`stayawayd did not start; see ${path.join(dir, 'stayawayd.log')}`);
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (exited ? r() : child.on('exit', r)));
  };
  return { base, dir, adminToken, stop };
}

// An API client for `base`: {status, text, json}.
export function apiClient(base) {
  return async function http(token, method, target, body) {
    const response = await fetch(base + target, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: response.status, text, json };
  };
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs each case in order, reporting PASS or FAIL; then `cleanup`; exits 0 when all
// passed. Everything stops after `boundMs` whatever hangs.
export async function runCases(cases, { boundMs, cleanup, dir }) {
  const overall = setTimeout(() => { console.error(`FAIL: the browser test took over ${boundMs / 1000} s`); process.exit(1); }, boundMs);
  let failed = 0;
  try {
    for (const { name, body } of cases) {
      const started = Date.now();
      try {
        await body();
        console.log(`PASS ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        ++failed;
        console.log(`FAIL ${name}: ${error.message}`);
      }
    }
  } finally {
    await cleanup().catch(() => {});
    clearTimeout(overall);
  }
  console.log(`${cases.length - failed} passed, ${failed} failed`);
  if (failed === 0) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`daemon log: ${path.join(dir, 'stayawayd.log')}`);
  process.exit(failed === 0 ? 0 : 1);
}
