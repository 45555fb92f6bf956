// One deploy's isolated place: a temp copy of the repo, a fresh HOME (0700), its own TMPDIR and env; disposable.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyRepo } from './copy.js';
import { childEnv, type EnvMode } from './env.js';

export interface IsolateOptions {
  /** The original repo folder. */
  readonly repoDir: string;
  /** The service folder relative to the repo ("." for the root). */
  readonly service: string;
  readonly profile: string;
  /** The parent env; deploy.env decides which of it the deploy sees (src/isolation/env.ts). */
  readonly env: NodeJS.ProcessEnv;
  /** Resolves relative AWS file paths in env. */
  readonly cwd: string;
  /** Where the temp dir goes; defaults to os.tmpdir(). */
  readonly parentDir?: string | undefined;
  /** A short readable name for the temp dir. */
  readonly label?: string | undefined;
  readonly keep?: boolean | undefined;
  /** deploy.env: which of the parent's variables the deploy sees. */
  readonly envMode?: EnvMode | undefined;
}

export interface Isolation extends AsyncDisposable {
  readonly root: string;
  /** The copy of the repo. */
  readonly workDir: string;
  /** Where the deploy command runs: the service folder inside the copy. */
  readonly cwd: string;
  readonly home: string;
  readonly env: Record<string, string>;
  dispose(): Promise<void>;
}

/** node_modules/.bin folders from the service folder up to the copy's root, nearest first (like npx). */
export function binDirs(workDir: string, cwd: string): string[] {
  const out: string[] = [];
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules', '.bin');
    if (existsSync(bin)) out.push(bin);
    if (dir === workDir || path.dirname(dir) === dir) break;
  }
  return out;
}

/**
 * SSO profiles keep their login token in ~/.aws/sso/cache, found through HOME; the fresh HOME links that one
 * folder (only it) so `aws sso login` done once still works. Nothing else of the real HOME is reachable.
 */
async function linkSsoCache(env: NodeJS.ProcessEnv, home: string): Promise<void> {
  const sso = path.join(env.HOME ?? os.homedir(), '.aws', 'sso');
  if (!existsSync(sso)) return;
  await mkdir(path.join(home, '.aws'), { mode: 0o700 });
  await symlink(sso, path.join(home, '.aws', 'sso'), 'dir');
}

const safe = (s: string): string => s.replace(/[^\w.-]+/g, '-').slice(0, 60);

/** Prepares the isolated copy. dispose() removes it (unless keep), also after a failed prepare. */
export async function isolate(opts: IsolateOptions): Promise<Isolation> {
  const parent = opts.parentDir ?? os.tmpdir();
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(path.join(parent, `${safe(opts.label ?? 'deploy')}-`));
  const dispose = async (): Promise<void> => {
    if (!opts.keep) await rm(root, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const workDir = path.join(root, 'repo');
    const home = path.join(root, 'home');
    const tmpDir = path.join(root, 'tmp');
    await Promise.all([copyRepo(opts.repoDir, workDir), mkdir(home, { mode: 0o700 }), mkdir(tmpDir, { mode: 0o700 })]);
    await chmod(home, 0o700); // mkdir's mode is masked by the umask
    await linkSsoCache(opts.env, home);
    const cwd = path.resolve(workDir, opts.service);
    const env = childEnv(opts.env, { profile: opts.profile, home, tmpDir, cwd: opts.cwd, binDirs: binDirs(workDir, cwd), mode: opts.envMode });
    return { root, workDir, cwd, home, env, dispose, [Symbol.asyncDispose]: dispose };
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
}
