// The open alerts as the console knows them: loaded from GET /v1/alerts?state=open and
// kept current by the event stream, with the recent events of each alert (their
// positions make the tracks on the map). Urgency ranks the queue.
import { api, listAll } from './api.js';
import { parseTime } from './i18n.js';

const alerts = new Map();   // alert_id -> AlertView (proto JSON)
const events = new Map();   // alert_id -> [Event], newest last, at most MAX_EVENTS
const listeners = new Set();
const MAX_EVENTS = 200;
// kind -> {confirmed_ms, possible_ms}, numbers (0: none), from the console's settings.
let deadlines = new Map();

// The console's settings (v1.ConsoleConfig): ack_deadlines is a list of {kind,
// confirmed_ms, possible_ms}, the milliseconds as decimal strings (64-bit in JSON).
export function setConfig(value) {
  deadlines = new Map(
      ((value && value.ack_deadlines) || []).map((d) => [d.kind, {
                                                   confirmed_ms: Number(d.confirmed_ms || 0),
                                                   possible_ms: Number(d.possible_ms || 0),
                                                 }]));
}

// Safety signals first, then confirmed violations, then the rest.
const RANK = {
  sos: 0, strap_tamper: 1, case_tamper: 1,
  proximity_violation: 2, exclusion_zone: 2, inclusion_zone: 2,
  body_contact_lost: 3, jamming: 3, protected_location_unknown: 4,
  proximity_warning: 5, comms_lost: 6, location_lost: 6, supervised_location_unknown: 6,
  implausible_movement: 7, low_battery: 8,
};

export function certaintyOf(view) {
  return (view.last_event && view.last_event.certainty) || null;
}

// 0 for the most urgent. A possible violation ranks below every confirmed one.
export function urgency(view) {
  let rank = RANK[view.kind] ?? 9;
  if (rank === 2 && certaintyOf(view) === 'possible') rank = 3.5;
  return rank;
}

// Impossible to miss: SOS, tamper and confirmed violations.
export function isCritical(view) { return urgency(view) <= 2; }

export function isAcknowledged(view) { return (view.acks || []).length > 0; }

// When the acknowledgement is due (ms since the epoch), or null: counted from the
// opening, with the deadline the centre set for the alert's kind and certainty.
export function ackDeadline(view) {
  if (isAcknowledged(view) || !view.open) return null;
  const deadline = deadlines.get(view.kind);
  const ms =
      deadline && (certaintyOf(view) === 'possible' ? deadline.possible_ms : deadline.confirmed_ms);
  const opened = parseTime(view.opened_at);
  return ms && opened !== null ? opened + ms : null;
}

export function compareUrgency(a, b) {
  return urgency(a) - urgency(b) ||
    Number(isAcknowledged(a)) - Number(isAcknowledged(b)) ||
    (parseTime(a.opened_at) ?? 0) - (parseTime(b.opened_at) ?? 0) ||
    String(a.alert_id).localeCompare(String(b.alert_id));
}

export function openAlerts() {
  return [...alerts.values()].filter((view) => view.open).sort(compareUrgency);
}

export function getAlert(id) { return alerts.get(id) || null; }
export function recentEvents(id) { return events.get(id) || []; }
export function orderEvents(orderId) {
  const all = [];
  for (const [id, list] of events) {
    const view = alerts.get(id);
    if ((view && view.order_id === orderId) || (list[0] && list[0].order_id === orderId)) all.push(...list);
  }
  return all;
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function notify(change) { for (const listener of listeners) listener(change); }

// Every change to an alert's view is numbered. A reload's list is as the daemon had it when
// the request left; what the stream or an answer brought after that is newer, so the list
// neither replaces it nor closes an alert the stream opened meanwhile (a reconnect's reload
// racing a new violation must never drop it from the queue).
let changes = 0;
const changedAt = new Map();  // alert_id -> the number of its newest change
function store(view) {
  alerts.set(view.alert_id, view);
  changedAt.set(view.alert_id, ++changes);
}

export async function reload() {
  const asOf = changes;
  const list = await listAll('/v1/alerts?state=open', 'alerts');
  const newer = (id) => (changedAt.get(id) ?? 0) > asOf;
  const seen = new Set();
  for (const view of list) {
    seen.add(view.alert_id);
    if (!newer(view.alert_id)) alerts.set(view.alert_id, view);
  }
  for (const [id, view] of alerts) {
    if (view.open && !seen.has(id) && !newer(id)) alerts.set(id, { ...view, open: false });
  }
  notify({ type: 'reload' });
}

// Puts one alert's view in (from GET /v1/alerts/{id} or an ack/resolve answer).
export function put(view) {
  if (!view || !view.alert_id) return;
  store(view);
  notify({ type: 'update', id: view.alert_id });
}

export function remember(id, eventList) {
  events.set(id, eventList.slice(-MAX_EVENTS));
}

// An alert an event named that this console does not hold: its view from
// GET /v1/alerts/{id}, as it is. Asked once at a time per alert.
const fetching = new Set();
function fetchUnknown(id) {
  if (fetching.has(id)) return;
  fetching.add(id);
  api('GET', `/v1/alerts/${encodeURIComponent(id)}`)
    .then((detail) => { if (detail && !alerts.has(id)) put(detail.alert || detail); })
    .catch((error) => console.warn('stayaway console: alert', id, error && error.message))
    .finally(() => fetching.delete(id));
}

// One event of the stream ({seq, event}).
export function apply(record) {
  const event = record && record.event;
  if (!event || !event.alert_id) return;
  const id = event.alert_id;
  const list = events.get(id) || [];
  list.push(event);
  if (list.length > MAX_EVENTS) list.shift();
  events.set(id, list);
  const previous = alerts.get(id);
  // Only an opening (or escalation) makes an alert this console did not know open. Any
  // other step of an unknown alert (an ack or resolve of one closed long ago) is shown as
  // the daemon has it, so a closed alert stays closed: no phantom row, banner or beep.
  if (!previous && event.transition !== 'opened' && event.transition !== 'escalated') {
    fetchUnknown(id);
    return;
  }
  const view = previous ? { ...previous } : {
    alert_id: id, order_id: event.order_id, kind: event.kind, open: true,
    opened_at: event.detected_at, acks: [],
  };
  const wasCritical = previous ? isCritical(previous) && previous.open : false;
  switch (event.transition) {
    case 'acknowledged':
      view.acks = [...(view.acks || []), { by: event.ack_by, note: event.ack_note, time: event.detected_at }];
      break;
    case 'ack_overdue':
      view.ack_overdue = true;
      break;
    case 'received':
      // Her receipt changes nothing the list shows; the timeline reads it from the event.
      break;
    case 'resolved':
      view.resolution = {
        by: event.ack_by,
        note: event.ack_note,
        disposition: event.disposition,
        time: event.detected_at
      };
      view.open = false;
      break;
    case 'closed':
      view.open = false;
      view.closed_at = event.detected_at;
      view.last_event = event;
      break;
    default:
      view.kind = event.kind;
      view.last_event = event;
      view.open = true;
  }
  store(view);
  const becameCritical = view.open && isCritical(view) && !wasCritical;
  notify({ type: 'event', id, event, becameCritical });
}
