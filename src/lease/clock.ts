// Lease time: epoch ms on a monotonic clock, calibrated per process so that times from different processes compare.
//
// performance.timeOrigin pairs a wall-clock sample with a monotonic one taken at process start; a process preempted
// between the two (a busy CI box) carries an offset error of many milliseconds for its whole life, which made the
// audit report overlaps that never happened. Calibrating at the instant Date.now() ticks over removes that error.
function calibrate(): number {
  let best = -Infinity;
  for (let i = 0; i < 3; i += 1) {
    const d0 = Date.now();
    let d1 = Date.now();
    while (d1 === d0) d1 = Date.now();
    const p = performance.now();
    // preemption between the two reads only makes this smaller, so the largest estimate is the best one
    best = Math.max(best, d1 - p);
  }
  return best;
}

const ORIGIN = calibrate();

/** Epoch ms (sub-ms precision), monotonic within this process and comparable across processes on one host. */
export function now(): number {
  return ORIGIN + performance.now();
}
