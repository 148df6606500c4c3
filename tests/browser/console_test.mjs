// The operator console end to end: a real stayawayd (STAYAWAYD, started here on free
// ports in a temporary directory) and Debian's chromium (CHROMIUM) headless, driven by
// playwright-core. Each flow is one case; every route the console uses must be there (a
// missing or broken one fails its case). Any script error or console error on a page fails
// the case that caused it. Run by ctest (console_browser_test).
//
//   STAYAWAYD=build/daemon/stayawayd node tests/browser/console_test.mjs [--screenshots docs]
//
// Exit: 0 all passed, 1 a case failed, 77 (ctest: skipped) when chromium or
// playwright-core is missing and STAYAWAY_REQUIRE_BROWSER is not set.
import path from 'node:path';

import { apiClient, expect, loadChromium, runCases, startDaemon } from './harness.mjs';

const args = process.argv.slice(2);
const screenshotDir = args.includes('--screenshots') ? path.resolve(args[args.indexOf('--screenshots') + 1]) : null;

// Places: the protected person (victim) and the supervised person 40 m from her. The
// auditor's traffic must hold neither position, so both have digits found nowhere else.
const VICTIM = { lat: 42.874321, lon: 74.612345 };
const TAG = { lat: 42.874601, lon: 74.612577 };
const VICTIM_TEXT = ['42.8743', '74.6123'];
const TAG_TEXT = ['42.8746', '74.6125'];

// ---------------------------------------------------------------------------------------
// The daemon.
const daemon = await startDaemon('console',
  '[engine]\nproximity_violation = { confirm_fixes = 1 }\n[console]\ntime_zone = "Asia/Bishkek"\n');
const { base, adminToken: ADMIN_TOKEN } = daemon;
const http = apiClient(base);

async function issue(name, roles, devices) {
  const reply = await http(ADMIN_TOKEN, 'POST', '/v1/credentials', { name, roles, devices });
  if (reply.status !== 201) throw new Error(`credential ${name}: ${reply.status} ${reply.text}`);
  return reply.json.token;
}
const operatorToken = await issue('operator-7', ['operator', 'evidence'], []);
const auditorToken = await issue('auditor-1', ['auditor'], []);
const ingestToken = await issue('gateway', ['ingest'], ['*']);
{
  const order = {
    id: 'KG-7', version: 1, case_reference: 'Bishkek 2-1234/26', valid_from: '2020-01-01T00:00:00Z',
    supervised: { id: 'p1', devices: ['tag-1'] },
    protected: [{ id: 'p2', devices: ['phone-2'], relation: 'victim' }],
    violation_distance_m: 300, warning_distance_m: 600,
  };
  const reply = await http(ADMIN_TOKEN, 'POST', '/v1/orders', order);
  if (reply.status !== 201) throw new Error(`order: ${reply.status} ${reply.text}`);
}

console.log(`daemon on ${base}`);

// ---------------------------------------------------------------------------------------
// The browser.
// The critical-alert sound plays without a click first.
const browser = await loadChromium(['--autoplay-policy=no-user-gesture-required']);

// A page that records every script error and console error, and every response body.
async function openPage({ token = null } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems = [];
  const bodies = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'warning' && /no message for/.test(message.text())) problems.push(`catalogue: ${message.text()}`);
    if (message.type() !== 'error') return;
    const url = message.location().url || '';
    // Refusals the console expects and handles: who is signed in (401 before sign-in).
    const expected = /\/v1\/(session|whoami)$/.test(url) && /status of 401/.test(message.text());
    if (!expected) problems.push(`console error: ${message.text()} (${url})`);
  });
  page.on('response', async (response) => {
    try {
      const type = response.headers()['content-type'] || '';
      if (type.includes('event-stream')) return;  // read by the page; checked through its DOM
      bodies.push({ url: response.url(), body: await response.text() });
    } catch { /* a body the browser no longer holds */ }
  });
  await page.goto(base + '/');
  if (token) {
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  if (token) await page.getByRole('heading', { name: 'Alert queue' }).waitFor({ timeout: 10_000 });
  return { context, page, problems, bodies };
}

