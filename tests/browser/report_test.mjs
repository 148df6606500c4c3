// The evidence report (report.html) printed on A4, as a court clerk would: a real stayawayd
// records an approach from 8.4 km to 135 m under an order in Asia/Bishkek with two
// protected persons and two named zones, an operator acknowledges the alert, `stayaway
// evidence` writes the bundle and `stayaway verify` accepts it. Debian's chromium then
// opens report.html with print media at A4's printable width (180 mm, 680 CSS px) and
// prints it to PDF: the page count is sane, nothing is wider than the page, and what a
// reader needs is there as printed text (a legend entry per protected person, the distance
// axis, the thresholds' full labels, the scale bar, the north arrow, the zone names, times
// in UTC and Asia/Bishkek, readable fix sources, a timeline numbered 1..n).
// Run by ctest (report_browser_test).
//
//   STAYAWAYD=build/daemon/stayawayd [STAYAWAY=build/tools/stayaway] node tests/browser/report_test.mjs [--pdf OUT.pdf]
//
// --pdf writes the printed PDF there, and report.html beside it (OUT.html).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { apiClient, expect, loadChromium, runCases, startDaemon } from './harness.mjs';

const args = process.argv.slice(2);
const pdfOut = args.includes('--pdf') ? path.resolve(args[args.indexOf('--pdf') + 1]) : null;
const stayawayd = process.env.STAYAWAYD || 'build/daemon/stayawayd';
const stayaway = process.env.STAYAWAY || path.join(path.dirname(path.resolve(stayawayd)), '../tools/stayaway');

// A4 inside the report's 15 mm margins, in CSS px (96 per inch).
const A4_CONTENT_WIDTH = Math.floor(((210 - 30) / 25.4) * 96);  // 680

const VICTIM = { lat: 42.8743, lon: 74.6123 };
const CHILD = { lat: 42.8800, lon: 74.6190 };
const metresPerDegreeLon = 111320 * Math.cos((VICTIM.lat * Math.PI) / 180);
// The tag's distance east of her, minute by minute: in from 8.4 km to 135 m, then away.
const APPROACH = [8400, 7600, 6800, 6000, 5200, 4400, 3600, 2900, 2200, 1600, 1100, 800, 600, 480,
  400, 330, 260, 200, 160, 135, 150, 210, 320, 450, 600, 900, 1300, 1800];

const browser = await loadChromium();
const daemon = await startDaemon('report', '[engine]\nproximity_violation = { confirm_fixes = 1 }\n');
const http = apiClient(daemon.base);
let stopped = false;

async function issue(body) {
  const reply = await http(daemon.adminToken, 'POST', '/v1/credentials', body);
  if (reply.status !== 201) throw new Error(`credential ${body.name}: ${reply.status} ${reply.text}`);
  return reply.json.token;
}

const bundle = path.join(daemon.dir, 'bundle');
let page = null;

