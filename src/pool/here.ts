// Whether a shared-pool holder is a process of this very machine (same kernel boot, same pid namespace) that has died.
import { readFileSync, readlinkSync } from 'node:fs';
import { processGone } from '../lease/owner.js';

function readSpace(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNs = readlinkSync('/proc/self/ns/pid');
    return boot && pidNs ? `${boot}/${pidNs}` : '';
  } catch {
    return ''; // no /proc: a dead holder is only ever known by its lease running out
  }
}

/**
 * This process's pid space: "<boot id>/pid:[<namespace inode>]". Two holders with the same space see the same pids,
 * so one can tell whether the other's process still runs; a hostname cannot (containers share one, pids repeat).
 */
export const SPACE = readSpace();

/** True when the holder ran in this pid space and its process is gone (dead, a zombie, or the pid reused since). */
export function deadHere(h: { readonly space: string; readonly pid: number; readonly pidStart: number | null }): boolean {
  return SPACE !== '' && h.space === SPACE && processGone(h.pid, h.pidStart);
}
