// Distance over time for a proximity alert, as SVG: the distance with its lower and upper
// bounds as a band, and the warning and violation thresholds as lines.
import { s } from './dom.js';
import { t, formatMetres, parseTime } from './i18n.js';

const WIDTH = 800;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

export function distanceSeries(events) {
  const points = [];
  for (const event of events) {
    if (typeof event.distance_m !== 'number') continue;
    const time = parseTime(event.time) ?? parseTime(event.detected_at);
    if (time === null) continue;
    points.push({
      time, distance: event.distance_m,
      lower: event.distance_lower_m ?? event.distance_m, upper: event.distance_upper_m ?? event.distance_m,
    });
  }
  return points.sort((a, b) => a.time - b.time);
}

export function drawChart(points, { violation = 0, warning = 0, formatTick }) {
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': t('distance_chart') });
  if (points.length === 0) {
    svg.append(s('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', text: t('chart_no_distances') }));
    return svg;
  }
  const t0 = points[0].time;
  const t1 = Math.max(points[points.length - 1].time, t0 + 60000);
  const maxY = Math.max(...points.map((p) => p.upper), violation, warning, 10) * 1.1;
  const x = (time) => PAD.left + ((time - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (m) => HEIGHT - PAD.bottom - (Math.max(0, m) / maxY) * (HEIGHT - PAD.top - PAD.bottom);
  svg.append(s('line', { class: 'axis', x1: PAD.left, y1: HEIGHT - PAD.bottom, x2: WIDTH - PAD.right, y2: HEIGHT - PAD.bottom }));
  svg.append(s('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: HEIGHT - PAD.bottom }));
  for (const fraction of [0, 0.5, 1]) {
    const m = maxY * fraction;
    svg.append(s('text', { x: PAD.left - 6, y: y(m) + 4, 'text-anchor': 'end', text: formatMetres(m) }));
  }
  svg.append(s('text', { x: PAD.left, y: HEIGHT - 8, text: formatTick(t0) }));
  svg.append(s('text', { x: WIDTH - PAD.right, y: HEIGHT - 8, 'text-anchor': 'end', text: formatTick(t1) }));
  const band = points.map((p) => `${x(p.time).toFixed(1)},${y(p.upper).toFixed(1)}`)
    .concat([...points].reverse().map((p) => `${x(p.time).toFixed(1)},${y(p.lower).toFixed(1)}`));
  svg.append(s('polygon', { class: 'band', points: band.join(' ') }));
  svg.append(s('polyline', { class: 'series', points: points.map((p) => `${x(p.time).toFixed(1)},${y(p.distance).toFixed(1)}`).join(' ') }));
  for (const p of points) svg.append(s('circle', { cx: x(p.time), cy: y(p.distance), r: 3 }));
  for (const [kind, m] of [['warning', warning], ['violation', violation]]) {
    if (!(m > 0)) continue;
    svg.append(s('line', { class: `threshold ${kind}`, x1: PAD.left, x2: WIDTH - PAD.right, y1: y(m), y2: y(m) }));
    svg.append(s('text', { x: WIDTH - PAD.right - 4, y: y(m) - 4, 'text-anchor': 'end', text: t(`ring_${kind}`, { distance: formatMetres(m) }) }));
  }
  return svg;
}