async function postFixes(fixes) {
  const reply = await http(ingestToken, 'POST', '/v1/fixes', fixes);
  expect(reply.status === 200, `POST /v1/fixes: ${reply.status} ${reply.text}`);
  return reply;
}

let alertId = null;
const cases = [];
const test = (name, body) => cases.push({ name, body });

test('the sign-in page: a "Token" field and a "Sign in" button, served with a strict CSP', async () => {
  const { context, page, problems } = await openPage();
  const response = await page.goto(base + '/');
  const headers = response.headers();
  expect(/default-src 'self'/.test(headers['content-security-policy'] || ''), `CSP: ${headers['content-security-policy']}`);
  expect(headers['x-content-type-options'] === 'nosniff', 'nosniff');
  expect(headers['x-frame-options'] === 'DENY', 'X-Frame-Options');
  await page.getByLabel('Token').waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  // Keyboard: the token field has focus, Tab reaches the button.
  expect(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'token', 'the token field has focus');
  // Russian, and the choice survives a reload.
  await page.getByLabel('Language').selectOption('ru');
  await page.getByLabel('Токен').waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Войти' }).waitFor();
  await page.getByLabel('Язык').selectOption('en');
  await page.getByLabel('Token').waitFor();
  expect(problems.length === 0, problems.join('\n'));
  await context.close();
});

test('sign in: the token becomes an HttpOnly, SameSite=Strict session cookie and is kept nowhere', async () => {
  const { context, page, problems } = await openPage({ token: operatorToken });
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'stayaway_session');
  expect(session, `no stayaway_session cookie: ${JSON.stringify(cookies)}`);
  expect(session.httpOnly, 'the session cookie is HttpOnly');
  expect(session.sameSite === 'Strict', `SameSite: ${session.sameSite}`);
  expect(session.path === '/', `Path: ${session.path}`);
  expect(!session.secure, 'Secure only under TLS');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  expect(!stored.includes(operatorToken), 'the token is in browser storage');
  expect(!stored.includes(session.value), 'the page can read the session cookie');
  // Sign-out ends the session.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Token').waitFor();
  expect(problems.length === 0, problems.join('\n'));
  await context.close();
});

