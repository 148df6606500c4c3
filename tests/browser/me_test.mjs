// The protected person's app (/me/) end to end: a real stayawayd and Debian's chromium
// (harness.mjs), notifications and geolocation granted. She signs in once; a violation
// raises her system notification within 2 s of the fix; nothing on her page, in any
// response or on her stream places the supervised person; another victim's app learns
// nothing of it; the SOS button opens an SOS alert with her browser's position; a
// notification missed while the app was closed is shown when it opens; each notification
// shown is acknowledged on the centre's record; offline the app still opens (its service
// worker); a protected credential at the console is sent to /me/; "Close" leaves at once.
// Run by ctest (me_browser_test).
//
//   STAYAWAYD=build/daemon/stayawayd node tests/browser/me_test.mjs [--screenshots docs]
import path from 'node:path';

import { apiClient, expect, loadChromium, runCases, startDaemon } from './harness.mjs';

// --screenshots DIR: the README's pictures of her app (docs/me-*.png).
const args = process.argv.slice(2);
const screenshotDir = args.includes('--screenshots') ? path.resolve(args[args.indexOf('--screenshots') + 1]) : null;

// She is at VICTIM; he comes to 40 m. Their coordinates as any JSON would print them.
const VICTIM = { lat: 42.874321, lon: 74.612345 };
const TAG = { lat: 42.874601, lon: 74.612577 };
const TAG_TEXT = ['42.8746', '74.6125'];

const daemon = await startDaemon('me', '[engine]\nproximity_violation = { confirm_fixes = 1 }\n');
const { base, adminToken } = daemon;
const http = apiClient(base);
async function issue(body) {
  const reply = await http(adminToken, 'POST', '/v1/credentials', body);
  if (reply.status !== 201) throw new Error(`credential ${body.name}: ${reply.status} ${reply.text}`);
  return reply.json.token;
}
const herToken = await issue({ name: 'her-app', roles: ['protected'], person: 'p2', devices: ['phone-2'] });
const otherToken = await issue({ name: 'other-app', roles: ['protected'], person: 'p9', devices: ['phone-9'] });
const ingestToken = await issue({ name: 'gateway', roles: ['ingest'], devices: ['*'] });
const operatorToken = await issue({ name: 'operator-1', roles: ['operator'] });
for (const [id, tag, phone, victim] of [['KG-7', 'tag-1', 'phone-2', 'p2'], ['OT-9', 'tag-9', 'phone-9', 'p9']]) {
  const reply = await http(adminToken, 'POST', '/v1/orders', {
    id, version: 1, valid_from: '2020-01-01T00:00:00Z', supervised: { id: `s-${id}`, devices: [tag] },
    protected: [{ id: victim, devices: [phone], relation: 'victim' }], violation_distance_m: 300, warning_distance_m: 600,
  });
  if (reply.status !== 201) throw new Error(`order ${id}: ${reply.status} ${reply.text}`);
}
console.log(`daemon on ${base}`);

const browser = await loadChromium();

// Her phone: notifications and her position granted; every notification, vibration and
// stream message the page makes is recorded, as is every response body it loads.
async function openApp({ token = null, context = null } = {}) {
  context = context || await browser.newContext({
    viewport: { width: 400, height: 800 }, permissions: ['notifications', 'geolocation'],
    geolocation: { latitude: VICTIM.lat, longitude: VICTIM.lon, accuracy: 15 },
  });
  await context.addInitScript(() => {
    window.__notes = [];
    window.__vibrations = [];
    window.__stream = [];
    const Original = window.Notification;
    window.Notification = class {
      constructor(title, options) {
        window.__notes.push({ title, body: options && options.body, at: Date.now() });
        try { return new Original(title, options); } catch { /* headless may not show it */ }
      }
      static get permission() { return Original ? Original.permission : 'granted'; }
      static requestPermission() { return Original ? Original.requestPermission() : Promise.resolve('granted'); }
    };
    navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
    const OriginalSource = window.EventSource;
    window.EventSource = class extends OriginalSource {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => window.__stream.push(e.data));
      }
    };
  });
  const page = await context.newPage();
  const problems = [];
  const bodies = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Before sign-in, GET /v1/session answers 401: expected.
    if (/status of 401/.test(message.text()) && /\/v1\/session$/.test(message.location().url || '')) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on('response', async (response) => {
    try {
      if ((response.headers()['content-type'] || '').includes('event-stream')) return;  // recorded above
      bodies.push({ url: response.url(), body: await response.text() });
    } catch { /* gone */ }
  });
  await page.goto(`${base}/me/`);
  if (token) {
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  if (token) await page.locator('#status').waitFor({ timeout: 10_000 });
  return { context, page, problems, bodies };
}

