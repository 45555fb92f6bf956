// One deploy attempt: isolate, run the command in the copy, classify how it ended, clean up.
import { classify, type Classification } from '../failure/classify.js';
import type { EnvMode } from '../isolation/env.js';
import { envHint } from '../isolation/env-hint.js';
import { isolate } from '../isolation/isolate.js';
import { run } from '../exec/run.js';
import type { Redactor } from '../redact.js';
import type { RedactedLog } from './log.js';
import type { Pair } from './plan.js';

export interface AttemptOptions {
  readonly pair: Pair;
  readonly attempt: number;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly tempParent: string;
  readonly keepTemp: boolean;
  readonly timeoutMs: number;
  readonly graceMs: number;
  readonly signal: AbortSignal;
  readonly log: RedactedLog;
  readonly redactor: Redactor;
  /** deploy.env ("inherit" when absent). */
  readonly envMode?: EnvMode | undefined;
  /** Receives the removal of the temp copy, which runs off the deploy's slot; the runner awaits it before returning. */
  readonly cleanup: (removal: Promise<void>) => void;
}

export interface AttemptResult {
  readonly verdict: Classification;
  readonly output: string;
  readonly kept?: string | undefined;
}

export async function runAttempt(o: AttemptOptions): Promise<AttemptResult> {
  const { pair } = o;
  let iso;
  try {
    iso = await isolate({
      repoDir: pair.repoDir,
      service: pair.service,
      profile: pair.profile,
      env: o.env,
      cwd: o.cwd,
      parentDir: o.tempParent,
      label: `${pair.profile}-${pair.slug}-${o.attempt}`,
      keep: o.keepTemp,
      envMode: o.envMode,
    });
  } catch (e) {
    const output = `uber could not prepare the isolated copy of ${pair.repoDir}: ${(e as Error).message}`;
    o.log.note(output);
    return { verdict: { class: 'permanent', rule: 'isolation', lowerConcurrency: false }, output };
  }
  try {
    o.log.note(`=== attempt ${o.attempt}: ${pair.argv.join(' ')}  (in ${iso.cwd}, HOME=${iso.home})`);
    const res = await run(pair.argv, { cwd: iso.cwd, env: iso.env, signal: o.signal, timeoutMs: o.timeoutMs, graceMs: o.graceMs, output: o.log });
    const verdict = classify(res);
    const why = res.reason === 'exit' ? `exit ${res.exitCode}` : res.reason === 'signal' ? `signal ${res.signal}` : res.reason;
    o.log.note(`=== attempt ${o.attempt} ended: ${why}${res.errorMessage ? ` (${res.errorMessage})` : ''} after ${Math.round(res.durationMs)} ms → ${verdict.class} (${verdict.rule})`);
    const hint = verdict.rule === 'unresolved-variable' ? await envHint({ output: res.output, serviceDir: iso.cwd, parent: o.env, child: iso.env, mode: o.envMode }) : undefined;
    if (hint) o.log.note(hint);
    const output = [res.output, res.errorMessage, hint].filter(Boolean).join('\n');
    return { verdict, output: o.redactor.redact(output), kept: o.keepTemp ? iso.root : undefined };
  } finally {
    o.cleanup(iso.dispose());
  }
}
