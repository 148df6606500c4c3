// The HTTP API as the console uses it: the same documented routes any integrator calls
// (ingest/http_api.h), authenticated by the session cookie (HttpOnly: this script never
// sees it). The sign-in token is sent once to POST /v1/session and kept nowhere. Every
// state-changing request carries the session's CSRF token.
let csrfToken = null;
// Told once when a request of a signed-in session gets 401: the session has ended.
let sessionEndedHandler = () => {};
export function onSessionEnded(handler) { sessionEndedHandler = handler; }
function sessionEnded() {
  if (csrfToken === null) return;  // no session held (before sign-in, or already told)
  csrfToken = null;
  // After the caller's own error handling, so the sign-in page is what stays on screen.
  setTimeout(() => sessionEndedHandler(), 0);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    if (response.status === 401) sessionEnded();
    const error = data && data.error ? data.error : {};
    throw new ApiError(response.status, error.code, error.message);
  }
  return data;
}

// Every item of a paged list (GET with ?cursor= while next_cursor comes back), in pages of
// the largest size. No cap: the open alerts must all be in the queue. For lists that can
// be long (orders, devices) the pages use pager.js instead.
export async function listAll(path, key) {
  const items = [];
  const separator = path.includes('?') ? '&' : '?';
  let cursor = null;
  do {
    const data = await api('GET', `${path}${separator}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...((data && data[key]) || []));
    cursor = data && data.next_cursor;
  } while (cursor);
  return items;
}

// Who is signed in: {credential_id, name, roles, session}. The session (cookie) first;
// without one, a request that carries a credential anyway (a proxy in front that adds the
// Authorization header) is signed in too. null when neither: the sign-in page.
export async function whoIsSignedIn() {
  let session = null;
  try {
    session = await api('GET', '/v1/session');
    csrfToken = session.csrf_token || null;
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 404)) throw error;
  }
  try {
    const who = await api('GET', '/v1/whoami');
    return { ...who, roles: who.roles || [], session: session !== null };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(token) {
  const session = await api('POST', '/v1/session', { token });
  csrfToken = session.csrf_token || null;
  return session;
}

export async function signOut() {
  try {
    await api('DELETE', '/v1/session');
  } finally {
    csrfToken = null;
  }
}

// Whether the session still lives: GET /v1/session, whose 401 ends it on the page.
export function checkSession() {
  if (csrfToken === null) return;
  api('GET', '/v1/session').catch(() => {});
}

// Every event kind the daemon names its server-sent events after (proto Event.Kind).
export const EVENT_KINDS = [
  'proximity_warning', 'proximity_violation', 'exclusion_zone', 'inclusion_zone', 'comms_lost',
  'location_lost', 'strap_tamper', 'case_tamper', 'body_contact_lost', 'low_battery', 'jamming',
  'sos', 'protected_location_unknown', 'supervised_location_unknown', 'implausible_movement',
];

// The live event stream: every event, from now on, to onEvent({seq, event}), once each.
// It asks for the unnamed stream (?stream=message, one onmessage receives all); a daemon
// that refuses that URL gets the classic stream of events named by kind instead. The
// browser reconnects by itself with Last-Event-ID; onState('live' | 'connecting' |
// 'offline') says how it goes, and onReconnect runs after each (re)connection so the
// caller can reload what it may have missed.
export function openEvents({ onEvent, onState, onReconnect }) {
  const urls = ['/v1/events?stream=message&from=now', '/v1/events/stream?from=now'];
  let lastSeq = 0;
  let source = null;
  let stopped = false;
  let retryTimer = null;
  const deliver = (message) => {
    let record;
    try { record = JSON.parse(message.data); } catch { return; }
    const seq = Number(record.seq || message.lastEventId || 0);
    if (seq && seq <= lastSeq) return;
    if (seq) lastSeq = seq;
    onEvent(record);
  };
  const connect = (index) => {
    if (stopped) return;
    onState('connecting');
    let opened = false;
    const url = lastSeq > 0 ? urls[index].replace('from=now', `from=${lastSeq + 1}`) : urls[index];
    source = new EventSource(url);
    source.onopen = () => {
      opened = true;
      onState('live');
      onReconnect();
    };
    source.onmessage = deliver;
    for (const kind of EVENT_KINDS) source.addEventListener(kind, deliver);
    source.onerror = () => {
      // The stream breaks when its session ends: ask whether it has (a 401 signs out).
      checkSession();
      if (source.readyState !== EventSource.CLOSED) {
        onState('connecting');  // the browser retries by itself
        return;
      }
      source.close();
      if (!opened && index + 1 < urls.length) {
        connect(index + 1);
        return;
      }
      onState('offline');
      retryTimer = setTimeout(() => connect(0), 5000);
    };
  };
  connect(0);
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    if (source) source.close();
  };
}
