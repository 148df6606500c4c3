// The message catalogue: every string the console shows comes from i18n/<lang>.json,
// looked up by key, with {name} placeholders. Times are shown in the centre's time zone
// (from /console-config.json) with UTC on hover. The chosen language is kept per user in
// localStorage (a preference, never a credential).
export const LANGUAGES = ['en', 'ru'];
let messages = {};
let fallback = {};
let language = 'en';
let timeZone = 'UTC';

async function fetchCatalogue(lang) {
  const response = await fetch(`i18n/${lang}.json`, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`catalogue ${lang}: HTTP ${response.status}`);
  return response.json();
}

export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = 'en';
  if (Object.keys(fallback).length === 0) fallback = await fetchCatalogue('en');
  messages = lang === 'en' ? fallback : await fetchCatalogue(lang);
  language = lang;
  document.documentElement.lang = lang;
}

export function currentLanguage() { return language; }
export function setTimeZone(zone) { timeZone = zone || 'UTC'; }
export function centreTimeZone() { return timeZone; }

// The stored choice of `user` (a credential id; '' before sign-in: the last choice made).
export function storedLanguage(user) {
  try {
    return localStorage.getItem(`stayaway.language.${user || ''}`) ||
      localStorage.getItem('stayaway.language.') || null;
  } catch { return null; }
}
export function storeLanguage(user, lang) {
  try {
    localStorage.setItem('stayaway.language.', lang);
    if (user) localStorage.setItem(`stayaway.language.${user}`, lang);
  } catch { /* storage disabled: the choice lasts this page */ }
}

export function t(key, params) {
  let text = messages[key] ?? fallback[key];
  if (text === undefined) {
    console.warn(`no message for "${key}"`);
    text = key;
  }
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
  }
  return text;
}

// Translates the static page: data-i18n (text) and data-i18n-label (aria-label).
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  }
  document.title = t('app_name');
}

// Milliseconds since the epoch of an RFC 3339 time (or null).
export function parseTime(text) {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function formatter(options) {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : language, { timeZone, ...options });
}

// A <time> element: the centre's local time, UTC in its title.
export function timeElement(ms, { withDate = true } = {}) {
  const el = document.createElement('time');
  if (ms === null || ms === undefined) {
    el.textContent = '—';
    return el;
  }
  const date = new Date(ms);
  el.dateTime = date.toISOString();
  el.textContent = formatter(withDate
    ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }
    : { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(date);
  el.title = `${date.toISOString().replace('.000Z', 'Z')} UTC`;
  return el;
}

// "1 h 05 min", "3 min 07 s", "12 s".
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return t('duration_h_min', { h: hours, min: String(minutes).padStart(2, '0') });
  if (minutes > 0) return t('duration_min_s', { min: minutes, s: String(seconds).padStart(2, '0') });
  return t('duration_s', { s: seconds });
}

export function formatMetres(m) {
  if (m === null || m === undefined || Number.isNaN(m)) return '—';
  if (Math.abs(m) >= 10000) return t('km', { n: (m / 1000).toFixed(1) });
  return t('m', { n: Math.round(m) });
}
