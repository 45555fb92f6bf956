// The id every machine of one run shares (--run-id; on CircleCI the workflow id and the job name), naming its queue.
import { UsageError } from '../errors.js';

const ID = /^[\w.:@+=-]{1,200}$/;

export function queueRunId(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) {
    if (!ID.test(flag)) throw new UsageError('ERR_UBER_QUEUE_RUN_ID', `--run-id "${flag}" is not a run id; use 1-200 letters, digits and _.:@+=- (e.g. --run-id "$CI_PIPELINE_ID").`);
    return flag;
  }
  const workflow = env.CIRCLE_WORKFLOW_ID;
  const job = env.CIRCLE_JOB;
  if (workflow && job) return `${workflow}-${job}`.replace(/[^\w.:@+=-]/g, '_').slice(0, 200);
  throw new UsageError(
    'ERR_UBER_QUEUE_RUN_ID',
    '--queue needs a run id that every machine of the run shares: pass --run-id ID (on CircleCI it defaults to CIRCLE_WORKFLOW_ID and CIRCLE_JOB).',
  );
}
