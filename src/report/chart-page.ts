// The page parts of a waterfall: inline CSS and the script that draws the SVG from the embedded JSON.
import { secs } from '../util/format.js';

export const CHART_STYLE = `
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #1d1f23; background: #fff; }
h1 { font-size: 18px; margin: 0 0 6px; }
p.note { margin: 2px 0; color: #444; }
#legend { margin: 10px 0; }
#legend span { display: inline-block; margin-right: 14px; }
#legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border-radius: 2px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .heading { font-weight: 600; font-size: 12px; }
svg .tick { stroke: #e3e5e8; }
svg .lane-bg { fill: #f6f7f9; }
svg .finish { stroke: #1d1f23; stroke-width: 2; stroke-dasharray: 3 2; }
svg rect.bar:hover { stroke: #000; stroke-width: 1; }
svg rect.background { stroke: #9aa0a8; stroke-width: 0.5; }
`;

export const CHART_SCRIPT = `
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var d = JSON.parse(document.getElementById('uber-data').textContent);
  var LABEL = 220, ROW = 18, GAP = 6, HEAD = 22, AXIS = 26;
  var W = Math.max(700, Math.min(1600, (window.innerWidth || 1200) - 40));
  var plotW = W - LABEL - 50;
  var span = d.spanMs > 0 ? d.spanMs : 1;
  function x(ms) { return LABEL + Math.max(0, Math.min(1, ms / span)) * plotW; }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (parent) parent.appendChild(e);
    return e;
  }
  var fmt = ${secs.toString()};
  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  var rows = {};
  d.bars.forEach(function (b) { rows[b.lane] = Math.max(rows[b.lane] || 1, b.row + 1); });
  var groups = [];
  d.lanes.forEach(function (l) { if (groups.indexOf(l.group) < 0) groups.push(l.group); });
  var y = AXIS, heads = [], lanePos = {};
  groups.forEach(function (g) {
    heads.push({ text: g, y: y });
    y += HEAD;
    d.lanes.filter(function (l) { return l.group === g; }).forEach(function (l) {
      var h = (rows[l.id] || 1) * ROW + GAP;
      lanePos[l.id] = { y: y, h: h };
      y += h;
    });
  });
  var H = y + 8;
  var svg = el('svg', { xmlns: NS, width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'data-uber-chart': d.title });
  var step = niceStep(span / 10);
  for (var t = 0; t <= span + 1e-9; t += step) {
    el('line', { class: 'tick', x1: x(t), x2: x(t), y1: AXIS - 6, y2: H }, svg);
    el('text', { x: x(t) + 2, y: AXIS - 10 }, svg).textContent = fmt(t);
  }
  heads.forEach(function (h) { el('text', { class: 'heading', x: 4, y: h.y + 15 }, svg).textContent = h.text; });
  d.lanes.forEach(function (l) {
    var p = lanePos[l.id];
    el('rect', { class: 'lane-bg', x: LABEL, y: p.y, width: plotW, height: p.h - GAP / 2 }, svg);
    var label = el('text', { x: 12, y: p.y + 13, 'data-lane-label': l.id }, svg);
    label.textContent = l.label.length > 32 ? l.label.slice(0, 31) + '…' : l.label;
    el('title', {}, label).textContent = l.label;
  });
  var ordered = d.bars.filter(function (b) { return b.background; }).concat(d.bars.filter(function (b) { return !b.background; }));
  ordered.forEach(function (b) {
    var p = lanePos[b.lane];
    if (!p) return;
    var wait = b.kind === 'wait' || b.kind === 'backoff';
    var attrs = {
      class: b.background ? 'bar background' : 'bar',
      x: x(b.startMs), y: b.background ? p.y : p.y + b.row * ROW + (wait ? 6 : 1),
      width: Math.max(1, x(b.endMs) - x(b.startMs)), height: b.background ? p.h - GAP / 2 : wait ? 4 : ROW - 3, rx: 2,
      fill: d.colors[b.state] || '#888', 'data-kind': b.kind, 'data-state': b.state, 'data-lane': b.lane,
      'data-start-ms': Math.round(b.startMs), 'data-end-ms': Math.round(b.endMs)
    };
    Object.keys(b.data || {}).forEach(function (k) { attrs['data-' + k] = b.data[k]; });
    var r = el('rect', attrs, svg);
    el('title', {}, r).textContent = b.title;
  });
  d.lanes.forEach(function (l) {
    if (l.finishMs === null || l.finishMs === undefined) return;
    var p = lanePos[l.id];
    var f = el('line', { class: 'finish', x1: x(l.finishMs), x2: x(l.finishMs), y1: p.y - 1, y2: p.y + p.h - GAP / 2 + 1, 'data-finish': l.id }, svg);
    el('title', {}, f).textContent = l.label + ' finished at ' + fmt(l.finishMs);
  });
  var legend = document.getElementById('legend');
  Object.keys(d.colors).forEach(function (k) {
    var s = document.createElement('span');
    var i = document.createElement('i');
    i.style.background = d.colors[k];
    s.appendChild(i);
    s.appendChild(document.createTextNode(k));
    legend.appendChild(s);
  });
  document.getElementById('chart').appendChild(svg);
  document.body.setAttribute('data-rendered-bars', String(d.bars.length));
})();
`;
