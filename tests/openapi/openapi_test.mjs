// Keeps docs/openapi.yaml true: the document is a valid OpenAPI 3.1 description, it names
// exactly the routes (path, method and permission) the daemon's router serves
// (ingest/http_api.cc, HttpApi::Route), and the answers of a real stayawayd to requests
// covering every operation validate against the operation's schema for their status.
//   STAYAWAYD=build/daemon/stayawayd node tests/openapi/openapi_test.mjs
// Its npm packages come from tests/openapi/package-lock.json (npm ci --prefix tests/openapi;
// scripts/test does it). Without them it exits 77 (ctest: skipped) unless
// STAYAWAY_REQUIRE_OPENAPI=1.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, runCases, startDaemon } from '../browser/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const required = process.env.STAYAWAY_REQUIRE_OPENAPI === '1';

let YAML, Ajv2020, addFormats, Validator;
try {
  YAML = await import('yaml');
  ({ default: Ajv2020 } = await import('ajv/dist/2020.js'));
  ({ default: addFormats } = await import('ajv-formats'));
  ({ Validator } = await import('@seriousme/openapi-schema-validator'));
} catch (error) {
  console.error(`the OpenAPI test's npm packages are missing (${error.message}): npm ci --prefix tests/openapi (scripts/test does it)`);
  process.exit(required ? 1 : 77);
}

const doc = YAML.parse(fs.readFileSync(path.join(root, 'docs/openapi.yaml'), 'utf8'));
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

// --- the router's routes, read from its source --------------------------------------------

// [{path: '/v1/orders/{id}', method: 'get', permission: 'kReadOrders' | 'open' | 'signed_in'}]
function routerRoutes() {
  const source = fs.readFileSync(path.join(root, 'ingest/http_api.cc'), 'utf8');
  const start = source.indexOf('void HttpApi::Route(');
  const body = source.slice(start, source.indexOf('\n}\n', start));
  const first = body.indexOf('if (is({');
  const branches = body.slice(first).split(/\}\s*else if \(/);
  const routes = [];
  for (const branch of branches) {
    const condition = branch.slice(0, branch.indexOf(') {'));
    const patterns = [...condition.matchAll(/is\(\{([^}]*)\}\)/g)].map((m) =>
      '/' + [...m[1].matchAll(/"([^"]*)"/g)].map((s) => (s[1] === '*' ? '{id}' : s[1])).join('/'));
    if (patterns.length === 0) continue;
    const allow = /dispatch\(\s*"([^"]+)"/.exec(branch);
    if (!allow) throw new Error(`no dispatch("...") after ${patterns.join(' or ')} in ingest/http_api.cc`);
    const endpoints = [...branch.matchAll(/\b(open|signed_in|needs)\(http::verb::(\w+?)_?,\s*(?:P::(\w+))?/g)]
      .map((m) => ({ method: m[2], permission: m[1] === 'needs' ? m[3] : m[1] }));
    const allowed = allow[1].split(',').map((s) => s.trim().toLowerCase()).sort();
    const served = endpoints.map((e) => e.method).sort();
    if (allowed.join() !== served.join()) {
      throw new Error(`${patterns[0]}: Allow "${allow[1]}" but handlers for ${served.join(', ')}`);
    }
    for (const p of patterns) for (const e of endpoints) routes.push({ path: p, ...e });
  }
  if (routes.length < 20) throw new Error(`only ${routes.length} routes read from ingest/http_api.cc: has its shape changed?`);
  return routes;
}

// --- the proto's messages ------------------------------------------------------------------

