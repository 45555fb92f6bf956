// Runs git (argv only, never a shell; through simple-git where its results or progress serve, else uber's runner) with a non-interactive env, the run's signal, and git's own message on failure.
import { GitPluginError, simpleGit, type SimpleGit } from 'simple-git';
import { adopt, adoptMark, sentinelEnv } from '../exec/adopt.js';
import { run, type RunResult } from '../exec/run.js';
import type { Ctx } from '../context.js';
import { redactText } from '../redact.js';

type GitCtx = Pick<Ctx, 'env' | 'signal'>;

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

/** SIGTERM to SIGKILL for every git child. */
const GRACE_MS = 3000;

/**
 * Runs `git ...args` in cwd. Never throws for a git failure: the result says what happened.
 * On exec/run.ts, not simple-git, for the commands simple-git has no parsed result for (ls-remote, rev-list's counts,
 * check-ref-format, diff --name-only) and the ones that only act (merge, switch, update-ref, remote set-branches):
 * its raw() would hand back the same text, so moving them would replace no parser and cost node ~1.3 ms of CPU more a
 * call (see repoGit) on every repo of every sync.
 */
export async function git(args: readonly string[], cwd: string, ctx: GitCtx): Promise<GitResult> {
  // Registered with uber's sentinel like every child: a clone or fetch does not outlive a killed uber.
  const res: RunResult = await run(['git', ...args], { cwd, env: gitEnv(ctx.env), signal: ctx.signal, graceMs: GRACE_MS });
  const ok = res.reason === 'exit' && res.exitCode === 0;
  return { ok, out: res.output.trim(), raw: res.output, exitCode: res.exitCode, cancelled: res.reason === 'cancelled' || (res.reason === 'spawn-error' && ctx.signal.aborted) };
}

/** Runs git and returns its output, or throws a GitError carrying git's own message. */
export async function gitOk(args: readonly string[], cwd: string, ctx: GitCtx): Promise<string> {
  const res = await git(args, cwd, ctx);
  if (!res.ok) throw new GitError(args, res, ctx.env);
  return res.out;
}

