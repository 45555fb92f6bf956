// A tiny supervisor between uber and each child: it dies with its process group when uber itself is gone.
//
// run() starts `node -e WATCHDOG <uberPid> cmd ...args` as a process-group leader. The watchdog spawns the
// command in the same group, forwards SIGTERM/SIGINT/SIGHUP, mirrors the child's exit code or signal, and
// polls its parent: when uber was killed (even with SIGKILL) the parent changes, and the watchdog terminates
// the whole group (SIGTERM, then SIGKILL after a grace period). Plain JS so it runs without a build step.
export const WATCHDOG_SOURCE = String.raw`
const { spawn } = require('node:child_process');
const [parent, cmd, ...args] = process.argv.slice(1);
const grace = Number(process.env.UBER_WATCHDOG_GRACE_MS || 3000);
const child = spawn(cmd, args, { stdio: 'inherit' });
child.on('error', (e) => { process.stderr.write('uber: cannot start ' + cmd + ': ' + (e.code || e.message) + '\n'); process.exit(127); });
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => { try { child.kill(s); } catch {} });
let orphaned = false;
const poll = setInterval(() => {
  if (orphaned || process.ppid === Number(parent)) return;
  orphaned = true;
  try { process.kill(-process.pid, 'SIGTERM'); } catch {}
  setTimeout(() => { try { process.kill(-process.pid, 'SIGKILL'); } catch {} }, grace).unref();
}, 250);
child.on('exit', (code, sig) => {
  clearInterval(poll);
  if (sig) { process.removeAllListeners(sig); process.kill(process.pid, sig); setTimeout(() => process.exit(128), 200); }
  else process.exit(code ?? 0);
});
`;

/** argv that runs `argv` under the watchdog, supervised by this process. */
export function watched(argv: readonly string[]): string[] {
  return [process.execPath, '-e', WATCHDOG_SOURCE, String(process.pid), ...argv];
}
