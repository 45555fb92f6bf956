// Lease time: epoch ms from performance.timeOrigin + performance.now() (monotonic in a process, comparable across).
export function now(): number {
  return performance.timeOrigin + performance.now();
}
