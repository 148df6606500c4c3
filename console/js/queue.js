// The live alert queue: open alerts, most urgent first, updated from the event stream
// without a reload. A new critical alert shows a banner (role=alert), pulses its row,
// sounds a tone and moves focus to the banner's button.
import { h, mount } from './dom.js';
import { t, timeElement, formatDuration, formatMetres, parseTime } from './i18n.js';
import * as model from './alerts_model.js';

export function kindLabel(kind) { return t(`kind_${kind || 'kind_unspecified'}`); }
export function certaintyLabel(certainty) { return certainty ? t(`certainty_${certainty}`) : '—'; }

export function distanceText(event) {
  if (!event || typeof event.distance_m !== 'number') return null;
  const main = formatMetres(event.distance_m);
  if (typeof event.distance_lower_m === 'number' && typeof event.distance_upper_m === 'number') {
    return t('distance_with_bounds', { distance: main, lower: formatMetres(event.distance_lower_m), upper: formatMetres(event.distance_upper_m) });
  }
  return main;
}

export function stateLabel(view) {
  if (view.resolution && view.resolution.disposition) return t('state_resolved');
  if (!view.open) return t('state_closed');
  if (model.isAcknowledged(view)) return t('state_acknowledged');
  if (view.ack_overdue) return t('state_overdue');
  return t('state_open');
}

// The countdown text and whether it is overdue.
export function countdown(view, now) {
  const deadline = model.ackDeadline(view);
  if (model.isAcknowledged(view) || !view.open) return { text: '—', overdue: false };
  if (view.ack_overdue || (deadline !== null && deadline <= now)) {
    return { text: t('overdue_by', { duration: formatDuration(deadline !== null ? now - deadline : 0) }), overdue: true };
  }
  if (deadline === null) return { text: '—', overdue: false };
  return { text: formatDuration(deadline - now), overdue: false };
}

export function renderQueue(main, { fresh }) {
  const tbody = h('tbody');
  const count = h('p', { class: 'muted', role: 'status', id: 'queue-count' });
  const table = h('table', { 'aria-labelledby': 'queue-title', id: 'alert-queue' },
    h('thead', {}, h('tr', {},
      ...['col_kind', 'col_order', 'col_certainty', 'col_distance', 'col_age', 'col_deadline', 'col_state', 'col_open']
        .map((key) => h('th', { scope: 'col', text: t(key) })))),
    tbody);
  mount(main, h('h1', { id: 'queue-title', text: t('queue_title') }), count, table);

  const rows = new Map();
  const draw = () => {
    const now = Date.now();
    const list = model.openAlerts();
    count.textContent = t('queue_count', { n: list.length });
    const wanted = [];
    for (const view of list) {
      let row = rows.get(view.alert_id);
      if (!row) {
        row = h('tr', { 'data-alert-id': view.alert_id });
        rows.set(view.alert_id, row);
      }
      fillRow(row, view, now, fresh.has(view.alert_id));
      wanted.push(row);
    }
    for (const [id, row] of rows) if (!list.some((v) => v.alert_id === id)) rows.delete(id);
    tbody.replaceChildren(...wanted);
    if (list.length === 0) tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted', text: t('queue_empty') })));
  };
  draw();
  const unsubscribe = model.subscribe(draw);
  const timer = setInterval(() => {
    const now = Date.now();
    for (const row of rows.values()) {
      const view = model.getAlert(row.dataset.alertId);
      if (view) updateClock(row, view, now);
    }
  }, 1000);
  return () => { unsubscribe(); clearInterval(timer); };
}

function fillRow(row, view, now, isNew) {
  const event = view.last_event || {};
  const critical = model.isCritical(view);
  row.className = [critical ? 'critical' : model.urgency(view) < 5 ? 'urgent' : '', isNew ? 'new' : ''].join(' ').trim();
  const distance = distanceText(event);
  const link = h('a', { href: `#/alerts/${encodeURIComponent(view.alert_id)}`, text: t('open_alert'),
    'aria-label': t('open_alert_label', { kind: kindLabel(view.kind), order: view.order_id }) });
  row.replaceChildren(
    h('td', {}, h('span', { class: `badge ${critical ? 'critical' : ''}`, text: kindLabel(view.kind) })),
    h('td', {}, h('a', { href: `#/orders/${encodeURIComponent(view.order_id)}`, text: view.order_id })),
    h('td', { text: certaintyLabel(model.certaintyOf(view)) }),
    h('td', { text: distance ?? (event.redacted ? t('withheld') : '—') }),
    h('td', { class: 'age' }),
    h('td', { class: 'countdown' }),
    h('td', { text: stateLabel(view) }),
    h('td', {}, link));
  updateClock(row, view, now);
}

function updateClock(row, view, now) {
  const opened = parseTime(view.opened_at);
  const age = row.querySelector('.age');
  if (age) {
    age.replaceChildren(opened === null ? '—' : formatDuration(now - opened));
    if (opened !== null) age.title = timeElement(opened).title;
  }
  const clock = countdown(view, now);
  const cell = row.querySelector('.countdown');
  if (cell) cell.textContent = clock.text;
  row.classList.toggle('overdue', clock.overdue);
}

// The banner for a new critical alert; focus goes to its button so a keyboard user is
// one key away from the alert.
export function announceCritical(banner, view, { onOpen }) {
  const open = h('button', { type: 'button', text: t('open_alert'), onclick: () => { banner.hidden = true; onOpen(view.alert_id); } });
  const dismiss = h('button', { type: 'button', text: t('dismiss'), onclick: () => { banner.hidden = true; } });
  mount(banner, h('span', { text: t('new_critical', { kind: kindLabel(view.kind), order: view.order_id }) }), open, dismiss);
  banner.hidden = false;
  open.focus();
  setTimeout(beep, 0);  // starting audio can take a while; the banner is already up
}

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.6);
  } catch { /* no audio device: the banner and the pulse remain */ }
}
