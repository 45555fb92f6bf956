// Signals a whole process group: every child uber starts leads its own group, so this reaches grandchildren too.

/** Signals a process group (falling back to the process alone); a group already gone is not an error. */
export function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}