// {'stayaway.v1.WeeklySchedule.Window': ['days', 'start', 'end'], ...}: each message's fields.
function protoFields() {
  const text = fs.readFileSync(path.join(root, 'proto/stayaway.proto'), 'utf8').replace(/\/\/[^\n]*/g, '');
  const pkg = /package\s+([\w.]+);/.exec(text)[1];
  const messages = {};
  const stack = []; // {kind, name}
  for (const token of text.matchAll(/(message|enum|oneof)\s+(\w+)\s*\{|\}|((?:repeated|optional)\s+)?(map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+\s*;/g)) {
    if (token[1]) {
      stack.push({ kind: token[1], name: token[2] });
      if (token[1] === 'message') messages[[pkg, ...stack.filter((s) => s.kind === 'message').map((s) => s.name)].join('.')] = [];
    } else if (token[0] === '}') {
      stack.pop();
    } else if (stack.length && stack[stack.length - 1].kind !== 'enum') {
      const owner = [pkg, ...stack.filter((s) => s.kind === 'message').map((s) => s.name)].join('.');
      messages[owner].push(token[5]);
    }
  }
  return messages;
}

// --- validation -----------------------------------------------------------------------------

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
ajv.addSchema(doc, 'openapi.json');
const pointer = (...parts) => parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map();
function validatorFor(ref) {
  if (!validators.has(ref)) validators.set(ref, ajv.compile({ $ref: `openapi.json#/${ref}` }));
  return validators.get(ref);
}
function resolve(object) {
  while (object && object.$ref) {
    object = object.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return object;
}
function check(ref, value, what) {
  const validate = validatorFor(ref);
  if (!validate(value)) {
    const errors = validate.errors.map((e) => `body${e.instancePath} ${e.message}` +
      (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : '') +
      (e.params?.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : '')).join('; ');
    throw new Error(`${what}: ${errors}\n  body: ${JSON.stringify(value).slice(0, 600)}`);
  }
}

// The documented operation for a method and a concrete path: literal segments win over {id}.
const templates = Object.keys(doc.paths).map((t) => ({
  template: t,
  regex: new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
  literals: t.split('/').filter((s) => !s.startsWith('{')).length,
})).sort((a, b) => b.literals - a.literals);
function operationOf(method, target) {
  const pathOnly = target.split('?')[0];
  const t = templates.find((x) => x.regex.test(pathOnly));
  if (!t || !doc.paths[t.template][method]) return null;
  return { template: t.template, operation: doc.paths[t.template][method] };
}

const exercised = new Map(); // operationId -> Set of statuses validated

// Sends a request and validates its answer against the document; returns {status, json, text, headers}.
async function call(method, target, { token, cookie, body, headers = {}, expectStatus, stream } = {}) {
  const found = operationOf(method, target);
  const init = {
    method: method.toUpperCase(),
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(cookie ? { Cookie: cookie } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  };
  const name = `${method.toUpperCase()} ${target}`;
  if (found && body !== undefined && typeof body !== 'string' && found.operation.requestBody) {
    const media = resolve(found.operation.requestBody).content['application/json'];
    if (media && (expectStatus ?? 200) < 300) {
      check(pointer('paths', found.template, method, 'requestBody', 'content', 'application/json', 'schema'), body,
        `${name}: the test's own request body does not match the document`);
    }
  }
  const controller = new AbortController();
  const sentAt = Date.now();
  const response = await fetch(base + target, { ...init, signal: controller.signal });
  let text;
  if (stream) {
    // Server-sent events: read until `stream` events have come, then hang up.
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    text = '';
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (text.match(/\n\n/g) || []).length < stream) {
      const { value, done } = await Promise.race([reader.read(),
        new Promise((r) => setTimeout(() => r({ value: undefined, done: false }), 200))]);
      if (done) break;
      if (value) text += decoder.decode(value, { stream: true });
    }
    controller.abort();
  } else {
    text = await response.text();
  }
  const status = response.status;
  if (expectStatus !== undefined) expect(status === expectStatus, `${name}: status ${status}, expected ${expectStatus}: ${text.slice(0, 300)}`);
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  const type = (response.headers.get('content-type') || '').split(';')[0].trim();
  if (!found) {
    // 404 for an unknown path, 405 for a method the path does not serve, 401 before both.
    expect([401, 404, 405].includes(status), `${name}: not in the document, yet answered ${status}`);
    check('components/schemas/Error', json, `${name} ${status}`);
    return { status, json, text, headers: response.headers };
  }
  const { operation, template } = found;
  const op = operation.operationId;
  const documented = operation.responses[String(status)];
  expect(documented, `${op} (${name}): status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')}): ${text.slice(0, 300)}`);
  const content = resolve(documented).content;
  if (status !== 204 && status !== 200 && !content) throw new Error(`${op} ${status}: no content documented`);
  if (content) {
    expect(content[type], `${op} ${status}: Content-Type ${type} is not documented (documented: ${Object.keys(content).join(', ')})`);
    const responseRef = documented.$ref ? documented.$ref.slice(2) : pointer('paths', template, method, 'responses', String(status));
    const schemaRef = `${responseRef}/${pointer('content', type, 'schema')}`;
    if (type === 'text/event-stream') {
      const events = text.split('\n\n').filter((e) => e.includes('data: '));
      if (process.env.OPENAPI_DEBUG) console.log(`${op}: ${events.length} events, ${Date.now() - sentAt} ms`);
      expect(events.length > 0 || !stream, `${op}: no event came`);
      for (const event of events) {
        const data = JSON.parse(event.split('\n').find((l) => l.startsWith('data: ')).slice(6));
        check(`${responseRef}/${pointer('content', type, 'x-stayaway-event-data')}`, data, `${op} ${status} event`);
      }
    } else if (type.includes('json')) {
      check(schemaRef, json, `${op} ${status}`);
    } else {
      check(schemaRef, text, `${op} ${status}`);
    }
  } else {
    expect(text === '', `${op} ${status}: a body where none is documented: ${text.slice(0, 200)}`);
  }
  if (!exercised.has(op)) exercised.set(op, new Set());
  exercised.get(op).add(status);
  return { status, json, text, headers: response.headers };
}

// --- the cases ------------------------------------------------------------------------------

const daemon = await startDaemon('openapi', '[engine]\nproximity_violation = { confirm_fixes = 1 }\n');
const base = daemon.base;
const admin = daemon.adminToken;
let desk; // operator, admin, ingest, evidence, auditor
let auditor;
let her; // protected person p2, device phone-2
let alertId;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const order = {
  id: 'KG-7', version: 1, violation_distance_m: 300, warning_distance_m: 600,
  case_reference: 'Case 2-1/2026', issuing_authority: 'District Court',
  supervised: { id: 'p1', devices: ['tag-1'] },
  protected: [{ id: 'p2', devices: ['phone-2'], relation: 'victim' }],
  zones: [{ id: 'home', name: 'Her home', kind: 'exclusion', buffer_m: 50, circle: { lat: 42.9, lon: 74.7, radius_m: 40 } }],
  victim_notification: 'distance',
};

const cases = [
  {
    name: 'docs/openapi.yaml is a valid OpenAPI document',
    body: async () => {
      const result = await new Validator().validate(doc);
      expect(result.valid, `not a valid OpenAPI document: ${String(JSON.stringify(result.errors)).slice(0, 1500)}`);
      expect(doc.openapi.startsWith('3.1'), `openapi ${doc.openapi}: the test validates with JSON Schema 2020-12 (3.1)`);
    },
  },
  {
    name: 'the router and the document name the same routes and permissions',
    body: async () => {
      const routes = routerRoutes();
      const key = (p, m) => `${m.toUpperCase()} ${p}`;
      const router = new Map(routes.map((r) => [key(r.path, r.method), r.permission]));
      const documented = new Map();
      for (const [p, item] of Object.entries(doc.paths)) {
        for (const m of methods) {
          if (item[m]) documented.set(key(p.replace(/\{[^}]+\}/g, '{id}'), m), item[m]['x-stayaway-permission']);
        }
      }
      const missing = [...router.keys()].filter((k) => !documented.has(k));
      const extra = [...documented.keys()].filter((k) => !router.has(k));
      expect(missing.length === 0 && extra.length === 0,
        `served but not documented: ${missing.join('; ') || 'none'}; documented but not served: ${extra.join('; ') || 'none'}`);
      const wrong = [...router].filter(([k, p]) => documented.get(k) !== p).map(([k, p]) => `${k} needs ${p}, the document says ${documented.get(k)}`);
      expect(wrong.length === 0, wrong.join('; '));
      for (const [k, p] of documented) {
        const op = doc.paths[Object.keys(doc.paths).find((t) => key(t.replace(/\{[^}]+\}/g, '{id}'), k.split(' ')[0]) === k)][k.split(' ')[0].toLowerCase()];
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        expect(isPublic === (p === 'open'), `${k}: permission ${p} but ${isPublic ? 'no' : 'a'} security requirement`);
      }
    },
  },
  {
    name: "each schema of a proto message has exactly the message's fields",
    body: async () => {
      const messages = protoFields();
      const wrong = [];
      let checked = 0;
      for (const [name, schema] of Object.entries(doc.components.schemas)) {
        const message = schema['x-proto-message'];
        if (!message) continue;
        ++checked;
        const fields = messages[message];
        if (!fields) { wrong.push(`${name}: no message ${message} in proto/stayaway.proto`); continue; }
        const documented = Object.keys(schema.properties || {});
        const missing = fields.filter((f) => !documented.includes(f));
        const extra = documented.filter((f) => !fields.includes(f));
        if (missing.length || extra.length) wrong.push(`${name} (${message}): missing ${missing.join(', ') || 'none'}; not in the message ${extra.join(', ') || 'none'}`);
        if (schema.additionalProperties !== false) wrong.push(`${name}: additionalProperties must be false`);
      }
      expect(checked > 20, `only ${checked} schemas name their proto message (x-proto-message)`);
      expect(wrong.length === 0, wrong.join('; '));
    },
  },
  {
    name: 'health, metrics, keys, whoami and the refusals before signing in',
    body: async () => {
      await call('get', '/healthz', { expectStatus: 200 });
      await call('get', '/v1/keys', { expectStatus: 200 });
      await call('get', '/metrics', { expectStatus: 401 });
      await call('get', '/v1/orders', { token: 'sa_nobody', expectStatus: 401 });
      await call('get', '/v1/no/such/path', { expectStatus: 401 });
      await call('get', '/metrics', { token: admin, expectStatus: 200 });
      await call('get', '/v1/whoami', { token: admin, expectStatus: 200 });
      await call('get', '/v1/no/such/path', { token: admin, expectStatus: 404 });
      await call('patch', '/v1/orders', { token: admin, expectStatus: 405 });
    },
  },
  {
    name: 'credentials: issue, list, revoke',
    body: async () => {
      const issue = async (name, roles, extra = {}) =>
        (await call('post', '/v1/credentials', { token: admin, body: { name, roles, ...extra }, expectStatus: 201 })).json.token;
      desk = await issue('desk-1', ['ingest', 'operator', 'admin', 'evidence'], { devices: ['*'] });
      auditor = await issue('inspector-1', ['auditor']);
      her = await issue('her-app', ['protected'], { person: 'p2', devices: ['phone-2'] });
      await call('post', '/v1/credentials', { token: admin, body: { name: 'desk-1', roles: ['operator'] }, expectStatus: 409 });
      await call('post', '/v1/credentials', { token: admin, body: '{"name": 7}', expectStatus: 400 });
      const spare = await call('post', '/v1/credentials', { token: admin, body: { name: 'spare', roles: ['ingest'], devices: ['tag-*'] }, expectStatus: 201 });
      await call('get', '/v1/credentials', { token: admin, expectStatus: 200 });
      await call('delete', `/v1/credentials/${spare.json.credential.id}`, { token: admin, expectStatus: 200 });
      await call('delete', '/v1/credentials/cred-000000000000', { token: admin, expectStatus: 404 });
      await call('get', '/v1/credentials', { token: auditor, expectStatus: 403 });
      await call('get', '/v1/whoami', { token: her, expectStatus: 200 });
    },
  },
  {
    name: 'orders and zones',
    body: async () => {
      await call('post', '/v1/orders', { token: desk, body: { ...order, valid_from: '2026-01-01T00:00:00Z' }, expectStatus: 201 });
      await call('post', '/v1/orders', { token: desk, body: order, expectStatus: 409 });
      await call('post', '/v1/orders', { token: desk, body: '{"id": "KG-8", "version": "x"}', expectStatus: 400 });
      await call('post', '/v1/orders', { token: desk, body: [{ ...order, id: 'KG-8' }, order], expectStatus: 200 });
      await call('get', '/v1/orders/KG-7', { token: desk, expectStatus: 200 });
      await call('get', '/v1/orders/KG-7', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/orders/KG-404', { token: desk, expectStatus: 404 });
      await call('get', '/v1/orders/bad%0Aid', { token: desk, expectStatus: 400 });
      await call('put', '/v1/orders/KG-8', { token: desk, body: { ...order, id: 'KG-8', version: 2 }, expectStatus: 200 });
      await call('put', '/v1/orders/KG-8', { token: desk, body: { ...order, id: 'KG-9' }, expectStatus: 400 });
      await call('delete', '/v1/orders/KG-8', { token: desk, expectStatus: 200 });
      await call('get', '/v1/orders?limit=1', { token: desk, expectStatus: 200 });
      await call('get', '/v1/orders', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/orders?limit=0', { token: desk, expectStatus: 400 });
      await call('post', '/v1/orders', { token: auditor, body: order, expectStatus: 403 });
      const shelter = { id: 'shelter-1', name: 'Shelter', kind: 'exclusion', buffer_m: 20,
        geometry: { type: 'Polygon', coordinates: [[[74.5, 42.8], [74.51, 42.8], [74.51, 42.81], [74.5, 42.81], [74.5, 42.8]]] } };
      await call('post', '/v1/zones', { token: desk, body: shelter, expectStatus: 201 });
      await call('post', '/v1/zones', { token: desk, body: shelter, expectStatus: 409 });
      await call('put', '/v1/zones/shelter-1', { token: desk, body: { ...shelter, buffer_m: 30 }, expectStatus: 200 });
      await call('put', '/v1/zones/shelter-1', { token: desk, body: '{"kind": "sideways"}', expectStatus: 400 });
      await call('get', '/v1/zones', { token: desk, expectStatus: 200 });
      await call('get', '/v1/zones', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/zones/shelter-1', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/zones/none', { token: desk, expectStatus: 404 });
    },
  },
  {
    name: 'fixes open an alert; events, devices, acknowledgement, resolution, evidence',
    body: async () => {
      const t = now();
      await call('post', '/v1/fixes', { token: desk, expectStatus: 200, body: [
        { device: 'phone-2', seq: 1, time: t, lat: 42.87, lon: 74.59, accuracy_m: 8 },
        { device: 'tag-1', seq: 1, time: t, lat: 42.87, lon: 74.5912, accuracy_m: 6, battery_pct: 80 },
        { device: 'tag-1', seq: 2, time: t, lat: 42.87, lon: 74.5912, accuracy_m: 6 },
        { device: 'tag-1', seq: 2, time: t, lat: 42.87, lon: 74.5912, accuracy_m: 6 },
      ] });
      const refused = await call('post', '/v1/fixes', { token: desk, expectStatus: 200, body: '[{"device": "tag-1"}, {"tick": "2026-01-01T00:00:00Z"}, 7]' });
      expect(refused.json.rejected === 3, `expected 3 refused: ${refused.text}`);
      await call('post', '/v1/fixes', { token: desk, body: '{"not": "an array"}', expectStatus: 400 });
      await call('post', '/v1/traccar', { token: desk, expectStatus: 200, body: {
        position: { id: 0, fixTime: t, deviceTime: t, latitude: 42.87, longitude: 74.5913, accuracy: 5, valid: true, speed: 0, course: 0, attributes: { batteryLevel: 77 } },
        device: { id: 3, uniqueId: 'tag-1' } } });
      await call('post', '/v1/traccar', { token: desk, body: '{}', expectStatus: 400 });
      const tst = Math.floor(Date.parse(t) / 1000) + 1;
      await call('post', '/v1/owntracks', { token: desk, headers: { 'X-Limit-U': 'anna', 'X-Limit-D': 'phone-2' }, expectStatus: 200,
        body: { _type: 'location', lat: 42.87, lon: 74.59, tst, acc: 8, batt: 80, vel: 0, cog: 0, tid: 'a2' } });
      await call('post', '/v1/owntracks', { headers: { Authorization: `Basic ${Buffer.from(`anna:${desk}`).toString('base64')}`, 'X-Limit-D': 'phone-2' },
        expectStatus: 200, body: { _type: 'transition', tst } });
      await call('post', '/v1/owntracks', { headers: { Authorization: `Basic ${Buffer.from('anna:sa_wrong').toString('base64')}` },
        expectStatus: 401, body: { _type: 'transition', tst } });
      await call('post', '/v1/owntracks', { token: desk, body: '{"_type": 5}', expectStatus: 400 });
      const open = await call('get', '/v1/alerts?state=open&order=KG-7', { token: desk, expectStatus: 200 });
      const violation = open.json.alerts.find((a) => a.kind === 'proximity_violation');
      expect(violation, `no open proximity_violation: ${open.text}`);
      alertId = violation.alert_id;
      await call('get', '/v1/alerts?state=all&limit=1', { token: desk, expectStatus: 200 });
      await call('get', '/v1/alerts', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/alerts?state=sideways', { token: desk, expectStatus: 400 });
      await call('get', '/v1/events/stream?from=0', { token: desk, expectStatus: 200, stream: 1 });
      await call('get', '/v1/events?stream=message', { token: auditor, expectStatus: 200, stream: 1 });
      await call('get', '/v1/events/stream?from=soon', { token: desk, expectStatus: 400 });
      await call('get', '/v1/devices', { token: desk, expectStatus: 200 });
      await call('get', '/v1/devices?sort=attention&limit=1', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/devices?sort=sideways', { token: desk, expectStatus: 400 });
      await call('get', '/v1/devices/tag-1', { token: desk, expectStatus: 200 });
      await call('get', '/v1/devices/tag-1', { token: auditor, expectStatus: 200 });
      await call('get', '/v1/devices/nobody', { token: desk, expectStatus: 404 });
      await call('post', `/v1/alerts/${alertId}/ack`, { token: desk, body: { note: 'patrol sent' }, expectStatus: 200 });
      await call('post', `/v1/alerts/${alertId}/ack`, { token: desk, body: '[]', expectStatus: 400 });
      await call('post', '/v1/alerts/0000000000000000/ack', { token: desk, body: {}, expectStatus: 404 });
      await call('post', `/v1/alerts/${alertId}/ack`, { token: auditor, body: {}, expectStatus: 403 });
      await call('get', `/v1/alerts/${alertId}`, { token: desk, expectStatus: 200 });
      await call('get', `/v1/alerts/${alertId}`, { token: auditor, expectStatus: 200 });
      await call('get', '/v1/alerts/0000000000000000', { token: desk, expectStatus: 404 });
      await call('get', `/v1/alerts/${alertId}/evidence`, { token: desk, expectStatus: 200 });
      await call('get', '/v1/alerts/0000000000000000/evidence', { token: desk, expectStatus: 404 });
    },
  },
  {
    name: "the protected person's app",
    body: async () => {
      const mine = await call('get', '/v1/me/alerts', { token: her, expectStatus: 200 });
      const told = mine.json.alerts.find((a) => a.alert_id === alertId);
      expect(told, `her list lacks ${alertId}: ${mine.text}`);
      await call('get', '/v1/me/alerts?state=open&limit=5', { token: her, expectStatus: 200 });
      await call('get', '/v1/me/alerts?state=sideways', { token: her, expectStatus: 400 });
      await call('get', '/v1/me/events?from=0', { token: her, expectStatus: 200, stream: 1 });
      await call('get', '/v1/me/events?from=x', { token: her, expectStatus: 400 });
      const receipt = { event_seq: Number(told.seq), shown_at: now() };
      await call('post', `/v1/me/alerts/${alertId}/receipt`, { token: her, body: receipt, expectStatus: 200 });
      await call('post', `/v1/me/alerts/${alertId}/receipt`, { token: her, body: receipt, expectStatus: 409 });
      await call('post', '/v1/me/alerts/0000000000000000/receipt', { token: her, body: receipt, expectStatus: 404 });
      await call('post', `/v1/me/alerts/${alertId}/receipt`, { token: her, body: {}, expectStatus: 400 });
      await call('post', '/v1/me/sos', { token: her, body: { no_position: true }, expectStatus: 200 });
      await call('post', '/v1/me/sos', { token: her, body: { device: 'tag-1' }, expectStatus: 400 });
      await call('get', '/v1/me/alerts', { token: desk, expectStatus: 403 });
      await call('get', '/v1/alerts', { token: her, expectStatus: 403 });
    },
  },
  {
    name: 'resolution',
    body: async () => {
      await call('post', `/v1/alerts/${alertId}/resolve`, { token: desk, body: { disposition: 'sideways' }, expectStatus: 400 });
      await call('post', `/v1/alerts/${alertId}/resolve`, { token: desk, body: { disposition: 'patrol_dispatched', note: 'unit 12' }, expectStatus: 200 });
      await call('post', `/v1/alerts/${alertId}/resolve`, { token: desk, body: { disposition: 'other' }, expectStatus: 409 });
      await call('post', '/v1/alerts/0000000000000000/resolve', { token: desk, body: { disposition: 'other' }, expectStatus: 404 });
      await call('get', `/v1/alerts/${alertId}`, { token: desk, expectStatus: 200 });
      // opened, acknowledged, received, resolved, closed: each kind of event in both views.
      await call('get', '/v1/events/stream?from=0', { token: desk, expectStatus: 200, stream: 5 });
      await call('get', '/v1/events?from=0', { token: auditor, expectStatus: 200, stream: 5 });
      await call('get', '/v1/me/events?from=0', { token: her, expectStatus: 200, stream: 3 });
    },
  },
  {
    name: 'device keys',
    body: async () => {
      await call('put', '/v1/devices/tag-9/key', { token: desk, body: { key: 'ab'.repeat(32) }, expectStatus: 200 });
      await call('put', '/v1/devices/tag-9/key', { token: desk, body: '{"key": "short"}', expectStatus: 400 });
      await call('get', '/v1/devices/keyed', { token: desk, expectStatus: 200 });
      await call('delete', '/v1/devices/tag-9/key', { token: desk, expectStatus: 200 });
      await call('delete', '/v1/devices/tag-9/key', { token: desk, expectStatus: 404 });
      await call('get', '/v1/devices/keyed', { token: auditor, expectStatus: 403 });
    },
  },
  {
    name: 'statistics, key rotation',
    body: async () => {
      const from = new Date(Date.now() - 86400000).toISOString();
      const to = new Date(Date.now() + 60000).toISOString();
      await call('get', `/v1/reports/summary?from=${from}&to=${to}`, { token: auditor, expectStatus: 200 });
      await call('get', `/v1/reports/summary?from=${from}&to=${to}&format=csv`, { token: desk, expectStatus: 200 });
      await call('get', `/v1/reports/summary?from=${from}&to=${to}&format=html`, { token: desk, expectStatus: 200 });
      await call('get', `/v1/reports/summary?from=${to}&to=${from}`, { token: desk, expectStatus: 400 });
      await call('get', `/v1/reports/summary?from=${from}&to=${to}`, { token: her, expectStatus: 403 });
      await call('post', '/v1/keys/rotate', { token: desk, expectStatus: 200 });
      const keys = await call('get', '/v1/keys', { expectStatus: 200 });
      expect(keys.json.keys.length === 2 && keys.json.keys[1].endorsement && keys.json.keys[0].retired_at,
        `after a rotation: two keys, the new one endorsed, the old one retired: ${keys.text}`);
      await call('post', '/v1/keys/rotate', { token: auditor, expectStatus: 403 });
    },
  },
  {
    name: 'browser sessions',
    body: async () => {
      const signIn = await call('post', '/v1/session', { body: { token: desk }, expectStatus: 200 });
      const cookie = signIn.headers.get('set-cookie').split(';')[0];
      await call('post', '/v1/session', { body: { token: 'sa_nobody' }, expectStatus: 401 });
      await call('post', '/v1/session', { body: '{}', expectStatus: 400 });
      await call('get', '/v1/session', { cookie, expectStatus: 200 });
      await call('get', '/v1/session', { token: desk, expectStatus: 401 });
      await call('delete', '/v1/session', { cookie, expectStatus: 403 });
      await call('delete', '/v1/session', { cookie, headers: { 'X-CSRF-Token': signIn.json.csrf_token }, expectStatus: 204 });
      await call('get', '/v1/session', { cookie, expectStatus: 401 });
    },
  },
  {
    name: 'every documented operation was exercised',
    body: async () => {
      const missing = [];
      for (const [p, item] of Object.entries(doc.paths)) {
        for (const m of methods) {
          if (!item[m]) continue;
          const statuses = exercised.get(item[m].operationId) || new Set();
          if (![...statuses].some((s) => s < 300)) missing.push(`${item[m].operationId} (${m.toUpperCase()} ${p})`);
        }
      }
      expect(missing.length === 0, `no successful answer validated for: ${missing.join(', ')}`);
      const statuses = [...exercised].map(([op, s]) => `${op} ${[...s].sort().join('/')}`);
      console.log(`validated: ${statuses.join('; ')}`);
    },
  },
  {
    name: 'revoking a credential',
    body: async () => {
      const creds = await call('get', '/v1/credentials', { token: admin, expectStatus: 200 });
      const inspector = creds.json.credentials.find((c) => c.name === 'inspector-1');
      await call('delete', `/v1/credentials/${inspector.id}`, { token: admin, expectStatus: 200 });
      await call('get', '/v1/alerts', { token: auditor, expectStatus: 401 });
    },
  },
];

await runCases(cases, { boundMs: 60_000, cleanup: daemon.stop, dir: daemon.dir });
