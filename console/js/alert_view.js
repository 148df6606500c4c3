// One alert: its map, the distance over time, the timeline (GET /v1/alerts/{id}), and
// the operator's actions (acknowledge, resolve) and the evidence bundle. A reader whose
// role may not see positions gets events without them: the page draws what it has.
import { h, mount } from './dom.js';
import { t, timeElement, formatMetres, parseTime } from './i18n.js';
import { api, ApiError } from './api.js';
import * as model from './alerts_model.js';
import { drawMap, mapLayers } from './map.js';
import { drawChart, distanceSeries } from './chart.js';
import { kindLabel, certaintyLabel, distanceText, stateLabel, countdown } from './queue.js';

export const DISPOSITIONS = ['false_alarm', 'patrol_dispatched', 'victim_contacted', 'police_notified', 'device_fault', 'other'];

// The alert and its events: GET /v1/alerts/{id}; a daemon without that route leaves the
// page with what the queue and the event stream brought.
async function loadAlert(id) {
  try {
    const detail = await api('GET', `/v1/alerts/${encodeURIComponent(id)}`);
    const view = detail.alert || detail;
    const events = (detail.timeline || []).map((record) => record.event || record);
    model.put(view);
    if (events.length) model.remember(id, events);
    return { view, events, missing: detail.missing_events || 0 };
  } catch (error) {
    const view = model.getAlert(id);
    if (error instanceof ApiError && error.status === 404 && view) {
      return { view, events: model.recentEvents(id), missing: 0 };
    }
    throw error;
  }
}

async function loadOrder(id) {
  try {
    return await api('GET', `/v1/orders/${encodeURIComponent(id)}`);
  } catch {
    return null;  // no permission, or gone: the map shows the people without the zones
  }
}

export async function renderAlert(main, id, { user, config }) {
  mount(main, h('p', { class: 'muted', role: 'status', text: t('loading') }));
  let loaded;
  try {
    loaded = await loadAlert(id);
  } catch (error) {
    mount(main, h('h1', { text: t('alert_title_short') }),
      h('p', { class: 'error', role: 'alert', text: error.status === 404 ? t('alert_not_found') : t('error_generic', { message: error.message }) }));
    return () => {};
  }
  const order = await loadOrder(loaded.view.order_id);
  const roles = new Set(user.roles);
  const canAct = roles.has('operator');

  const title = h('h1', { tabindex: '-1' });
  const facts = h('dl', { class: 'facts' });
  const mapHolder = h('div');
  const chartHolder = h('div');
  const timeline = h('ol', { class: 'timeline' });
  const status = h('p', { role: 'status', class: 'muted' });

  const draw = () => {
    const view = model.getAlert(id) || loaded.view;
    const events = model.recentEvents(id).length ? model.recentEvents(id) : loaded.events.length ? loaded.events : view.last_event ? [view.last_event] : [];
    title.textContent = t('alert_title', { kind: kindLabel(view.kind), order: view.order_id });
    const event = view.last_event || {};
    const clock = countdown(view, Date.now());
    mount(facts,
      h('dt', { text: t('col_order') }), h('dd', {}, h('a', { href: `#/orders/${encodeURIComponent(view.order_id)}`, text: view.order_id })),
      h('dt', { text: t('col_certainty') }), h('dd', { text: certaintyLabel(model.certaintyOf(view)) }),
      h('dt', { text: t('col_distance') }), h('dd', { text: distanceText(event) ?? (event.redacted ? t('withheld') : '—') }),
      h('dt', { text: t('opened_at') }), h('dd', {}, timeElement(parseTime(view.opened_at))),
      h('dt', { text: t('col_deadline') }), h('dd', { text: clock.text }),
      h('dt', { text: t('col_state') }), h('dd', { id: 'alert-state', text: stateLabel(view) }),
      h('dt', { text: t('alert_id') }), h('dd', {}, h('code', { text: view.alert_id })));
    const layers = mapLayers(events, order);
    const withheld = events.some((e) => (e.supervised && e.supervised.withheld) || (e.protected && e.protected.withheld) || e.redacted);
    mount(mapHolder,
      drawMap(layers, { tileUrl: config.tile_url }),
      h('p', { id: 'map-description', class: withheld ? 'muted' : 'sr-only', text: withheld ? t('map_withheld') : t('map_description', {
        supervised: layers.tracks.supervised.length, protected: layers.tracks.protected.length, zones: layers.zones.length,
      }) }),
      h('div', { class: 'legend', 'aria-hidden': 'true' },
        h('span', {}, h('span', { class: 'sw supervised' }), t('person_supervised')),
        h('span', {}, h('span', { class: 'sw protected' }), t('person_protected')),
        h('span', {}, h('span', { class: 'sw violation' }), t('legend_rings'))));
    mount(chartHolder, drawChart(distanceSeries(events), {
      violation: layers.violation, warning: layers.warning,
      formatTick: (ms) => timeElement(ms, { withDate: false }).textContent,
    }));
    mount(timeline, ...events.map((e) => timelineItem(e)), ...(loaded.missing ? [h('li', { class: 'muted', text: t('timeline_missing', { n: loaded.missing }) })] : []));
    if (events.length === 0) timeline.append(h('li', { class: 'muted', text: t('timeline_empty') }));
  };

  const children = [title, h('div', { class: 'grid' },
    h('section', { 'aria-labelledby': 'map-title' }, h('h2', { id: 'map-title', text: t('map') }), mapHolder,
      h('h2', { text: t('distance_chart') }), chartHolder),
    h('section', {}, h('h2', { text: t('details') }), facts,
      canAct ? actions(id, status, draw) : h('p', { class: 'muted', text: t('read_only') }),
      // Bundles hold every position and go to courts: only the evidence role exports them;
      // anyone else is told who can, with the alert id to quote.
      roles.has('evidence')
        ? h('p', {}, h('a', { href: `/v1/alerts/${encodeURIComponent(id)}/evidence`, download: `evidence-${id}.json`, text: t('evidence_download') }))
        : h('p', { class: 'muted', id: 'evidence-note', text: t('evidence_by_role', { id }) }),
      status,
      h('h2', { text: t('timeline') }), timeline))];
  mount(main, ...children);
  draw();
  title.focus();
  const unsubscribe = model.subscribe((change) => { if (!change.id || change.id === id) draw(); });
  const timer = setInterval(draw, 5000);
  return () => { unsubscribe(); clearInterval(timer); };
}

