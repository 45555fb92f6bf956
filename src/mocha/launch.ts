// mocha's command line, started before uber knows what to run: mocha's modules load while uber plans (both cores
// busy, not one after the other), and so do the workers uber expects to need (src/mocha/warm.ts). The plan arrives
// as one JSON line on stdin — mocha's argv, the environment's changes, the folder — and mocha then runs exactly as
// `mocha <argv>` would there. Nothing on stdin: exit quietly.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyPlan, type WarmPlan } from './adopt.js';
import { startWarmWorkers } from './warm.js';

/** What uber sends once it has planned (src/testrun/early.ts): mocha's argv, and the plan the early workers take too. */
export interface LaunchPlan extends WarmPlan {
  readonly argv: string[];
  /** Whether mocha's parallel runner in this process may take the workers started early (false: stop them). */
  readonly warm: boolean;
}

const [bin, colour, workers = '0', planFile = ''] = process.argv.slice(2);
if (!bin || !colour) throw new Error('usage: launch.js <path to mocha/bin/mocha.js> --color|--no-color [<workers to start now> <their plan file>]');
// mocha's colours are decided as its modules load, from argv: the flag uber will pass is there from the start
process.argv = [process.execPath, bin, colour];
const lib = path.join(path.dirname(bin), '..', 'lib');
// the workers first: their start-up is the longest on the way to a first test
const started = Number(workers) > 0 && planFile ? startWarmWorkers(lib, Number(workers), planFile) : undefined;
// mocha's CLI and core, warm before the plan comes (a failure here shows again when the bin loads below)
const warm = import(pathToFileURL(path.join(lib, 'cli', 'cli.js')).href).catch(() => undefined);
// and its parallel mode (the runner, workerpool), which it would otherwise load only once it has the plan
try {
  createRequire(bin)(path.join(lib, 'nodejs', 'parallel-buffered-runner.cjs'));
} catch {
  // another mocha layout: it loads what it needs itself
}

let text = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) text += chunk as string;
await warm;
if (text.trim() === '') {
  await started?.drop();
  process.exit(0); // uber did not need mocha after all (a usage error, nothing to run)
}
const plan = JSON.parse(text) as LaunchPlan;
if (plan.warm) started?.plan({ set: plan.set, unset: plan.unset, cwd: plan.cwd });
else await started?.drop();
applyPlan(plan);
process.argv = [process.execPath, bin, ...plan.argv];
await import(pathToFileURL(bin).href);
