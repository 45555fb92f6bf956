// The user's mocha config, honoured: uber passes its own file list, so a "spec" in .mocharc must not add more files.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

interface MochaConfigModule {
  findConfig(cwd?: string): string | null | undefined;
  loadConfig(file: string): Record<string, unknown>;
}

export interface UserMochaConfig {
  /** The rc file found from the test cwd upwards, if any. */
  readonly file: string | undefined;
  readonly spec: string[];
  readonly requires: string[];
  /** The rc sets node's own flags (`node-option`, or a node flag such as `inspect`): mocha's bin then starts another node. */
  readonly nodeFlags: boolean;
}

function arr(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** mocha's rc names (lib/cli/config.cjs CONFIG_FILES); it looks for each in turn from cwd upwards. */
const RC_NAMES = ['.mocharc.cjs', '.mocharc.js', '.mocharc.mjs', '.mocharc.yaml', '.mocharc.yml', '.mocharc.jsonc', '.mocharc.json'];

function anyRcUpwards(cwd: string): boolean {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (RC_NAMES.some((n) => statSync(path.join(dir, n), { throwIfNoEntry: false })?.isFile())) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/**
 * Whether any of these option names (without dashes) makes mocha's bin start another node: `node-option`, or a flag
 * of node's own by mocha's reckoning (lib/cli/node-flags.cjs), such as `inspect` or `enable-source-maps`.
 */
export function someNodeFlag(names: readonly string[]): boolean {
  if (names.length === 0) return false;
  const flags = require('mocha/lib/cli/node-flags.cjs') as { isNodeFlag(this: void, flag: string): boolean };
  return names.some((n) => n === 'node-option' || n === 'n' || flags.isNodeFlag(n));
}

const NO_RC: UserMochaConfig = { file: undefined, spec: [], requires: [], nodeFlags: false };

export function readUserMochaConfig(cwd: string): UserMochaConfig {
  // mocha's own loader (and the YAML parser it pulls in) only when there is an rc to read: most of a cold start
  if (!anyRcUpwards(cwd)) return NO_RC;
  const mod = require('mocha/lib/cli/config.cjs') as MochaConfigModule;
  const file = mod.findConfig(cwd) ?? undefined;
  if (!file) return NO_RC;
  const cfg = mod.loadConfig(file);
  return { file, spec: arr(cfg.spec), requires: arr(cfg.require), nodeFlags: someNodeFlag(Object.keys(cfg)) };
}

/**
 * mocha adds an rc file's "spec" to the files on its command line; when the rc has one, uber hands mocha a copy of
 * the rc without it (`--config <copy>`), so only uber's ordered file list runs. Returns extra mocha args.
 */
export function configArgs(user: UserMochaConfig, runDir: string): string[] {
  if (!user.file || user.spec.length === 0) return [];
  const mod = require('mocha/lib/cli/config.cjs') as MochaConfigModule;
  const cfg = { ...mod.loadConfig(user.file) };
  delete cfg.spec;
  // relative paths in the rc (require, reporter files) keep resolving from the test cwd, where mocha runs
  mkdirSync(runDir, { recursive: true });
  const copy = path.join(runDir, 'mocharc.json');
  writeFileSync(copy, JSON.stringify(cfg));
  return ['--config', copy];
}
