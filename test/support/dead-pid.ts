// A pid that belonged to a process which has exited: what tests plant as a dead holder, owner or deployer.
import { spawnSync } from 'node:child_process';

/** The pid of a node process that ran and exited (reused only after the kernel wraps around its pid range). */
export function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}