const at = (ms) => new Date(ms).toISOString();
let her = null;
const cases = [];
const test = (name, body) => cases.push({ name, body });

test('her app has a neutral name and icon, installs, and keeps no token', async () => {
  her = await openApp();
  const { page, context } = her;
  expect(await page.title() === 'Planner', `title: ${await page.title()}`);
  const manifest = await http(null, 'GET', '/me/manifest.webmanifest');
  expect(manifest.status === 200 && manifest.json.name === 'Planner' && manifest.json.start_url === '/me/', `manifest: ${manifest.text}`);
  await page.getByLabel('Token').fill(herToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#status').filter({ hasText: 'No alert' }).waitFor();
  if (screenshotDir) await page.screenshot({ path: path.join(screenshotDir, 'me-quiet.png') });
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(!stored.includes(herToken), 'the token is in browser storage');
  const cookies = await context.cookies();
  expect(cookies.length === 1 && cookies[0].httpOnly && cookies[0].sameSite === 'Strict', JSON.stringify(cookies));
  expect(her.problems.length === 0, her.problems.join('\n'));
});

test('a violation raises her notification within 2 s of the fix, and nothing places him', async () => {
  expect(her, 'needs her signed-in app');
  const { page, problems, bodies } = her;
  const started = Date.now();
  const reply = await http(ingestToken, 'POST', '/v1/fixes', [
    { device: 'phone-2', seq: 1, time: at(started - 2000), lat: VICTIM.lat, lon: VICTIM.lon, accuracy_m: 5 },
    { device: 'tag-1', seq: 1, time: at(started - 1000), lat: TAG.lat, lon: TAG.lon, accuracy_m: 5 },
  ]);
  expect(reply.status === 200, `fixes: ${reply.status} ${reply.text}`);
  const note = await (await page.waitForFunction(() => window.__notes[0], null, { timeout: 5000 })).jsonValue();
  const elapsed = note.at - started;
  console.log(`  her notification came ${elapsed} ms after the fixes were sent`);
  expect(elapsed <= 2000, `the notification took ${elapsed} ms`);
  expect(note.title === 'Planner' && note.body === 'Move to safety. Help is informed.', JSON.stringify(note));
  expect(await page.evaluate(() => window.__vibrations.length) >= 1, 'no vibration');
  await page.locator('#status').filter({ hasText: 'Violation: move to safety.' }).waitFor();
  if (screenshotDir) await page.screenshot({ path: path.join(screenshotDir, 'me-violation.png') });
  const stream = await page.evaluate(() => window.__stream.join('\n'));
  expect(stream.includes('within_violation'), `her stream: ${stream}`);
  const html = await page.content();
  for (const text of TAG_TEXT) {
    expect(!html.includes(text), `her page shows ${text}`);
    expect(!stream.includes(text), `her stream sent ${text}`);
    for (const { url, body } of bodies) expect(!body.includes(text), `${url} sent her ${text}`);
  }
  expect(!stream.includes('distance_m'), 'band tells no distance');
  // The centre's record of the same alert places him: the checks above can fail.
  const centre = await http(operatorToken, 'GET', '/v1/alerts?order=KG-7');
  expect(TAG_TEXT.every((t) => centre.text.includes(t)), 'the operator sees his position');
  expect(problems.length === 0, problems.join('\n'));
});

test("her app's receipt of the notification is on the centre's record", async () => {
  const list = await http(operatorToken, 'GET', '/v1/alerts?order=KG-7&state=all&kind=proximity_violation');
  const violation = (list.json.alerts || [])[0];
  expect(violation, `no violation: ${list.text}`);
  let received = null;
  for (let i = 0; i < 50 && !received; ++i) {
    const detail = await http(operatorToken, 'GET', `/v1/alerts/${violation.alert_id}`);
    received = (detail.json.timeline || []).map((r) => r.event).find((e) => e.transition === 'received');
    if (!received) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(received, 'no receipt in the alert timeline');
  expect(received.received_by === 'p2' && Number(received.received_seq) > 0 && received.shown_at,
    `receipt: ${JSON.stringify(received)}`);
});

test("another victim's app learns nothing of it", async () => {
  const other = await openApp({ token: otherToken });
  await other.page.locator('#status').filter({ hasText: 'No alert' }).waitFor();
  await other.page.waitForTimeout(500);
  const stream = await other.page.evaluate(() => window.__stream.join('\n'));
  expect(!stream.includes('KG-7'), `her neighbour's stream: ${stream}`);
  for (const { url, body } of other.bodies) expect(!body.includes('KG-7'), `${url} sent KG-7`);
  expect(await other.page.evaluate(() => window.__notes.length) === 0, 'a notification for somebody else');
  await other.context.close();
});

test('the SOS button opens an SOS alert with her position', async () => {
  expect(her, 'needs her signed-in app');
  const { page, problems } = her;
  await page.getByRole('button', { name: 'SOS' }).click();
  await page.locator('#sos-state').filter({ hasText: 'SOS sent.' }).waitFor({ timeout: 10_000 });
  const open = await http(operatorToken, 'GET', '/v1/alerts?order=KG-7&state=open&kind=sos');
  const sos = (open.json.alerts || [])[0];
  expect(sos, `no SOS alert: ${open.text}`);
  const placed = sos.last_event && sos.last_event.protected;
  expect(placed && Math.abs(placed.lat - VICTIM.lat) < 1e-6 && Math.abs(placed.lon - VICTIM.lon) < 1e-6,
    `the SOS is not at her position: ${JSON.stringify(sos.last_event)}`);
  await page.locator('#status').filter({ hasText: 'SOS received.' }).waitFor();
  expect(problems.length === 0, problems.join('\n'));
});

test('a notification missed while the app was closed is shown when it opens', async () => {
  expect(her, 'needs her signed-in app');
  const { context } = her;
  // Unloaded before it is closed: a closed page's document may run on for a moment (its
  // renderer stays for the service worker) and would see the strap cut live.
  await her.page.goto('about:blank');
  await her.page.close();
  // His strap is cut while her app is closed.
  const now = Date.now();
  const reply = await http(ingestToken, 'POST', '/v1/fixes', [
    { device: 'tag-1', seq: 2, time: at(now - 500), lat: TAG.lat, lon: TAG.lon, accuracy_m: 5, flags: ['strap_open'] },
  ]);
  expect(reply.status === 200, `fixes: ${reply.status} ${reply.text}`);
  const again = await openApp({ context });
  await again.page.locator('#missed').filter({ hasText: 'His device reports tampering.' }).waitFor({ timeout: 10_000 });
  expect(await again.page.evaluate(() => window.__notes.some((n) => n.body === 'His device reports tampering.')), 'no notification for the strap');
  her = again;
});

test('offline, her app still opens and says it is reconnecting; online, it carries on', async () => {
  expect(her, 'needs her app');
  const { page, context } = her;
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await context.setOffline(true);
  await page.reload();
  await page.locator('.note').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 10_000 });
  expect(await page.title() === 'Planner', `offline title: ${await page.title()}`);
  await context.setOffline(false);
  await page.locator('#status').filter({ hasText: 'SOS received.' }).waitFor({ timeout: 15_000 });
});

test('a protected credential signed in at the console is sent to her app', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Token').fill(otherToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/me/`, { timeout: 10_000 });
  await page.locator('#status').waitFor({ timeout: 10_000 });
  await context.close();
});

test('"Close" leaves the app at once', async () => {
  expect(her, 'needs her app');
  await her.page.getByRole('button', { name: 'Close' }).click();
  await her.page.waitForURL('about:blank');
  await her.context.close();
});

await runCases(cases, {
  boundMs: 100_000, dir: daemon.dir,
  cleanup: async () => { await browser.close(); await daemon.stop(); },
});
