// The console's entry point: loads the centre's settings and the user's language, finds
// out who is signed in, opens the live event stream and routes #/alerts, #/alerts/{id},
// #/orders, #/orders/{id}, #/devices and #/devices/{id}.
import { h, mount } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import { whoIsSignedIn, signOut, openEvents, onSessionEnded } from './api.js';
import * as model from './alerts_model.js';
import { renderSignIn } from './signin.js';
import { renderQueue, announceCritical } from './queue.js';
import { renderAlert } from './alert_view.js';
import { renderOrders, renderOrder } from './orders.js';
import { renderDevices, renderDevice } from './devices.js';

const main = document.getElementById('main');
const banner = document.getElementById('banner');
const liveState = document.getElementById('live-state');
const languageSelect = document.getElementById('language');
let config = { time_zone: 'UTC', language: 'en', tile_url: '' };
let user = null;
let cleanup = () => {};
let closeEvents = null;
const fresh = new Set();  // alert ids that arrived live and still pulse
let signInNotice = '';     // said on the sign-in page once (the session ended)

// The session ended under the page (expired, signed out elsewhere, credential revoked):
// nothing it shows is current any more, so it goes to the sign-in page and says why.
function sessionEnded() {
  if (!user) return;
  user = null;
  if (closeEvents) {
    closeEvents();
    closeEvents = null;
  }
  setLive('offline');
  document.getElementById('who').textContent = '';
  document.getElementById('sign-out').hidden = true;
  banner.hidden = true;
  signInNotice = t('session_ended');
  route();
}
onSessionEnded(sessionEnded);

async function loadConfig() {
  const response = await fetch('console-config.json', { credentials: 'same-origin' });
  if (response.ok) config = { ...config, ...(await response.json()) };
  i18n.setTimeZone(config.time_zone);
  model.setConfig(config);
}

async function applyLanguage(lang) {
  await i18n.setLanguage(lang);
  languageSelect.value = i18n.currentLanguage();
  i18n.translateStatic();
}

function setLive(state) {
  liveState.dataset.state = state;
  liveState.textContent = t(`live_${state}`);
}

function startEvents() {
  if (closeEvents) return;
  closeEvents = openEvents({
    onEvent: (record) => {
      model.apply(record);
    },
    onState: setLive,
    onReconnect: () => { model.reload().catch(reportError); },
  });
}

model.subscribe((change) => {
  if (change.type !== 'event' || !change.becameCritical) return;
  const view = model.getAlert(change.id);
  fresh.add(change.id);
  setTimeout(() => fresh.delete(change.id), 6000);
  // After the queue has drawn the row (listeners run in order; this one came first).
  setTimeout(() => {
    announceCritical(banner, view, { onOpen: (id) => { location.hash = `#/alerts/${encodeURIComponent(id)}`; } });
    document.title = `(!) ${t('app_name')}`;
  }, 0);
});

function reportError(error) {
  console.warn('stayaway console:', error && error.message ? error.message : error);
}

// Each route draws into a view of its own: a render still loading when the hash changes
// again finishes into a view no longer on the page, and its cleanup runs at once.
let routeGeneration = 0;

async function route() {
  cleanup();
  cleanup = () => {};
  const generation = ++routeGeneration;
  const view = document.createElement('div');
  main.replaceChildren(view);
  const current = (done) => {
    if (generation === routeGeneration) return done;
    done();
    return () => {};
  };
  if (!user) {
    document.body.classList.add('signed-out');
    renderSignIn(main, { onSignedIn: start, notice: signInNotice });
    signInNotice = '';
    return;
  }
  document.body.classList.remove('signed-out');
  // A hash that does not decode (#/alerts/%E0) shows the queue.
  let section = 'alerts';
  let id = '';
  try {
    [, section = 'alerts', id = ''] = (location.hash || '#/alerts').split('/').map((part) => decodeURIComponent(part || ''));
  } catch {
    section = 'alerts';
    id = '';
  }
  for (const link of document.querySelectorAll('header nav a')) {
    if (link.getAttribute('href') === `#/${section}`) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  if (section === 'alerts' && !id) document.title = t('app_name');
  try {
    let done;
    if (section === 'alerts' && id) done = await renderAlert(view, id, { user, config });
    else if (section === 'orders' && id) done = await renderOrder(view, id);
    else if (section === 'orders') done = await renderOrders(view);
    else if (section === 'devices' && id) done = await renderDevice(view, id);
    else if (section === 'devices') done = await renderDevices(view);
    else done = renderQueue(view, { fresh });
    cleanup = current(done || (() => {}));
  } catch (error) {
    mount(view, h('p', { class: 'error', role: 'alert', text: t('error_generic', { message: error.message }) }));
  }
}

async function start() {
  user = await whoIsSignedIn();
  // A protected person's credential has nothing here: her own app is at /me/.
  if (user && user.roles.length > 0 && user.roles.every((role) => role === 'protected')) {
    location.replace('/me/');
    return;
  }
  if (user) {
    const stored = i18n.storedLanguage(user.credential_id);
    if (stored && stored !== i18n.currentLanguage()) await applyLanguage(stored);
    document.getElementById('who').textContent = t('signed_in_as', { name: user.name || user.credential_id });
    document.getElementById('sign-out').hidden = !user.session;
    await model.reload();
    startEvents();
  }
  await route();
}

languageSelect.addEventListener('change', async () => {
  i18n.storeLanguage(user && user.credential_id, languageSelect.value);
  await applyLanguage(languageSelect.value);
  if (user) document.getElementById('who').textContent = t('signed_in_as', { name: user.name || user.credential_id });
  if (closeEvents) setLive(liveState.dataset.state || 'connecting');
  await route();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  try { await signOut(); } catch (error) { reportError(error); }
  location.hash = '';
  location.reload();
});

window.addEventListener('hashchange', () => { route(); });
window.addEventListener('focus', () => { if (document.title.startsWith('(!)')) document.title = t('app_name'); });

(async () => {
  try {
    await loadConfig();
    await applyLanguage(i18n.storedLanguage('') || config.language);
    await start();
  } catch (error) {
    mount(main, h('p', { class: 'error', role: 'alert', text: `stayaway: ${error.message}` }));
  }
})();