function timelineItem(event) {
  const parts = [t(`transition_${event.transition || 'transition_unspecified'}`)];
  if (event.kind) parts.push(kindLabel(event.kind));
  if (event.certainty) parts.push(certaintyLabel(event.certainty));
  const distance = distanceText(event);
  if (distance) parts.push(distance);
  if (event.disposition) parts.push(t(`disposition_${event.disposition}`));
  if (event.ack_by) parts.push(t('by', { who: event.ack_by }));
  if (event.received_by) parts.push(t('received_by', {who: event.received_by}));
  const shown = parseTime(event.shown_at);
  const shownAt = shown === null ? '' : timeElement(shown).textContent;
  return h(
      'li', {}, timeElement(parseTime(event.detected_at) ?? parseTime(event.time)), ' — ',
      parts.join(' · '), event.ack_note ? h('div', {class: 'muted', text: event.ack_note}) : null,
      shownAt ? h('div', {class: 'muted receipt', text: t('shown_on_device', {time: shownAt})}) :
                null);
}

function actions(id, status, redraw) {
  const ackNote = h('textarea', { id: 'ack-note', maxlength: 2000 });
  const ackButton = h('button', { type: 'submit', class: 'primary', text: t('acknowledge') });
  const ackForm = h('form', { class: 'form panel', 'aria-label': t('acknowledge') },
    h('label', { for: 'ack-note', text: t('note') }), ackNote, h('p', {}, ackButton));
  ackForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    await act(status, ackButton, async () => {
      const view = await api('POST', `/v1/alerts/${encodeURIComponent(id)}/ack`, { note: ackNote.value });
      if (view && view.alert_id && view.kind) model.put(view);
      ackNote.value = '';
      return t('acknowledged_done');
    }, redraw);
  });
  const disposition = h('select', { id: 'resolve-disposition', required: true },
    h('option', { value: '', text: t('choose') }),
    ...DISPOSITIONS.map((d) => h('option', { value: d, text: t(`disposition_${d}`) })));
  const resolveNote = h('textarea', { id: 'resolve-note', maxlength: 2000 });
  const resolveButton = h('button', { type: 'submit', text: t('resolve') });
  const resolveForm = h('form', { class: 'form panel', 'aria-label': t('resolve') },
    h('label', { for: 'resolve-disposition', text: t('disposition') }), disposition,
    h('label', { for: 'resolve-note', text: t('note') }), resolveNote, h('p', {}, resolveButton));
  resolveForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    await act(status, resolveButton, async () => {
      const view = await api('POST', `/v1/alerts/${encodeURIComponent(id)}/resolve`, { disposition: disposition.value, note: resolveNote.value });
      if (view && view.alert_id && view.kind) model.put(view);
      resolveNote.value = '';
      return t('resolved_done');
    }, redraw);
  });
  return h('div', { class: 'actions' }, ackForm, resolveForm);
}

async function act(status, button, work, redraw) {
  button.disabled = true;
  status.className = 'muted';
  try {
    status.textContent = await work();
    redraw();
  } catch (error) {
    status.className = 'error';
    status.textContent = error.status === 409 ? t('already_resolved') : t('error_generic', { message: error.message });
  } finally {
    button.disabled = false;
  }
}

export { formatMetres };
