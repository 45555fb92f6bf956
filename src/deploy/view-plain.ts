// The CI view of a deploy: one plain line per state change, on stderr.
import type { Ctx } from '../context.js';
import type { Redactor } from '../redact.js';
import { secs } from '../util/format.js';
import type { DeployEvent } from './events.js';
import { serviceName, verdictText } from './format.js';
import type { DeployView } from './view.js';

export function plainView(ctx: Pick<Ctx, 'stderr'>, redactor: Redactor): DeployView {
  const say = (line: string): void => void ctx.stderr.write(`${redactor.redact(line)}\n`);
  return {
    onEvent(e: DeployEvent): void {
      if (e.kind === 'start') say(`deploy ${e.pair.profile} ${serviceName(e.pair)}: attempt ${e.attempt} started`);
      else if (e.kind === 'retry') say(`deploy ${e.pair.profile} ${serviceName(e.pair)}: transient failure (${e.rule}); attempt ${e.attempt} in ${secs(e.delayMs)}`);
      else if (e.kind === 'concurrency') say(`deploy: a deploy died (${e.rule}); running at most ${e.limit} at once from now on`);
      else if (e.kind === 'wait') say(`deploy ${e.profile}: waiting for the account, held by ${e.holder} (up to ${secs(e.timeoutMs)}, deploy.lockTimeout)`);
      else {
        const o = e.outcome;
        const n = o.attempts.length;
        say(`deploy ${o.pair.profile} ${serviceName(o.pair)}: ${verdictText(o)}${n ? ` after ${n} attempt${n === 1 ? '' : 's'} (${secs(o.durationMs)})` : ''}`);
      }
    },
    async finish(): Promise<void> {},
  };
}
