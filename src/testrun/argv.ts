// The mocha command line uber runs: mocha's own --parallel, uber's plugin, tsx for TypeScript, the user's extras.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UserMochaConfig } from './mocharc.js';
import { configArgs, someNodeFlag } from './mocharc.js';

const require = createRequire(import.meta.url);
const TS = /\.(ts|cts|mts|tsx)$/;

export function mochaBin(): string {
  return path.join(path.dirname(require.resolve('mocha/package.json')), 'bin', 'mocha.js');
}

/** One of uber's modules in src/mocha/, from wherever this module runs (dist/ as .js, src/ as .ts under tsx). */
export function mochaModule(name: string): string {
  const self = fileURLToPath(import.meta.url);
  return path.join(path.dirname(self), '..', 'mocha', `${name}${path.extname(self)}`);
}

/** uber's root-hook plugin. */
export function pluginPath(): string {
  return mochaModule('plugin');
}

export interface ArgvInput {
  readonly files: readonly string[];
  readonly jobs: number;
  readonly reporter: string | undefined;
  readonly extra: readonly string[];
  readonly userRc: UserMochaConfig;
  readonly runDir: string;
  /** From wantsColour (src/ui/colour.ts): always passed as --color or --no-color, so mocha never guesses (its
   * picocolors turns colour on for a pipe when CI or FORCE_COLOR=0 is set). */
  readonly color: boolean;
  /** Workers started before the plan run (src/mocha/warm.ts): each first takes the plan's environment (src/mocha/adopt.ts). */
  readonly warm?: boolean;
}

export function mochaArgv(i: ArgvInput): string[] {
  const plugin = pluginPath();
  const needTsx = (TS.test(plugin) || i.files.some((f) => TS.test(f))) && !i.userRc.requires.some((r) => r === 'tsx' || r.includes('/tsx/'));
  const tsx = require.resolve('tsx');
  return [
    mochaBin(),
    '--parallel',
    '--jobs',
    String(i.jobs),
    ...configArgs(i.userRc, i.runDir),
    // mocha loads the requires in this order, and the user's (from their rc) after these
    ...(i.warm ? ['--require', mochaModule('adopt')] : []),
    ...(needTsx ? ['--require', tsx] : []),
    '--require',
    plugin,
    ...(i.reporter ? ['--reporter', i.reporter] : []),
    i.color ? '--color' : '--no-color',
    // mocha runs --jobs 1 serially, where `.only` would silently skip every other test: refuse it as its parallel mode does
    ...(i.jobs < 2 ? ['--forbid-only'] : []),
    ...i.extra,
    ...i.files,
  ];
}

/** Mocha options after `--` that can keep mocha off this process's parallel pool: serial, watch, another rc or package file. */
const OTHER_RUN = new Set(['no-parallel', 'jobs', 'j', 'watch', 'w', 'config', 'package', 'no-config', 'no-package']);

/**
 * Whether mocha will take the workers started before the plan (src/mocha/warm.ts): not when its bin starts another
 * node for node's own flags (`node-option`, or a node flag such as `inspect`, in the user's rc or after `--`), and
 * not when the arguments after `--` may make it run otherwise. (Unused early workers only cost their start-up.)
 */
export function earlyWorkersUsable(userRc: UserMochaConfig, extra: readonly string[]): boolean {
  if (userRc.nodeFlags || extra.includes('inspect')) return false;
  const names = extra.filter((a) => a.startsWith('-')).map((a) => a.replace(/^--?/, '').split('=')[0]!);
  return !names.some((n) => OTHER_RUN.has(n)) && !someNodeFlag(names);
}
