// Retry delays: exponential backoff with full jitter (a random wait in [0, min(cap, base·2^n)]).

export interface BackoffOptions {
  readonly baseMs?: number | undefined;
  readonly capMs?: number | undefined;
  /** Returns a number in [0, 1); swapped in tests. */
  readonly random?: (() => number) | undefined;
}

export const DEFAULT_BASE_MS = 2000;
export const DEFAULT_CAP_MS = 60_000;

/** Yields one delay per retry, for ever; the caller decides how many retries it takes. */
export function* backoff(opts: BackoffOptions = {}): Generator<number, never> {
  const base = opts.baseMs ?? DEFAULT_BASE_MS;
  const cap = opts.capMs ?? DEFAULT_CAP_MS;
  const random = opts.random ?? Math.random;
  for (let n = 0; ; n += 1) {
    const ceiling = Math.min(cap, base * 2 ** Math.min(n, 30));
    yield Math.floor(random() * ceiling);
  }
}