let operator = null;
test('a confirmed violation appears in the queue within a second of POST /v1/fixes', async () => {
  operator = await openPage({ token: operatorToken });
  const { page, problems } = operator;
  await page.locator('#live-state[data-state="live"]').waitFor({ timeout: 10_000 });
  const now = Date.now();
  const at = (ms) => new Date(ms).toISOString();
  // The page notes when the row appears (a MutationObserver, installed before the POST:
  // no polling delay in the measurement).
  await page.evaluate(() => {
    const seen = () => [...document.querySelectorAll('#alert-queue tr[data-alert-id]')].some((r) => r.textContent.includes('proximity violation'));
    window.violationAppearedAt = seen() ? -1 : 0;
    const observer = new MutationObserver(() => { if (seen()) { observer.disconnect(); window.violationAppearedAt = Date.now(); } });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const started = Date.now();
  await postFixes([
    { device: 'phone-2', seq: 1, time: at(now - 2000), lat: VICTIM.lat, lon: VICTIM.lon, accuracy_m: 5 },
    { device: 'tag-1', seq: 1, time: at(now - 1000), lat: TAG.lat, lon: TAG.lon, accuracy_m: 5 },
  ]);
  const posted = Date.now() - started;
  const row = page.locator('#alert-queue tr[data-alert-id]').filter({ hasText: 'proximity violation' });
  const appearedAt = await (await page.waitForFunction(() => window.violationAppearedAt, null, { timeout: 5000 })).jsonValue();
  expect(appearedAt > 0, 'the violation was in the queue before the fixes were sent');
  const elapsed = appearedAt - started;
  console.log(`  POST /v1/fixes answered after ${posted} ms`);
  expect(elapsed <= 1000, `the violation took ${elapsed} ms to appear`);
  alertId = await row.first().getAttribute('data-alert-id');
  await row.first().getByText('confirmed').waitFor();
  await row.first().getByText('KG-7').waitFor();
  // The acknowledgement deadline counts down from the centre's 2 min for a confirmed
  // violation (console-config.json).
  const deadlineText = (await row.first().locator('td').nth(5).textContent()).trim();
  expect(/^1 min \d\d s$/.test(deadlineText), `the deadline column reads "${deadlineText}"`);
  // Impossible to miss: the banner, with focus on its button.
  await page.getByRole('alert').filter({ hasText: 'New critical alert' }).waitFor();
  expect(await page.evaluate(() => document.activeElement && document.activeElement.closest('#banner') !== null), 'focus is on the banner');
  if (screenshotDir) await page.screenshot({ path: path.join(screenshotDir, 'console-queue.png') });
  console.log(`  the violation appeared ${elapsed} ms after the POST began`);
  expect(problems.length === 0, problems.join('\n'));
});

test('the alert view: map, chart, timeline; acknowledge from the page, checked through the API', async () => {
  expect(operator && alertId, 'needs the violation of the case before');
  const { page, problems } = operator;
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('img', { name: 'Map' }).waitFor();
  expect(await page.locator('svg.map circle.pos.protected').count() === 1, 'the protected person on the map');
  expect(await page.locator('svg.map circle.ring.violation').count() === 1, 'the violation ring');
  expect(await page.locator('svg.map .scale').count() === 1, 'the scale bar');
  await page.getByRole('img', { name: 'Distance over time' }).waitFor();
  // operator-7 holds the evidence role too: the bundle is a link.
  const bundle = page.getByRole('link', { name: 'Download the evidence bundle' });
  expect(await bundle.getAttribute('href') === `/v1/alerts/${encodeURIComponent(alertId)}/evidence`, 'the bundle link');
  // Her app's receipt appears in the timeline as the centre's record of her warning.
  const herToken = (await http(ADMIN_TOKEN, 'POST', '/v1/credentials',
    { name: 'her-app', roles: ['protected'], person: 'p2', devices: ['phone-2'] })).json.token;
  const mine = await http(herToken, 'GET', '/v1/me/alerts');
  const shown = (mine.json.alerts || []).find((a) => a.alert_id === alertId);
  expect(shown, `her list: ${mine.text}`);
  const receipt = await http(herToken, 'POST', `/v1/me/alerts/${encodeURIComponent(alertId)}/receipt`,
    { event_seq: shown.seq, shown_at: new Date().toISOString() });
  expect(receipt.status === 200, `receipt: ${receipt.status} ${receipt.text}`);
  await page.locator('ol.timeline li').filter({ hasText: "shown to the protected person · proximity violation" })
    .filter({ hasText: "on p2's app" }).waitFor({ timeout: 10_000 });
  await page.locator('ol.timeline .receipt').filter({ hasText: 'her device showed it at' }).waitFor();
  const ackForm = page.getByRole('form', { name: 'Acknowledge' });
  await ackForm.getByLabel('Note').fill('called the patrol');
  await ackForm.getByRole('button', { name: 'Acknowledge' }).click();
  await page.getByText('Acknowledged.').waitFor();
  const list = await http(operatorToken, 'GET', '/v1/alerts?order=KG-7&state=all');
  const view = list.json.alerts.find((a) => a.alert_id === alertId);
  expect(view && view.acks && view.acks.length === 1, `acks: ${JSON.stringify(view)}`);
  expect(view.acks[0].note === 'called the patrol' && view.acks[0].by === 'operator-7', JSON.stringify(view.acks));
  if (screenshotDir) await page.screenshot({ path: path.join(screenshotDir, 'console-alert.png'), fullPage: true });
  expect(problems.length === 0, problems.join('\n'));
});

test('resolve from the page with a disposition, checked through the API', async () => {
  expect(operator && alertId, 'needs the violation of the case before');
  const { page, problems } = operator;
  const form = page.getByRole('form', { name: 'Resolve' });
  await form.getByLabel('Disposition').selectOption('patrol_dispatched');
  await form.getByLabel('Note').fill('patrol on site');
  await form.getByRole('button', { name: 'Resolve' }).click();
  await page.getByText('Resolved.').waitFor();
  const open = await http(operatorToken, 'GET', '/v1/alerts?order=KG-7&state=open');
  expect(!open.text.includes(alertId), `still open: ${open.text}`);
  const detail = await http(operatorToken, 'GET', `/v1/alerts/${alertId}`);
  expect(detail.text.includes('patrol_dispatched'), `no resolution: ${detail.text}`);
  expect(problems.length === 0, problems.join('\n'));
});

test("the auditor's pages and every response they load hold no position", async () => {
  expect(alertId, 'needs the violation of the case before');
  const auditor = await openPage({ token: auditorToken });
  const { page, problems, bodies } = auditor;
  await page.locator('#alert-queue').waitFor();
  await page.goto(`${base}/#/alerts/${encodeURIComponent(alertId)}`);
  await page.getByRole('img', { name: 'Map' }).waitFor();
  await page.getByText('Positions are not shown for your role.').waitFor();
  expect(await page.getByRole('button', { name: 'Acknowledge' }).count() === 0, 'an auditor cannot act');
  for (const route of ['#/orders/KG-7', '#/devices', '#/orders']) {
    await page.goto(`${base}/${route}`);
    await page.getByRole('heading').first().waitFor();
    await page.getByText('Loading…').waitFor({ state: 'detached' });
  }
  const html = await page.content();
  for (const text of [...VICTIM_TEXT, ...TAG_TEXT]) {
    expect(!html.includes(text), `the auditor's page shows ${text}`);
    for (const { url, body } of bodies) expect(!body.includes(text), `${url} sent the auditor ${text}`);
  }
  expect(bodies.some((b) => b.url.includes('/v1/alerts')), 'the auditor loaded alerts');
  // The same pages load the positions for the operator: the check above can fail.
  // (The alert's timeline: once resolved, its newest event is the close, which places nobody.)
  const mine = await http(operatorToken, 'GET', `/v1/alerts/${alertId}`);
  expect(VICTIM_TEXT.every((t) => mine.text.includes(t)), 'the operator sees the positions');
  // The event stream as a page's EventSource reads it, from the first event: the
  // violation's events place both people for the operator and nobody for the auditor.
  const streamed = (p) => p.evaluate(() => new Promise((resolve) => {
    const data = [];
    const source = new EventSource('/v1/events?stream=message&from=1');
    source.onmessage = (e) => data.push(e.data);
    setTimeout(() => { source.close(); resolve(data.join('\n')); }, 1500);
  }));
  const auditorStream = await streamed(page);
  expect(auditorStream.includes(alertId), "the auditor's stream lacks the violation's events");
  for (const text of [...VICTIM_TEXT, ...TAG_TEXT]) {
    expect(!auditorStream.includes(text), `the auditor's event stream sent ${text}`);
  }
  const operatorStream = await streamed(operator.page);
  expect(VICTIM_TEXT.every((t) => operatorStream.includes(t)), "the operator's stream lacks the positions");
  // Bundles are the evidence role's: the auditor is told who exports them.
  await page.goto(`${base}/#/alerts/${encodeURIComponent(alertId)}`);
  await page.locator('#evidence-note').filter({ hasText: alertId }).waitFor();
  expect(await page.getByRole('link', { name: 'Download the evidence bundle' }).count() === 0, 'the auditor is offered a bundle');
  expect(problems.length === 0, problems.join('\n'));
  await auditor.context.close();
});

test('orders and devices pages open from the keyboard', async () => {
  const { page, problems } = operator || await openPage({ token: operatorToken });
  await page.goto(`${base}/#/alerts`);
  await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
  await page.getByRole('link', { name: 'Orders' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
  await page.goto(`${base}/#/orders/KG-7`);
  await page.getByRole('heading', { name: 'Order KG-7' }).waitFor();
  await page.getByText('Bishkek 2-1234/26').waitFor();
  // A page still loading when the user moves on must not draw over the next one: the
  // orders list answers late, after the order the user went on to has been drawn.
  await page.route('**/v1/orders?limit=*', async (route) => { await new Promise((r) => setTimeout(r, 700)); await route.continue(); });
  await page.goto(`${base}/#/orders`);
  await page.goto(`${base}/#/orders/KG-7`);
  await page.getByRole('heading', { name: 'Order KG-7' }).waitFor();
  await page.waitForTimeout(1000);
  expect(await page.getByRole('heading', { name: 'Order KG-7' }).isVisible(), 'the late orders list drew over the order');
  await page.unroute('**/v1/orders?limit=*');
  await page.getByRole('link', { name: 'Devices' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  expect((await page.locator('#devices-count').textContent()).trim() === '2 shown', 'the board counts its 2 devices');
  expect(await page.locator('#devices-more').isHidden(), '"Show more" with nothing more');
  // A centre's lists are long: they come a page (200) at a time. 205 more orders (410
  // devices, bulk-loaded) make the orders list two pages and the board three.
  const bulk = Array.from({ length: 205 }, (_, i) => ({
    id: `BULK-${String(i).padStart(3, '0')}`, version: 1, valid_from: '2020-01-01T00:00:00Z',
    supervised: { id: `bulk-s${i}`, devices: [`bulk-tag-${i}`] },
    protected: [{ id: `bulk-p${i}`, devices: [`bulk-phone-${i}`] }], violation_distance_m: 300,
  }));
  const loaded = await http(ADMIN_TOKEN, 'POST', '/v1/orders', bulk);
  expect(loaded.status === 200 && loaded.json.created === 205, `bulk: ${loaded.status} ${loaded.text.slice(0, 200)}`);
  for (const [route, list, pages] of [['#/orders', 'orders', [200, 206]], ['#/devices', 'devices', [200, 400, 412]]]) {
    await page.goto(`${base}/${route}`);
    const more = page.locator(`#${list}-more`);
    for (const [i, shown] of pages.entries()) {
      if (i > 0) await more.click();
      await page.locator(`#${list}-count`).filter({ hasText: new RegExp(`^${shown} shown`) }).waitFor();
      expect(await page.locator('table tbody tr').count() === shown, `${list}: ${shown} rows`);
      expect(await more.isHidden() === (i === pages.length - 1), `${list}: "Show more" after ${shown} rows`);
    }
  }
  // A link with a broken percent-encoding (cut short when pasted) shows the queue, with no
  // script error.
  await page.goto(`${base}/#/alerts/%E0%A4%A`);
  await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
  expect(problems.length === 0, problems.join('\n'));
});

test('a step of an alert closed before the page opened (ack through the API) raises no open row and no banner', async () => {
  // An SOS stays open until an operator resolves it: pressed, then resolved (closed).
  const now = Date.now();
  await postFixes([{ device: 'phone-2', seq: 20, time: new Date(now - 2000).toISOString(), lat: VICTIM.lat, lon: VICTIM.lon, accuracy_m: 5, flags: ['sos'] }]);
  const all = await http(operatorToken, 'GET', '/v1/alerts?order=KG-7&state=all');
  const sos = (all.json.alerts || []).find((a) => a.kind === 'sos');
  expect(sos, `no SOS alert: ${all.text}`);
  const resolved = await http(operatorToken, 'POST', `/v1/alerts/${encodeURIComponent(sos.alert_id)}/resolve`,
    { disposition: 'false_alarm', note: 'pressed by mistake' });
  expect(resolved.status === 200, `resolve: ${resolved.status} ${resolved.text}`);
  // A console opened now does not know the closed SOS.
  const desk = await openPage({ token: operatorToken });
  const { page, problems } = desk;
  await page.locator('#live-state[data-state="live"]').waitFor({ timeout: 10_000 });
  const fetched = page.waitForResponse((r) => r.url().endsWith(`/v1/alerts/${encodeURIComponent(sos.alert_id)}`), { timeout: 5000 });
  const acked = await http(operatorToken, 'POST', `/v1/alerts/${encodeURIComponent(sos.alert_id)}/ack`, { note: 'noted late' });
  expect(acked.status === 200, `ack: ${acked.status} ${acked.text}`);
  // The page saw the event (it asked the daemon for the alert), and shows it closed.
  await fetched;
  await page.waitForTimeout(300);
  expect(await page.locator('#banner').isHidden(), 'a banner came up for a closed alert');
  expect(await page.locator(`#alert-queue tr[data-alert-id="${sos.alert_id}"]`).count() === 0, 'the closed SOS is a row of the queue');
  expect(!(await page.title()).startsWith('(!)'), 'the title calls attention to a closed alert');
  expect(problems.length === 0, problems.join('\n'));
  await desk.context.close();
});

test('a session ended under the page: the next action shows the sign-in page saying so', async () => {
  const desk = await openPage({ token: operatorToken });
  const { context, page, problems } = desk;
  await page.locator('#alert-queue').waitFor();
  // Signed out elsewhere, with the page's own cookie.
  const session = await context.request.get(`${base}/v1/session`);
  expect(session.status() === 200, `GET /v1/session: ${session.status()}`);
  const { csrf_token: csrf } = await session.json();
  const ended = await context.request.delete(`${base}/v1/session`, { headers: { 'X-CSRF-Token': csrf } });
  expect(ended.status() === 204, `DELETE /v1/session: ${ended.status()}`);
  // The next action is refused and brings the sign-in page. The page may also notice by
  // itself first (its event stream is refused once the session is gone), and then the
  // link is no longer there to click: either way the sign-in page must follow.
  const signIn = page.getByLabel('Token');
  await page.getByRole('link', { name: 'Orders' }).click({ timeout: 5000 }).catch(async (error) => {
    if (!(await signIn.isVisible())) throw error;
  });
  await signIn.waitFor({ timeout: 5000 });
  await page.getByRole('alert').filter({ hasText: 'Your session has ended' }).waitFor();
  expect(await page.locator('#alert-queue').count() === 0, 'the stale queue is still shown');
  // The refused requests (401) are what the page reacts to, not faults.
  const faults = problems.filter((p) => !/status of 401/.test(p));
  expect(faults.length === 0, faults.join('\n'));
  // Signing in again brings the queue back.
  await page.getByLabel('Token').fill(operatorToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders' }).or(page.getByRole('heading', { name: 'Alert queue' })).first().waitFor({ timeout: 10_000 });
  await context.close();
});

test('a reload whose list left before a violation opened keeps the violation in the queue', async () => {
  // A second case, so the first one's alerts do not matter here.
  const order = {
    id: 'KG-9', version: 1, case_reference: 'Bishkek 2-1299/26', valid_from: '2020-01-01T00:00:00Z',
    supervised: { id: 'p9', devices: ['tag-9'] },
    protected: [{ id: 'p10', devices: ['phone-10'], relation: 'victim' }],
    violation_distance_m: 300, warning_distance_m: 600,
  };
  const created = await http(ADMIN_TOKEN, 'POST', '/v1/orders', order);
  expect(created.status === 201, `order: ${created.status} ${created.text}`);
  const desk = await openPage({ token: operatorToken });
  const { page, problems } = desk;
  await page.locator('#live-state[data-state="live"]').waitFor({ timeout: 10_000 });
  // The next open-alerts list (what a reconnect reloads) is taken from the daemon at once
  // and handed to the page only after the violation has come through the stream.
  let taken = false;
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/v1/alerts?state=open*', async (route) => {
    const response = await route.fetch();
    taken = true;
    await held;
    await route.fulfill({ response });
  });
  const reloading = page.evaluate(() => import('/js/alerts_model.js').then((model) => model.reload()));
  for (let i = 0; i < 100 && !taken; ++i) await page.waitForTimeout(50);
  expect(taken, 'the list was never asked for');
  const now = Date.now();
  await postFixes([
    { device: 'phone-10', seq: 1, time: new Date(now - 2000).toISOString(), lat: VICTIM.lat, lon: VICTIM.lon, accuracy_m: 5 },
    { device: 'tag-9', seq: 1, time: new Date(now - 1000).toISOString(), lat: TAG.lat, lon: TAG.lon, accuracy_m: 5 },
  ]);
  const row = page.locator('#alert-queue tr[data-alert-id]').filter({ hasText: 'KG-9' });
  await row.first().waitFor({ timeout: 5000 });
  release();
  await reloading;
  await page.waitForTimeout(300);
  expect(await row.count() === 1, 'the stale list took the violation out of the queue');
  await page.unroute('**/v1/alerts?state=open*');
  expect(problems.length === 0, problems.join('\n'));
  await desk.context.close();
});

// ---------------------------------------------------------------------------------------
await runCases(cases, {
  boundMs: 110_000, dir: daemon.dir,
  cleanup: async () => { await browser.close(); await daemon.stop(); },
});
