// Orders: the list (GET /v1/orders, paged, with each order's open alerts and its parties'
// last contact) and one order (GET /v1/orders/{id}: parties, devices, zones with their
// schedules) with its recent alerts (GET /v1/alerts?order=).
import { h, mount } from './dom.js';
import { t, timeElement, parseTime, formatMetres } from './i18n.js';
import { api, listAll, ApiError } from './api.js';
import { kindLabel, certaintyLabel, stateLabel } from './queue.js';
import { pager } from './pager.js';

// Orders a page of the list holds; "Show more" loads the next.
const PAGE_SIZE = 200;

export async function renderOrders(main) {
  mount(main, h('h1', { text: t('orders_title') }), h('p', { class: 'muted', role: 'status', text: t('loading') }));
  const load = (cursor) => api('GET', `/v1/orders?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  let page;
  try {
    page = await load(null);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 405;
    mount(main, h('h1', { text: t('orders_title') }),
      h('p', { class: missing ? 'muted' : 'error', text: missing ? t('orders_list_unavailable') : t('error_generic', { message: error.message }) }),
      orderLookup());
    return () => {};
  }
  const list = pager({ id: 'orders', load, key: 'orders', row: orderRow, columns: 6, empty: t('orders_empty') });
  mount(main, h('h1', { id: 'orders-title', text: t('orders_title') }), orderLookup(), list.status,
    h('table', { 'aria-labelledby': 'orders-title' },
      h('thead', {}, h('tr', {}, ...['col_order', 'case_reference', 'col_state', 'open_alerts', 'last_contact', 'comms_lost']
        .map((key) => h('th', { scope: 'col', text: t(key) })))),
      list.tbody),
    list.more);
  list.append(page);
  return () => {};
}

function orderRow(overview) {
  const order = overview.order || overview;
  const contacts = overview.contacts || [];
  const newest = Math.max(...contacts.map((c) => parseTime(c.last_received) ?? -Infinity));
  return h('tr', {},
    h('td', {}, h('a', { href: `#/orders/${encodeURIComponent(order.id)}`, text: order.id })),
    h('td', { text: order.case_reference || '—' }),
    h('td', { text: t(`order_state_${order.state || 'active'}`) }),
    h('td', { text: (overview.open_alerts || []).map((a) => kindLabel(a.kind)).join(', ') || '—' }),
    h('td', {}, Number.isFinite(newest) ? timeElement(newest) : '—'),
    h('td', { text: contacts.filter((c) => c.comms_lost).map((c) => c.device).join(', ') || '—' }));
}

function orderLookup() {
  const input = h('input', { id: 'order-lookup', autocomplete: 'off' });
  const form = h('form', { class: 'form', role: 'search', 'aria-label': t('order_lookup') },
    h('label', { for: 'order-lookup', text: t('order_lookup') }), input, ' ', h('button', { type: 'submit', text: t('show') }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value.trim()) location.hash = `#/orders/${encodeURIComponent(input.value.trim())}`;
  });
  return form;
}

