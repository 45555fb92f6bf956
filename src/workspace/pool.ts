// Runs async jobs with at most N at once, in order of the input; stops starting new ones once the signal aborts.

/** Maps items through `fn` with bounded concurrency; results keep the input order. Items not started before an abort are left undefined. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, signal: AbortSignal, fn: (item: T, index: number) => Promise<R>): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  const width = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}