/** A git command that failed; message is git's own words (fatal/error lines), credentials removed. */
export class GitError extends Error {
  override readonly name = 'GitError';
  readonly cancelled: boolean;
  readonly exitCode: number | undefined;
  constructor(args: readonly string[], res: GitResult, env: NodeJS.ProcessEnv) {
    super(gitMessage(args, res, env));
    this.cancelled = res.cancelled;
    this.exitCode = res.exitCode;
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

/** One progress report of a clone or fetch: git's stage ("receiving", "resolving", ...) and how far it is. */
export interface GitProgress {
  readonly stage: string;
  readonly percent: number;
  readonly processed: number;
  readonly total: number;
}

const PROGRESS_LINE = /^([\s\S]+?):\s*(\d+)% \((\d+)\/(\d+)\)/;

/** Every progress update in a chunk of git's stderr, in order ("Receiving objects:  45% (450/1000)" → receiving 45%). */
export function progressIn(chunk: string): GitProgress[] {
  const out: GitProgress[] = [];
  for (const line of chunk.split(/[\r\n]+/)) {
    const m = PROGRESS_LINE.exec(line);
    // the stage as simple-git names it: the first word, lower case ("remote:" for the server's)
    if (m) out.push({ stage: m[1]!.trim().toLowerCase().split(' ', 1)[0]!, percent: Number(m[2]), processed: Number(m[3]), total: Number(m[4]) });
  }
  return out;
}

/**
 * simple-git refuses to run when the env names a program git may start (GIT_SSH_COMMAND, GIT_ASKPASS, EDITOR, PAGER,
 * GIT_CONFIG_*...), even empty. That guards against an untrusted env; here it is the user's own (what plain `git`
 * would see) plus gitEnv's no-prompt settings, so those env checks are allowed. Its checks of the *arguments*
 * (`--upload-pack`, `-c core.sshCommand=`...), which a repo URL or branch name could reach, stay on.
 */
const TRUSTED_ENV = {
  allowUnsafeAskPass: true,
  allowUnsafeSshCommand: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeEditor: true,
  allowUnsafePager: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeDiffExternal: true,
} as const;

/** How a git run by simple-git ended: its exit code and what it wrote (read only when the call fails). */
interface Ended {
  readonly exitCode: number;
  readonly stdErr: readonly Buffer[];
  readonly stdOut: readonly Buffer[];
}

/** An ended git's output, stderr first, for its message. */
const outputOf = (ended: Ended): string => Buffer.concat([...ended.stdErr, ...ended.stdOut]).toString('utf8');

/** A folder's simple-git client: its calls run one after another, each with git()'s guarantees. */
export interface RepoGit {
  /**
   * Runs one simple-git call: gitEnv's no-prompt env; argv only, its argument checks on; git leads its own process
   * group, as with run(), which exec/adopt.ts registers with the sentinel, signals on abort (simple-git's abort plugin
   * also stops the call at once) and kills after git exits; a failure becomes GitError with git's own words. `label`
   * names the command in messages. `onProgress` gets git's progress (clone, fetch: pass `--progress`); only on a
   * client made with `progress`.
   */
  call<T>(label: readonly string[], fn: (g: SimpleGit) => Promise<T>, opts?: { onProgress?: ((p: GitProgress) => void) | undefined }): Promise<T>;
}

/**
 * One simple-git client for `cwd`, kept for all of a repo's calls. Node's CPU a call, measured on this 2-core box
 * (median of 9 rounds of 40, in one process): one clone's inspection (status and HEAD) on run() 8.32 ms, through a
 * kept client 9.88 ms, through a new client per call 11.28 ms (its plugin store, scheduler and loggers, built and thrown
 * away each time); `git status` alone 7.71 ms on run(), 9.01 ms through a client. What remains is simple-git's own
 * (a `debug` logger built for each task and step, its plugin chain); it was ~5 ms a call while exec/adopt.ts used an
 * AsyncLocalStorage (see there). So the client keeps its chain short: git's stdin is /dev/null, not the pipe
 * simple-git opens and never writes (0.4-0.8 ms a call, measured: one more socket pair and stream per child; nor can
 * git ever wait on it); git's output is copied into a message only when the call fails; and the progress plugin and
 * the stderr reader are added only to a client made with `progress` (the live rows' clone or fetch).
 * `GIT_OPTIONAL_LOCKS=0`: its status never refreshes the index of a clone someone may be working in (fetch and clone
 * take no optional locks).
 */
export function repoGit(cwd: string, ctx: GitCtx, opts: { readonly progress?: boolean | undefined } = {}): RepoGit {
  // what the current call's git did, and where its progress goes: one call at a time (the chain below)
  const now: { ended?: Ended | undefined; onProgress?: ((p: GitProgress) => void) | undefined } = {};
  let chain: Promise<unknown> = Promise.resolve();
  let client: SimpleGit | undefined;
  const mark = adoptMark(); // the client's children carry it: adopt() knows them by it
  const make = (): SimpleGit => {
    const made = simpleGit({
      baseDir: cwd,
      binary: 'git',
      maxConcurrentProcesses: 1,
      trimmed: false,
      // done when git's output has closed, as run() waits for it: by default simple-git also gives up 50 ms after git
      // exits, and on a loaded machine that loses output not yet read (an ls-remote seen as empty)
      completion: { onClose: true, onExit: false },
      abort: ctx.signal,
      unsafe: TRUSTED_ENV,
      // the plugin puts --progress where git reads it; the updates are read below, every one (the plugin reports only
      // the first of each chunk of git's stderr, and on a loaded machine a chunk holds many: the row stood still)
      ...(opts.progress ? { progress: () => undefined } : {}),
      // simple-git lets a failing git pass when it wrote nothing on stderr: any exit but 0 fails here
      errors: (error, result) => {
        const ended = (now.ended = result);
        return error ?? (result.exitCode !== 0 ? Buffer.from(outputOf(ended) || `exit code ${result.exitCode}`) : undefined);
      },
    }).env({ ...gitEnv(ctx.env), ...sentinelEnv(), ...mark.env, GIT_OPTIONAL_LOCKS: '0' });
    if (!opts.progress) return made;
    return made.outputHandler((_command, _stdout, stderr) => {
      stderr.on('data', (chunk: Buffer) => {
        const to = now.onProgress;
        if (to) for (const p of progressIn(chunk.toString('utf8'))) to(p);
      });
    });
  };
  const once = async <T>(label: readonly string[], fn: (g: SimpleGit) => Promise<T>, progress: ((p: GitProgress) => void) | undefined): Promise<T> => {
    now.ended = undefined;
    now.onProgress = progress;
    try {
      client ??= make(); // here, so a missing folder is a GitError like git's own failures
      const g = client;
      return await adopt(mark, { signal: ctx.signal, graceMs: GRACE_MS, stdin: 'ignore' }, () => fn(g));
    } catch (e) {
      const cancelled = ctx.signal.aborted;
      // a refusal by simple-git itself (an unsafe argument, a missing folder) before git ran: its own words
      const ended = now.ended as Ended | undefined; // set by the errors plugin while git ran
      const out = ended && !(e instanceof GitPluginError) ? outputOf(ended) : e instanceof Error ? e.message : String(e);
      throw new GitError(label, { ok: false, out: out.trim(), raw: out, exitCode: ended?.exitCode, cancelled }, ctx.env);
    } finally {
      now.onProgress = undefined;
    }
  };
  return {
    call(label, fn, callOpts = {}) {
      if (callOpts.onProgress && !opts.progress) throw new Error('repoGit: progress needs a client made with { progress: true }');
      const next = chain.then(() => once(label, fn, callOpts.onProgress));
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
