// The alert's map, drawn as SVG without any map library: both people's recent tracks
// and positions with their uncertainty circles, the order's zones, the warning and
// violation rings around the protected person, and a scale bar. By default on a plain
// background (works offline); with the centre's tile_url, under its tiles. Positions are
// projected with Web Mercator, as tile servers are.
import { s } from './dom.js';
import { t, formatMetres } from './i18n.js';

const WIDTH = 800;
const HEIGHT = 600;
const EARTH_CIRCUMFERENCE_M = 40075016.686;

// Web Mercator in [0, 1] x [0, 1].
function project(lat, lon) {
  const phi = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
  return { x: (lon + 180) / 360, y: (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2 };
}
// World units per metre at latitude `lat`.
function unitsPerMetre(lat) {
  return 1 / (EARTH_CIRCUMFERENCE_M * Math.cos((lat * Math.PI) / 180));
}
// Points of a circle of `radius_m` metres around lat/lon (for the bounding box).
function circleBox(lat, lon, radius) {
  const centre = project(lat, lon);
  const r = radius * unitsPerMetre(lat);
  return [{ x: centre.x - r, y: centre.y - r }, { x: centre.x + r, y: centre.y + r }];
}

function hasPosition(report) {
  return report && !report.withheld && typeof report.lat === 'number' && typeof report.lon === 'number';
}

// What to draw, from the alert's events (oldest first) and the order (may be null).
export function mapLayers(events, order) {
  const tracks = { supervised: [], protected: [] };
  for (const event of events) {
    for (const role of ['supervised', 'protected']) {
      const report = event[role];
      if (!hasPosition(report)) continue;
      const list = tracks[role];
      const last = list[list.length - 1];
      if (last && last.lat === report.lat && last.lon === report.lon && last.time === report.time) continue;
      list.push(report);
    }
  }
  const zones = [];
  for (const zone of (order && order.zones) || []) {
    if (zone.redacted) continue;
    if (zone.circle && typeof zone.circle.lat === 'number') {
      zones.push({ id: zone.id, kind: zone.kind, circle: zone.circle, buffer: zone.buffer_m || 0 });
    } else if (zone.geometry && Array.isArray(zone.geometry.coordinates)) {
      const polygons = zone.geometry.type === 'MultiPolygon' ? zone.geometry.coordinates : [zone.geometry.coordinates];
      zones.push({ id: zone.id, kind: zone.kind, polygons });
    }
  }
  const last = events.length ? events[events.length - 1] : null;
  const violation = (order && order.violation_distance_m) || (last && last.kind === 'proximity_violation' ? last.limit_m : 0) || 0;
  const warning = (order && order.warning_distance_m) || 0;
  return { tracks, zones, violation, warning };
}

// The SVG element, labelled "Map" (aria-label), with a text description for screen readers.
export function drawMap(layers, { tileUrl = '' } = {}) {
  const svg = s('svg', {
    class: 'map', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': t('map'),
    'aria-describedby': 'map-description', tabindex: '0',
  });
  const points = [];
  const { tracks, zones } = layers;
  const protectedNow = tracks.protected[tracks.protected.length - 1] || null;
  const supervisedNow = tracks.supervised[tracks.supervised.length - 1] || null;
  for (const role of ['supervised', 'protected']) {
    for (const p of tracks[role]) points.push(...circleBox(p.lat, p.lon, p.accuracy_m || 0));
  }
  if (protectedNow) {
    for (const r of [layers.violation, layers.warning]) if (r > 0) points.push(...circleBox(protectedNow.lat, protectedNow.lon, r));
  }
  for (const zone of zones) {
    if (zone.circle) points.push(...circleBox(zone.circle.lat, zone.circle.lon, zone.circle.radius_m + zone.buffer));
    for (const polygon of zone.polygons || []) for (const ring of polygon) for (const [lon, lat] of ring) points.push(project(lat, lon));
  }
  if (points.length === 0) {
    svg.append(s('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', text: t('map_no_positions') }));
    return svg;
  }
  let minX = Math.min(...points.map((p) => p.x));
  let maxX = Math.max(...points.map((p) => p.x));
  let minY = Math.min(...points.map((p) => p.y));
  let maxY = Math.max(...points.map((p) => p.y));
  const centreLat = protectedNow?.lat ?? supervisedNow?.lat ?? 0;
  const minSpan = 200 * unitsPerMetre(centreLat);  // at least 200 m across
  const spanX = Math.max(maxX - minX, minSpan);
  const spanY = Math.max(maxY - minY, minSpan);
  const scale = Math.min((WIDTH * 0.85) / spanX, (HEIGHT * 0.85) / spanY);  // px per unit
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const toPx = (lat, lon) => {
    const p = project(lat, lon);
    return { x: WIDTH / 2 + (p.x - cx) * scale, y: HEIGHT / 2 + (p.y - cy) * scale };
  };
  const metresPx = (m, lat) => m * unitsPerMetre(lat) * scale;

  if (tileUrl) svg.append(tiles(tileUrl, scale, cx, cy));

  const zoneLayer = s('g', { class: 'zones' });
  for (const zone of zones) {
    const label = s('title', { text: t('zone_title', { id: zone.id, kind: t(`zone_kind_${zone.kind || 'exclusion'}`) }) });
    if (zone.circle) {
      const c = toPx(zone.circle.lat, zone.circle.lon);
      zoneLayer.append(s('circle', { class: `zone ${zone.kind || ''}`, cx: c.x, cy: c.y, r: metresPx(zone.circle.radius_m, zone.circle.lat) }, label));
    } else {
      for (const polygon of zone.polygons) {
        const d = polygon.map((ring) => `M${ring.map(([lon, lat]) => { const p = toPx(lat, lon); return `${p.x.toFixed(1)},${p.y.toFixed(1)}`; }).join('L')}Z`).join('');
        zoneLayer.append(s('path', { class: `zone ${zone.kind || ''}`, d, 'fill-rule': 'evenodd' }, label));
      }
    }
  }
  svg.append(zoneLayer);

  if (protectedNow) {
    const c = toPx(protectedNow.lat, protectedNow.lon);
    for (const [kind, r] of [['warning', layers.warning], ['violation', layers.violation]]) {
      if (!(r > 0)) continue;
      svg.append(s('circle', { class: `ring ${kind}`, cx: c.x, cy: c.y, r: metresPx(r, protectedNow.lat) },
        s('title', { text: t(`ring_${kind}`, { distance: formatMetres(r) }) })));
    }
  }
  for (const role of ['protected', 'supervised']) {
    const list = tracks[role];
    if (list.length === 0) continue;
    if (list.length > 1) {
      svg.append(s('polyline', { class: `track ${role}`, points: list.map((p) => { const q = toPx(p.lat, p.lon); return `${q.x.toFixed(1)},${q.y.toFixed(1)}`; }).join(' ') }));
    }
    const now = list[list.length - 1];
    const c = toPx(now.lat, now.lon);
    svg.append(s('circle', { class: `uncertainty ${role}`, cx: c.x, cy: c.y, r: Math.max(metresPx(now.accuracy_m || 0, now.lat), 1) }));
    svg.append(s('circle', { class: `pos ${role}`, cx: c.x, cy: c.y, r: 6 },
      s('title', { text: t(`person_${role}`) + ` (±${formatMetres(now.accuracy_m || 0)})` })));
  }

  // Scale bar: a round length near a fifth of the width.
  const metresPerPx = 1 / (unitsPerMetre(centreLat) * scale);
  const target = (WIDTH / 5) * metresPerPx;
  const magnitude = 10 ** Math.floor(Math.log10(target));
  const length = [1, 2, 5, 10].map((k) => k * magnitude).filter((v) => v <= target).pop() || magnitude;
  const lengthPx = length / metresPerPx;
  svg.append(s('g', { class: 'scale', 'aria-label': t('scale_bar', { distance: formatMetres(length) }) },
    s('line', { x1: 20, y1: HEIGHT - 20, x2: 20 + lengthPx, y2: HEIGHT - 20 }),
    s('line', { x1: 20, y1: HEIGHT - 26, x2: 20, y2: HEIGHT - 14 }),
    s('line', { x1: 20 + lengthPx, y1: HEIGHT - 26, x2: 20 + lengthPx, y2: HEIGHT - 14 }),
    s('text', { x: 20, y: HEIGHT - 32, text: formatMetres(length) })));
  return svg;
}

// Tiles of the centre's tile server under the layers, at the zoom nearest the view's.
function tiles(template, scale, cx, cy) {
  const group = s('g', { class: 'tiles', 'aria-hidden': 'true' });
  const zoom = Math.max(0, Math.min(19, Math.floor(Math.log2(scale / 256))));
  const n = 2 ** zoom;
  const size = scale / n;  // px per tile
  const x0 = Math.floor((cx - WIDTH / 2 / scale) * n);
  const x1 = Math.floor((cx + WIDTH / 2 / scale) * n);
  const y0 = Math.floor((cy - HEIGHT / 2 / scale) * n);
  const y1 = Math.floor((cy + HEIGHT / 2 / scale) * n);
  for (let x = x0; x <= x1; ++x) {
    for (let y = Math.max(0, y0); y <= Math.min(n - 1, y1); ++y) {
      const href = template.replace('{z}', zoom).replace('{x}', ((x % n) + n) % n).replace('{y}', y);
      group.append(s('image', { href, x: WIDTH / 2 + (x / n - cx) * scale, y: HEIGHT / 2 + (y / n - cy) * scale, width: size + 0.5, height: size + 0.5 }));
    }
  }
  return group;
}
