// Who this process is, as other machines see it: user@host, or the CircleCI workflow, job and container.
import os from 'node:os';

/** user@host, for the record of who deployed (or leased). */
export function machine(env: NodeJS.ProcessEnv): string {
  let user = env.USER ?? env.LOGNAME;
  try {
    user ??= os.userInfo().username;
  } catch {
    user ??= 'unknown';
  }
  return `${user}@${os.hostname()}`;
}

/** "circleci workflow 1a2b3c4d/test #2 pid 12" on CircleCI, else "ann@laptop pid 12". */
export function whoAmI(env: NodeJS.ProcessEnv, pid: number = process.pid): string {
  const wf = env.CIRCLE_WORKFLOW_ID;
  if (wf) return `circleci workflow ${wf.slice(0, 8)}/${env.CIRCLE_JOB ?? 'job'} #${env.CIRCLE_NODE_INDEX ?? '0'} (${os.hostname()}) pid ${pid}`;
  return `${machine(env)} pid ${pid}`;
}
