// The waterfall model shared by the test and deploy pages: lanes, bars packed into rows, one HTML file.
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CHART_SCRIPT, CHART_STYLE } from './chart-page.js';

export interface Lane {
  id: string;
  label: string;
  /** Lanes are drawn grouped under this heading ("accounts", "workers", "profiles"). */
  group: string;
  /** Ms from the chart's origin where this lane's work ended; drawn as a finish line. */
  finishMs: number | null;
}

export interface Bar {
  lane: string;
  /** Bars with one item key share a row (e.g. the attempts of one deploy). */
  item: string;
  /** Ms from the chart's origin. */
  startMs: number;
  endMs: number;
  /** What the bar is: test, wait, attempt, deploy. Becomes data-kind. */
  kind: string;
  /** Colour key (passed, failed, pending, ok, transient...). Becomes data-state. */
  state: string;
  /** Hover text (SVG <title>). */
  title: string;
  /** Extra data-* attributes (without the prefix). */
  data?: Record<string, string>;
  /** Drawn behind the other bars across the whole lane height, outside row packing (e.g. a file's span). */
  background?: boolean;
}

export interface Chart {
  title: string;
  /** Lines shown above the chart. */
  notes: string[];
  spanMs: number;
  lanes: Lane[];
  bars: Bar[];
  colors: Record<string, string>;
}

/** Row within its lane for every item, so bars that overlap in time never hide each other. */
export function packRows(bars: readonly Bar[]): Map<string, number> {
  const items = new Map<string, { lane: string; start: number; end: number }>();
  for (const b of bars) {
    if (b.background) continue;
    const key = `${b.lane}\u0000${b.item}`;
    const it = items.get(key);
    if (it) {
      it.start = Math.min(it.start, b.startMs);
      it.end = Math.max(it.end, b.endMs);
    } else items.set(key, { lane: b.lane, start: b.startMs, end: b.endMs });
  }
  const rows = new Map<string, number>();
  const rowEnds = new Map<string, number[]>();
  const sorted = [...items.entries()].sort(([, a], [, b]) => a.start - b.start || a.end - b.end);
  for (const [key, it] of sorted) {
    const ends = rowEnds.get(it.lane) ?? [];
    let row = ends.findIndex((end) => end <= it.start);
    if (row === -1) row = ends.length;
    ends[row] = it.end;
    rowEnds.set(it.lane, ends);
    rows.set(key, row);
  }
  return rows;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A self-contained page: data as JSON, a small script that draws the SVG; no network needed. */
export function chartHtml(chart: Chart): string {
  const rows = packRows(chart.bars);
  const bars = chart.bars.map((b) => ({ ...b, row: rows.get(`${b.lane}\u0000${b.item}`) ?? 0 }));
  const data = JSON.stringify({ ...chart, bars }).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(chart.title)}</title>`,
    `<style>${CHART_STYLE}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(chart.title)}</h1>`,
    ...chart.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    '<div id="legend"></div><div id="chart"></div>',
    '<noscript><p>This page draws its chart with JavaScript; enable it to see the waterfall.</p></noscript>',
    `<script id="uber-data" type="application/json">${data}</script>`,
    `<script>${CHART_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Writes the page atomically; returns the absolute path. */
export function writeChart(chart: Chart, file: string): string {
  const abs = path.resolve(file);
  writeFileAtomic(abs, chartHtml(chart));
  return abs;
}