async function recordAndBundle() {
  const operator = await issue({ name: 'operator-7', roles: ['operator'] });
  const gateway = await issue({ name: 'gateway', roles: ['ingest'], devices: ['*'] });
  const order = await http(daemon.adminToken, 'POST', '/v1/orders', {
    id: 'KG-16', version: 1, case_reference: 'Bishkek City Court 2-1616/2025',
    issuing_authority: 'Pervomaisky District Court of Bishkek', valid_from: '2020-01-01T00:00:00Z',
    time_zone: 'Asia/Bishkek',
    supervised: { id: 'p1', devices: ['tag-1'] },
    protected: [{ id: 'p2', devices: ['phone-2'], relation: 'victim' }, { id: 'p3', devices: ['phone-3'], relation: 'child' }],
    violation_distance_m: 300, warning_distance_m: 500,
    zones: [
      { id: 'home', name: "Victim's home", kind: 'exclusion', buffer_m: 50,
        geometry: { type: 'Polygon', coordinates: [[[74.6118, 42.8740], [74.6128, 42.8740], [74.6128, 42.8746], [74.6118, 42.8746], [74.6118, 42.8740]]] } },
      { id: 'school', name: 'School No. 61', kind: 'exclusion', circle: { lat: 42.8805, lon: 74.6195, radius_m: 120 } },
    ],
  });
  expect(order.status === 201, `order: ${order.status} ${order.text}`);
  const start = Date.now() - (APPROACH.length + 5) * 60_000;
  const fixes = [];
  APPROACH.forEach((east, i) => {
    const time = new Date(start + i * 60_000);
    fixes.push({ device: 'phone-2', seq: i + 1, time: new Date(time - 20_000).toISOString(), lat: VICTIM.lat, lon: VICTIM.lon, accuracy_m: 10 });
    fixes.push({ device: 'phone-3', seq: i + 1, time: new Date(time - 10_000).toISOString(), lat: CHILD.lat, lon: CHILD.lon, accuracy_m: 15, source: 'wifi' });
    fixes.push({ device: 'tag-1', seq: i + 1, time: time.toISOString(), lat: VICTIM.lat, lon: VICTIM.lon + east / metresPerDegreeLon, accuracy_m: 6 });
  });
  const posted = await http(gateway, 'POST', '/v1/fixes', fixes);
  expect(posted.status === 200 && posted.json.rejected === 0, `fixes: ${posted.status} ${posted.text.slice(0, 2000)}`);
  const alerts = await http(operator, 'GET', '/v1/alerts?state=all');
  const list = alerts.json.alerts || alerts.json;
  // One alert: the warning that escalated to a violation and eased off again.
  const violation = list.find((a) => a.order_id === 'KG-16' && a.rule === 'proximity:p1:p2') || list[0];
  expect(violation, `no alert: ${alerts.text}`);
  const acked = await http(operator, 'POST', `/v1/alerts/${violation.alert_id}/ack`, { note: 'patrol sent' });
  expect(acked.status === 200, `ack: ${acked.status} ${acked.text}`);
  await daemon.stop();  // signs a checkpoint on the way out
  stopped = true;
  execFileSync(stayaway, ['evidence', '--data-dir', path.join(daemon.dir, 'data'), '--alert', violation.alert_id, '--out', bundle]);
  const verified = execFileSync(stayaway, ['verify', bundle], { encoding: 'utf8' });
  expect(verified.includes('VERIFIED'), `verify: ${verified}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
  expect(manifest.report_format === 'stayaway-report-2', `manifest report_format: ${manifest.report_format}`);
}

async function openPrinted() {
  const context = await browser.newContext({ viewport: { width: A4_CONTENT_WIDTH, height: 1100 } });
  page = await context.newPage();
  await page.emulateMedia({ media: 'print' });
  await page.goto(`file://${path.join(bundle, 'report.html')}`);
}

async function nothingIsClipped() {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [];
    for (const element of document.querySelectorAll('body *')) {
      // Inside an SVG the SVG's own box is what prints; its children are clipped to it.
      if (element.closest('svg') && element.tagName.toLowerCase() !== 'svg') continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.left < -0.5 || box.right > width + 0.5) {
        wide.push(`${element.tagName.toLowerCase()}.${element.getAttribute('class') || ''} ${Math.round(box.left)}..${Math.round(box.right)}`);
      }
    }
    // Text inside each SVG stays inside that SVG.
    for (const svg of document.querySelectorAll('svg')) {
      const frame = svg.getBoundingClientRect();
      for (const text of svg.querySelectorAll('text')) {
        const box = text.getBoundingClientRect();
        if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 || box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5) {
          wide.push(`text "${text.textContent}" outside its svg.${svg.getAttribute('class')}`);
        }
      }
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, wide };
  });
  expect(overflow.width === A4_CONTENT_WIDTH, `the page is ${overflow.width} px wide, not ${A4_CONTENT_WIDTH}`);
  expect(overflow.scrollWidth <= overflow.width, `the document scrolls sideways: ${overflow.scrollWidth} > ${overflow.width}`);
  expect(overflow.wide.length === 0, `beyond the printable width: ${overflow.wide.slice(0, 8).join('; ')}`);
}

async function printsOnA4() {
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  if (pdfOut) {  // for a person to look at: the PDF and the page it was printed from
    fs.writeFileSync(pdfOut, pdf);
    fs.copyFileSync(path.join(bundle, 'report.html'), pdfOut.replace(/\.pdf$/, '') + '.html');
  }
  expect(pages >= 2 && pages <= 12, `the PDF has ${pages} pages`);
  const size = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  expect(size && Math.abs(Number(size[1]) - 595.3) < 2 && Math.abs(Number(size[2]) - 841.9) < 2, `not A4: ${size && size[0]}`);
}

