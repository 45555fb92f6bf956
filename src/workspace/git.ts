// Runs one git command (argv only, never a shell) with a non-interactive env, the run's signal, and git's own message on failure.
import { run, type RunResult } from '../exec/run.js';
import type { Ctx } from '../context.js';
import { redactText } from '../redact.js';

export interface GitResult {
  readonly ok: boolean;
  /** Combined stdout+stderr, trimmed. */
  readonly out: string;
  /** The same, untrimmed (for formats where leading spaces matter). */
  readonly raw: string;
  readonly exitCode: number | undefined;
  readonly cancelled: boolean;
}

/** The env every git child gets: no terminal prompt, no askpass program, ssh in batch mode, stable output. */
export function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', GCM_INTERACTIVE: 'never' };
  delete out.GIT_DIR;
  delete out.GIT_WORK_TREE;
  delete out.GIT_INDEX_FILE;
  if (!env.GIT_SSH_COMMAND && !env.GIT_SSH) out.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes -o ConnectTimeout=30';
  return out;
}

/** Runs `git ...args` in cwd. Never throws for a git failure: the result says what happened. */
export async function git(args: readonly string[], cwd: string, ctx: Pick<Ctx, 'env' | 'signal'>): Promise<GitResult> {
  // Registered with uber's sentinel like every child: a clone or fetch does not outlive a killed uber.
  const res: RunResult = await run(['git', ...args], { cwd, env: gitEnv(ctx.env), signal: ctx.signal, graceMs: 3000 });
  const ok = res.reason === 'exit' && res.exitCode === 0;
  return { ok, out: res.output.trim(), raw: res.output, exitCode: res.exitCode, cancelled: res.reason === 'cancelled' || (res.reason === 'spawn-error' && ctx.signal.aborted) };
}

/** Runs git and returns its output, or throws a GitError carrying git's own message. */
export async function gitOk(args: readonly string[], cwd: string, ctx: Pick<Ctx, 'env' | 'signal'>): Promise<string> {
  const res = await git(args, cwd, ctx);
  if (!res.ok) throw new GitError(args, res, ctx.env);
  return res.out;
}

/** A git command that failed; message is git's own words (fatal/error lines), credentials removed. */
export class GitError extends Error {
  override readonly name = 'GitError';
  readonly cancelled: boolean;
  constructor(args: readonly string[], res: GitResult, env: NodeJS.ProcessEnv) {
    super(gitMessage(args, res, env));
    this.cancelled = res.cancelled;
  }
}

/** Picks git's own explanation from its output: the fatal/error lines, else the last line. */
export function gitMessage(args: readonly string[], res: GitResult, env: NodeJS.ProcessEnv): string {
  if (res.cancelled) return `git ${args[0] ?? ''} was cancelled`;
  const lines = res.out.split(/\r?\n|\r/).map((l) => l.trim()).filter(Boolean);
  const said = lines.filter((l) => /^(fatal|error|ERROR):/.test(l));
  const text = (said.length > 0 ? said.join(' ') : (lines.at(-1) ?? `git ${args[0] ?? ''} exited with code ${res.exitCode ?? '?'}`)).replace(/:\/\/[^/@\s]*@/g, '://***@');
  return redactText(text, env);
}
