// The devices board (GET /v1/devices?sort=attention, paged): in the daemon's attention
// order (communications lost, never heard from, other open device alerts, then the rest;
// the oldest contact first within each), a page at a time with "Show more", so a centre
// with tens of thousands of devices sees the ones that need attention first without
// loading them all; and one device (GET /v1/devices/{id}). Positions appear only when the
// API sends them (never to an auditor).
import { h, mount } from './dom.js';
import { t, timeElement, parseTime, formatMetres, formatDuration } from './i18n.js';
import { api, ApiError } from './api.js';
import { pager } from './pager.js';

const STALE_MS = 10 * 60 * 1000;
const LOW_BATTERY_PCT = 20;
const PAGE_SIZE = 200;

// What the board marks on a device. Only what the daemon says counts for a reader the
// contact times are withheld from (an auditor): a withheld time is not a silent device.
export function deviceConcern(device, now) {
  const received = parseTime(device.last_received);
  const known = !device.withheld;
  const stale = Boolean(device.comms_lost) || (known && (received === null || now - received > STALE_MS));
  const low = typeof device.battery_pct === 'number' && device.battery_pct < LOW_BATTERY_PCT;
  return { stale, low };
}

export async function renderDevices(main) {
  mount(main, h('h1', { text: t('devices_title') }), h('p', { class: 'muted', role: 'status', text: t('loading') }));
  const load = (cursor) => api('GET', `/v1/devices?sort=attention&limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  let page;
  try {
    page = await load(null);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    mount(main, h('h1', { text: t('devices_title') }),
      h('p', { class: missing ? 'muted' : 'error', text: missing ? t('devices_unavailable') : t('error_generic', { message: error.message }) }));
    return () => {};
  }
  const list = pager({ id: 'devices', load, key: 'devices', row: deviceRow, columns: 7, empty: t('devices_empty') });
  mount(main, h('h1', { id: 'devices-title', text: t('devices_title') }), list.status,
    h('table', { 'aria-labelledby': 'devices-title', id: 'device-board' },
      h('thead', {}, h('tr', {}, ...['device', 'person', 'last_contact', 'battery', 'flags', 'orders', 'concern']
        .map((k) => h('th', { scope: 'col', text: t(k) })))),
      list.tbody),
    list.more);
  list.append(page);
  return () => {};
}

function deviceRow(d, now) {
  const concern = deviceConcern(d, now);
  const received = parseTime(d.last_received);
  return h('tr', { class: concern.stale ? 'critical' : concern.low ? 'urgent' : '' },
    h('td', {}, h('a', { href: `#/devices/${encodeURIComponent(d.device)}`, text: d.device })),
    h('td', { text: d.person || '—' }),
    h('td', {}, received === null ? (d.withheld ? t('withheld') : t('never')) : timeElement(received), received === null ? '' : ` (${t('ago', { duration: formatDuration(now - received) })})`),
    h('td', { text: typeof d.battery_pct === 'number' ? `${Math.round(d.battery_pct)} %` : '—' }),
    h('td', { text: (d.flags || []).map((f) => t(`flag_${f}`)).join(', ') || '—' }),
    h('td', { text: (d.orders || []).map((o) => o.order_id).join(', ') || '—' }),
    h('td', {}, concern.stale ? h('span', { class: 'badge critical', text: t('stale') }) : null, ' ',
      concern.low ? h('span', { class: 'badge warn', text: t('low_battery') }) : null));
}

export async function renderDevice(main, id) {
  mount(main, h('p', { class: 'muted', role: 'status', text: t('loading') }));
  let d;
  try {
    d = await api('GET', `/v1/devices/${encodeURIComponent(id)}`);
  } catch (error) {
    mount(main, h('h1', { text: t('device_title', { id }) }),
      h('p', { class: 'error', role: 'alert', text: error.status === 404 ? t('device_not_found') : t('error_generic', { message: error.message }) }));
    return () => {};
  }
  const fix = d.last_fix || {};
  const position = typeof fix.lat === 'number' && typeof fix.lon === 'number'
    ? `${fix.lat.toFixed(5)}, ${fix.lon.toFixed(5)} (±${formatMetres(fix.accuracy_m || 0)})`
    : fix.withheld || d.withheld ? t('withheld') : '—';
  const title = h('h1', { tabindex: '-1', text: t('device_title', { id: d.device }) });
  mount(main, title, h('dl', { class: 'facts' },
    h('dt', { text: t('person') }), h('dd', { text: d.person || '—' }),
    h('dt', { text: t('last_fix') }), h('dd', {}, fix.time ? timeElement(parseTime(fix.time)) : '—'),
    h('dt', { text: t('position') }), h('dd', { text: position }),
    h('dt', { text: t('source') }), h('dd', { text: fix.source || '—' }),
    h('dt', { text: t('last_contact') }), h('dd', {}, d.last_received ? timeElement(parseTime(d.last_received)) : '—'),
    h('dt', { text: t('battery') }), h('dd', { text: typeof d.battery_pct === 'number' ? `${Math.round(d.battery_pct)} %` : '—' }),
    h('dt', { text: t('flags') }), h('dd', { text: (d.flags || []).map((f) => t(`flag_${f}`)).join(', ') || '—' }),
    h('dt', { text: t('comms_lost') }), h('dd', { text: d.comms_lost ? t('yes') : t('no') }),
    h('dt', { text: t('orders') }), h('dd', {}, ...(d.orders || []).map((o) => h('span', {}, h('a', { href: `#/orders/${encodeURIComponent(o.order_id)}`, text: o.order_id }), ` (${t(`person_${o.role}`)}) `)))));
  title.focus();
  return () => {};
}
