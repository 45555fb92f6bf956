// The one set of text formatters: durations (secs), percentages, aligned plain-text tables; used by reports and messages alike.

/** "1.23 s" below a minute, "2 m 05 s" above. */
export function secs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  // the bounds sit where rounding would carry ("10.00 s", "60.0 s"), so each form keeps its own width
  if (ms < 59_950) return `${(ms / 1000).toFixed(ms < 9_995 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

export function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : '-';
}

export interface TableOptions {
  /** Every column left-aligned (words); by default the columns after the first are right-aligned (figures). */
  readonly left?: boolean;
  /** A rule of '─' under the header and under the last row. */
  readonly rule?: boolean;
}

/** Aligned lines, two spaces between columns, no trailing spaces; the one way uber pads columns. */
export function columns(rows: readonly (readonly string[])[], opts: TableOptions = {}): string[] {
  const n = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: n }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 || opts.left ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** A header and rows as aligned text (no trailing newline): the first column left, the others right unless `left`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const [head = '', ...body] = columns([header, ...rows], opts);
  if (!opts.rule) return [head, ...body].join('\n');
  const all = [header, ...rows];
  const rule = header.map((_, c) => '─'.repeat(Math.max(...all.map((r) => (r[c] ?? '').length)))).join('  ');
  return [head, rule, ...body, rule].join('\n');
}
