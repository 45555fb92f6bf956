// Splits a suite across CI containers: files by timing history (LPT), profiles disjointly.
import { UsageError } from '../errors.js';
import { timingKey, type Timings } from '../timings/timings.js';
import { median } from '../util/median.js';

/** `index` is 1-based: 1..total. */
export interface Shard {
  index: number;
  total: number;
}

function badShard(text: string, why: string): UsageError {
  return new UsageError('ERR_UBER_SHARD_INVALID', `Shard "${text}" is not valid (${why}); use --shard i/n with 1 <= i <= n, e.g. --shard 2/4.`);
}

/** Parses "i/n"; a UsageError for anything else. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw badShard(text, 'expected two whole numbers as i/n');
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 1) throw badShard(text, 'the total must be at least 1');
  if (index < 1 || index > total) throw badShard(text, `the index must be between 1 and ${total}`);
  return { index, total };
}

/** CircleCI's CIRCLE_NODE_INDEX (0-based) and CIRCLE_NODE_TOTAL; undefined when either is unset. */
export function shardFromEnv(env: NodeJS.ProcessEnv): Shard | undefined {
  const i = env.CIRCLE_NODE_INDEX;
  const n = env.CIRCLE_NODE_TOTAL;
  if (i === undefined || i === '' || n === undefined || n === '') return undefined;
  if (!/^\d+$/.test(i.trim()) || !/^\d+$/.test(n.trim())) {
    throw new UsageError('ERR_UBER_SHARD_INVALID', `CIRCLE_NODE_INDEX="${i}" and CIRCLE_NODE_TOTAL="${n}" are not a valid shard; unset them or pass --shard i/n.`);
  }
  return parseShard(`${Number(i) + 1}/${Number(n)}`);
}

/** A file's size in bytes: the estimate of last resort, when no file has a history yet. */
export type SizeOf = (file: string) => number;

/** Expected time per file: its history, else the median of the files that have one, else (none has) its size. */
export function estimateFiles(files: readonly string[], timings: Timings | undefined, sizeOf?: SizeOf): Map<string, number> {
  const known = new Map<string, number>();
  for (const f of files) {
    const t = timings?.files[timingKey(f)] ?? timings?.files[f];
    if (t) known.set(f, t.ms);
  }
  if (known.size === 0 && sizeOf) return new Map(files.map((f) => [f, sizeOf(f)]));
  const fallback = median([...known.values()]) ?? 1;
  return new Map(files.map((f) => [f, known.get(f) ?? fallback]));
}

/** Longest expected first; ties by path so every container computes the same order. */
export function orderLongestFirst(files: readonly string[], timings: Timings | undefined, sizeOf?: SizeOf): string[] {
  const unique = [...new Set(files)];
  const est = estimateFiles(unique, timings, sizeOf);
  return unique.sort((a, b) => (est.get(b) ?? 0) - (est.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Every shard's files (LPT: longest first onto the least-loaded shard, lowest index on ties). */
export function planShards(files: readonly string[], timings: Timings | undefined, total: number, sizeOf?: SizeOf): { files: string[]; ms: number }[] {
  const est = estimateFiles(files, timings, sizeOf);
  const bins = Array.from({ length: total }, () => ({ files: [] as string[], ms: 0 }));
  for (const f of orderLongestFirst(files, timings, sizeOf)) {
    let best = bins[0];
    for (const b of bins) if (best === undefined || b.ms < best.ms) best = b;
    if (!best) break;
    best.files.push(f);
    best.ms += est.get(f) ?? 0;
  }
  return bins;
}

/** This shard's files, longest first; the union over all shards is the suite, each file once. */
export function assignFiles(files: readonly string[], timings: Timings | undefined, shard: Shard, sizeOf?: SizeOf): string[] {
  return planShards(files, timings, shard.total, sizeOf)[shard.index - 1]?.files ?? [];
}

/** This shard's profiles: contiguous, disjoint blocks whose sizes differ by at most one. */
export function assignProfiles(profiles: readonly string[], shard: Shard): string[] {
  const unique = [...new Set(profiles)];
  if (unique.length < shard.total) {
    throw new UsageError(
      'ERR_UBER_SHARD_PROFILES',
      `${shard.total} shards need at least ${shard.total} profiles but only ${unique.length} are available (${unique.join(', ') || 'none'}); add profiles or lower the parallelism.`,
    );
  }
  const base = Math.floor(unique.length / shard.total);
  const extra = unique.length % shard.total;
  const i = shard.index - 1;
  const start = i * base + Math.min(i, extra);
  return unique.slice(start, start + base + (i < extra ? 1 : 0));
}
