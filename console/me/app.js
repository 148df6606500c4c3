// Her app (/me/): a protected person's own view of the alerts that concern her
// (GET /v1/me/alerts, the stream GET /v1/me/events), a system notification with vibration
// on a violation, an approach, an SOS or tampering, and an SOS button that sends her
// browser's position through the daemon (POST /v1/me/sos); each notification it shows is
// acknowledged to the centre with a receipt. She signs in once with her
// token; the browser then holds only an HttpOnly session cookie. Her phone may be checked
// by the man she is protected from: the app has a neutral name and icon, keeps nothing
// but the number of the last event it showed, and "Close" (or Escape) leaves it at once.
import { h } from '../js/dom.js';

const SEEN_KEY = 'planner.seen';  // the newest event seq shown: a number, nothing else
const NOTIFY_LEVELS = new Set(['violation', 'near', 'sos', 'tamper']);
const RANK = { none: 0, other: 1, tamper: 2, near: 3, violation: 4, sos: 5 };

let catalogue = {};
let csrf = null;
let source = null;
const open = new Map();      // alert_id -> ProtectedAlert, the open ones
const notified = new Set();  // "alert_id/level" already raised as a notification
const view = { sos: null, missed: null, offline: false };

const t = (key, params = {}) =>
  (catalogue[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));