async function saysWhatAReaderNeeds() {
  const found = await page.evaluate(() => {
    const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent.trim());
    return {
      legend: texts('svg.distance-chart text.legend-person'),
      yAxis: texts('svg.distance-chart g.y-axis text'),
      chart: texts('svg.distance-chart text'),
      scale: texts('svg.map g.scale-bar text'),
      north: texts('svg.map g.north-arrow text'),
      zones: texts('svg.map text.zone-name'),
      mapLegend: document.querySelector('.map-legend')?.textContent || '',
      note: document.querySelector('.time-note')?.textContent || '',
      zone: document.querySelector('td.time-zone')?.textContent || '',
      numbers: texts('table.timeline td.n'),
      timeline: document.querySelector('table.timeline')?.textContent || '',
      sources: [...document.querySelectorAll('table.fixes tbody tr')].map((row) => row.lastElementChild.textContent),
      body: document.body.innerText,
      closest: (() => {
        const circle = document.querySelector('svg.distance-chart circle.closest');
        const axis = document.querySelector('svg.distance-chart g.y-axis line[stroke="#000"]');
        return circle && axis ? { cy: Number(circle.getAttribute('cy')), top: Number(axis.getAttribute('y1')), bottom: Number(axis.getAttribute('y2')) } : null;
      })(),
    };
  });
  for (const person of ['p2 (victim)', 'p3 (child)']) {
    expect(found.legend.includes(person), `no legend entry for ${person}: ${found.legend}`);
    expect(found.mapLegend.includes(person), `the map's legend lacks ${person}: ${found.mapLegend}`);
  }
  expect(found.yAxis.includes('0 m') && found.yAxis.some((t) => /^\d+ m$/.test(t) && t !== '0 m'), `no distance axis: ${found.yAxis}`);
  expect(found.yAxis.includes('distance between the persons'), `no axis title: ${found.yAxis}`);
  const topTick = Math.max(...found.yAxis.map((t) => (/^([\d.]+) (m|km)$/.exec(t) || [])).filter((m) => m.length).map((m) => Number(m[1]) * (m[2] === 'km' ? 1000 : 1)));
  expect(topTick >= 500 && topTick <= 1500, `the distance axis runs to ${topTick} m, not to the episode's scale`);
  for (const label of ['violation distance 300 m', 'warning distance 500 m']) {
    expect(found.chart.includes(label), `threshold label "${label}" missing: ${found.chart}`);
  }
  expect(found.chart.some((t) => t.startsWith('closest approach 135 m (p2) at ')), `closest approach not marked: ${found.chart}`);
  const { cy, top, bottom } = found.closest || {};
  expect(found.closest && cy > top + 0.5 * (bottom - top) && cy < bottom - 0.05 * (bottom - top), `the closest approach sits at ${cy} in ${top}..${bottom}`);
  expect(found.chart.some((t) => t.includes('Asia/Bishkek')), 'the time axis does not name the zone');
  expect(found.scale.length === 2 && /^\d+(\.\d+)? (m|km)$/.test(found.scale[1]), `scale bar: ${found.scale}`);
  expect(found.north.includes('N'), `north arrow: ${found.north}`);
  for (const zone of ["Victim's home (exclusion zone)", 'School No. 61 (exclusion zone)']) {
    expect(found.zones.includes(zone), `zone name "${zone}" not printed on the map: ${found.zones}`);
  }
  expect(found.note.includes('UTC') && found.note.includes('Asia/Bishkek'), `time note: ${found.note}`);
  expect(found.zone === 'Asia/Bishkek', `order time zone row: ${found.zone}`);
  expect(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/.test(found.timeline), 'the timeline has no UTC times');
  expect(/\d\d:\d\d:\d\d \+06:00/.test(found.timeline), 'the timeline has no Asia/Bishkek times');
  expect(found.numbers.length >= 2 && found.numbers.every((n, i) => n === String(i + 1)), `timeline numbers: ${found.numbers}`);
  expect(found.timeline.includes('operator-7: patrol sent'), 'the acknowledgement is not in the timeline');
  expect(found.sources.includes('GNSS (not stated)') && found.sources.includes('Wi-Fi'), `sources: ${[...new Set(found.sources)]}`);
  expect(!found.body.includes('source_unspecified') && !found.body.includes('_'), 'an enum name is printed raw');
}

await runCases([
  { name: 'a recorded approach gives a bundle that verifies', body: recordAndBundle },
  { name: 'report.html opens with print media at the A4 width', body: openPrinted },
  { name: 'nothing is wider than the printable A4 width', body: nothingIsClipped },
  { name: 'it prints to a sane number of A4 pages', body: printsOnA4 },
  { name: 'it says what a reader needs, as printed text', body: saysWhatAReaderNeeds },
], {
  boundMs: 60_000,
  dir: daemon.dir,
  cleanup: async () => {
    await browser.close();
    if (!stopped) await daemon.stop();
  },
});
