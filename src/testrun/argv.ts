// The mocha command line uber runs: mocha's own --parallel, uber's plugin, tsx for TypeScript, the user's extras.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UserMochaConfig } from './mocharc.js';
import { configArgs } from './mocharc.js';

const require = createRequire(import.meta.url);
const TS = /\.(ts|cts|mts|tsx)$/;

export function mochaBin(): string {
  return path.join(path.dirname(require.resolve('mocha/package.json')), 'bin', 'mocha.js');
}

/** uber's root-hook plugin, from wherever this module runs (dist/ as .js, src/ as .ts under tsx). */
export function pluginPath(): string {
  const self = fileURLToPath(import.meta.url);
  return path.join(path.dirname(self), '..', 'mocha', `plugin${path.extname(self)}`);
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