export async function renderOrder(main, id) {
  mount(main, h('p', { class: 'muted', role: 'status', text: t('loading') }));
  let order;
  try {
    order = await api('GET', `/v1/orders/${encodeURIComponent(id)}`);
  } catch (error) {
    mount(main, h('h1', { text: t('order_title', { id }) }),
      h('p', { class: 'error', role: 'alert', text: error.status === 404 ? t('order_not_found') : t('error_generic', { message: error.message }) }));
    return () => {};
  }
  let alerts = [];
  try {
    alerts = await listAll(`/v1/alerts?order=${encodeURIComponent(id)}&state=all`, 'alerts');
  } catch { /* a role without alerts sees the terms only */ }
  alerts.sort((a, b) => (parseTime(b.opened_at) ?? 0) - (parseTime(a.opened_at) ?? 0));
  const party = (p, role) => h('tr', {},
    h('td', { text: t(`person_${role}`) }), h('td', { text: p.id || '—' }),
    h('td', { text: (p.devices || []).join(', ') || '—' }),
    h('td', {}, ...(p.devices || []).map((d) => h('a', { href: `#/devices/${encodeURIComponent(d)}`, text: d }))),
    h('td', { text: p.relation || '' }));
  const title = h('h1', { tabindex: '-1', text: t('order_title', { id: order.id }) });
  mount(main, title,
    h('dl', { class: 'facts' },
      h('dt', { text: t('case_reference') }), h('dd', { text: order.case_reference || '—' }),
      h('dt', { text: t('issuing_authority') }), h('dd', { text: order.issuing_authority || '—' }),
      h('dt', { text: t('col_state') }), h('dd', { text: t(`order_state_${order.state || 'active'}`) }),
      h('dt', { text: t('valid') }), h('dd', {}, timeElement(parseTime(order.valid_from)), ' – ', order.valid_until ? timeElement(parseTime(order.valid_until)) : t('open_ended')),
      h('dt', { text: t('violation_distance') }), h('dd', { text: formatMetres(order.violation_distance_m) }),
      h('dt', { text: t('warning_distance') }), h('dd', { text: order.warning_distance_m ? formatMetres(order.warning_distance_m) : '—' }),
      // Only when named: an auditor's view withholds it, and empty is UTC.
      ...(order.time_zone ? [h('dt', { text: t('order_time_zone') }), h('dd', { text: order.time_zone })] : [])),
    h('h2', { id: 'parties-title', text: t('parties') }),
    h('table', { 'aria-labelledby': 'parties-title' },
      h('thead', {}, h('tr', {}, ...['role', 'person', 'devices', 'device_board', 'relation'].map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, order.supervised ? party(order.supervised, 'supervised') : null, ...(order.protected || []).map((p) => party(p, 'protected')))),
    h('h2', { id: 'zones-title', text: t('zones') }),
    (order.zones || []).length ? h('table', { 'aria-labelledby': 'zones-title' },
      h('thead', {}, h('tr', {}, ...['zone', 'zone_kind', 'zone_place', 'schedule'].map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, ...order.zones.map((z) => h('tr', {},
        h('td', { text: z.name || z.id }),
        h('td', { text: t(`zone_kind_${z.kind || 'exclusion'}`) }),
        h('td', { text: z.redacted ? t('withheld') : z.circle ? t('zone_circle', { radius: formatMetres(z.circle.radius_m) }) : t('zone_polygon') }),
        h('td', { text: scheduleText(z.schedule) })))))
      : h('p', { class: 'muted', text: t('no_zones') }),
    h('h2', { id: 'recent-title', text: t('recent_alerts') }),
    alerts.length ? h('table', { 'aria-labelledby': 'recent-title' },
      h('thead', {}, h('tr', {}, ...['col_kind', 'col_certainty', 'opened_at', 'col_state', 'col_open'].map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, ...alerts.slice(0, 50).map((a) => h('tr', {},
        h('td', { text: kindLabel(a.kind) }), h('td', { text: certaintyLabel(a.last_event && a.last_event.certainty) }),
        h('td', {}, timeElement(parseTime(a.opened_at))), h('td', { text: stateLabel(a) }),
        h('td', {}, h('a', { href: `#/alerts/${encodeURIComponent(a.alert_id)}`, text: t('open_alert') }))))))
      : h('p', { class: 'muted', text: t('no_alerts') }));
  title.focus();
  return () => {};
}

function scheduleText(schedule) {
  if (!schedule) return t('always');
  const windows = (schedule.windows || []).map((w) => {
    const days = (w.days || []).map((d) => t(`day_${d}`)).join(', ') || t('every_day');
    return `${days} ${w.start}–${w.end}`;
  });
  return `${windows.join('; ')} (${schedule.time_zone})`;
}