async function loadCatalogue() {
  const lang = (navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en';
  document.documentElement.lang = lang;
  const response = await fetch(`i18n/${lang}.json`, { credentials: 'same-origin' });
  catalogue = await response.json();
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  document.title = t('app_name');
}

async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const error = new Error((data && data.error && data.error.message) || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

// Leaves at once: nothing of the app stays on the screen or in the tab's history entry.
function exitNow() {
  if (source) source.close();
  document.body.replaceChildren();
  location.replace('about:blank');
}

export function levelOf(alert) {
  switch (alert.kind) {
    case 'sos': return 'sos';
    case 'proximity_violation':
    case 'exclusion_zone': return alert.certainty === 'possible' ? 'near' : 'violation';
    case 'proximity_warning': return 'near';
    case 'strap_tamper':
    case 'case_tamper': return 'tamper';
    default: return 'other';
  }
}

function worst() {
  let level = 'none';
  let nearest = null;
  for (const alert of open.values()) {
    const l = levelOf(alert);
    if (RANK[l] > RANK[level]) level = l;
    if (typeof alert.distance_m === 'number' && (nearest === null || alert.distance_m < nearest)) nearest = alert.distance_m;
  }
  return { level, nearest };
}

function seen() { return Number(localStorage.getItem(SEEN_KEY) || 0); }
function markSeen(seq) { if (Number(seq) > seen()) localStorage.setItem(SEEN_KEY, String(Number(seq))); }

// Receipts: each notification shown is reported to the centre (POST
// /v1/me/alerts/{id}/receipt), so the record says that and when she was warned. Kept in
// memory until the daemon has them, and sent again when the stream reconnects.
const receipts = new Map();  // "alert_id/seq" -> {alert_id, event_seq, shown_at}
let sending = false;

async function sendReceipts() {
  if (sending) return;
  sending = true;
  try {
    for (const [key, receipt] of [...receipts]) {
      try {
        await call(
            'POST', `/v1/me/alerts/${encodeURIComponent(receipt.alert_id)}/receipt`,
            {event_seq: receipt.event_seq, shown_at: receipt.shown_at});
        receipts.delete(key);
      } catch (error) {
        // 409: the centre has it already; 404: nothing to acknowledge any more.
        if (error.status === 409 || error.status === 404)
          receipts.delete(key);
        else
          break;  // offline: the next reconnect sends it
      }
    }
  } finally {
    sending = false;
  }
}

function receiptFor(alert) {
  const key = `${alert.alert_id}/${alert.seq}`;
  if (!receipts.has(key))
    receipts.set(key, {
      alert_id: alert.alert_id,
      event_seq: String(alert.seq),
      shown_at: new Date().toISOString()
    });
  sendReceipts();
}

function notify(alert) {
  const level = levelOf(alert);
  const key = `${alert.alert_id}/${level}`;
  if (!NOTIFY_LEVELS.has(level) || notified.has(key)) return false;
  notified.add(key);
  receiptFor(alert);
  if ('Notification' in window && Notification.permission === 'granted') {
    // The title is the app's neutral name; the text says what to do.
    new Notification(t('app_name'), { body: t(`notify_${level}`), tag: alert.alert_id, renotify: true, requireInteraction: level !== 'near' });
  }
  if (navigator.vibrate) navigator.vibrate(level === 'near' ? [200, 100, 200] : [400, 150, 400, 150, 400]);
  return true;
}

function render() {
  const main = document.getElementById('main');
  const { level, nearest } = worst();
  const key = level === 'none' ? 'status_none' : `status_${level}`;
  const status = h('section', { class: `status ${level}`, id: 'status', role: 'status', 'aria-live': 'assertive', 'data-level': level },
    t(key),
    t(`${key}_detail`) !== `${key}_detail` ? h('div', { class: 'detail', text: t(`${key}_detail`) }) : null,
    nearest !== null ? h('div', { class: 'detail', id: 'distance', text: t('distance', { m: Math.round(nearest) }) }) : null);
  const sos = h('button', { type: 'button', class: 'sos', id: 'sos', text: t('sos_button') });
  sos.addEventListener('click', sendSos);
  const children = [status];
  if (view.missed) children.push(h('p', { class: 'missed', id: 'missed', text: view.missed }));
  if (view.offline) children.push(h('p', { class: 'note', text: t('offline') }));
  children.push(sos);
  if (view.sos) children.push(h('p', { class: view.sos.startsWith('!') ? 'error' : 'note', id: 'sos-state', role: 'status', text: view.sos.replace(/^!/, '') }));
  if ('Notification' in window && Notification.permission === 'default') {
    const allow = h('button', { type: 'button', text: t('enable_notifications') });
    allow.addEventListener('click', async () => { await Notification.requestPermission(); render(); });
    children.push(allow);
  }
  main.replaceChildren(...children);
}

function update(alert, live) {
  if (alert.open) open.set(alert.alert_id, alert); else open.delete(alert.alert_id);
  if (live && (alert.transition === 'opened' || alert.transition === 'escalated')) notify(alert);
  markSeen(alert.seq);
  render();
}

async function sendSos() {
  view.sos = t('sos_sending');
  render();
  const send = async (body) => {
    try {
      const answer = await call('POST', '/v1/me/sos', body);
      const result = answer && answer.results && answer.results[0];
      view.sos = result && result.accepted ? t('sos_sent') : `!${t('sos_failed', { message: (result && result.reason) || '?' })}`;
    } catch (error) {
      view.sos = `!${t('sos_failed', { message: error.message })}`;
    }
    render();
  };
  if (!navigator.geolocation) return send({ no_position: true });
  navigator.geolocation.getCurrentPosition(
    (position) => send({ lat: position.coords.latitude, lon: position.coords.longitude, accuracy_m: position.coords.accuracy }),
    () => send({ no_position: true }),
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
}

async function start() {
  // The stream first (from now; a reconnect resumes after its last id by itself), then the
  // list: nothing can fall between the two.
  if (source) source.close();
  source = new EventSource('/v1/me/events?from=now', { withCredentials: true });
  source.onmessage = (message) => update(JSON.parse(message.data), true);
  source.onerror = () => { view.offline = true; render(); };
  source.onopen = () => {
    sendReceipts();
    if (view.offline) {
      view.offline = false;
      render();
    }
  };
  const list = await call('GET', '/v1/me/alerts?state=all&limit=100');
  view.offline = false;
  const before = seen();
  const missed = [];
  for (const alert of (list && list.alerts) || []) {
    if (alert.open) open.set(alert.alert_id, alert);
    // Raised while the app was closed or offline: shown now, once.
    if (alert.open && Number(alert.seq) > before && notify(alert)) missed.push(t(`notify_${levelOf(alert)}`));
    markSeen(alert.seq);
  }
  if (missed.length && before > 0) view.missed = t('missed', { text: missed.join(' ') });
  render();
}

function signInForm(failed) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true });
  const form = h('form', { 'aria-label': t('sign_in') },
    h('label', { for: 'token', text: t('token') }), input,
    failed ? h('p', { class: 'error', role: 'alert', text: t('sign_in_failed') }) : null,
    h('button', { type: 'submit', text: t('sign_in') }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const session = await call('POST', '/v1/session', { token: input.value.trim() });
      csrf = session.csrf_token;
      input.value = '';
      await start();
    } catch {
      signInForm(true);
    }
  });
  document.getElementById('main').replaceChildren(form);
  input.focus();
}

// The offline shell (sw.js): the app opens without a network and then reconnects.
if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch(() => {});
document.getElementById('exit').addEventListener('click', exitNow);
document.addEventListener('keydown', (event) => { if (event.key === 'Escape') exitNow(); });
// Signed in: the app. No network (a thrown fetch, no HTTP status): the calm offline
// view, retried every 5 s. Anything else: the sign-in form.
async function boot() {
  try {
    const session = await call('GET', '/v1/session');
    csrf = session.csrf_token;
    await start();
  } catch (error) {
    if (error.status !== undefined) return signInForm(false);
    view.offline = true;
    render();
    setTimeout(boot, 5000);
  }
}

await loadCatalogue();
await boot();
