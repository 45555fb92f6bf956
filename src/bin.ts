#!/usr/bin/env node
// Entry point: signal handlers first (before any heavy import), then run the CLI; the only place that exits.
import { EXIT, InterruptedError } from './errors.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (sig: NodeJS.Signals): void => {
  signals += 1;
  if (signals === 1) {
    process.stderr.write(`\nuber: ${sig} received; stopping and cleaning up (press Ctrl-C again to force).\n`);
    controller.abort(new InterruptedError(`Interrupted by ${sig}.`));
  } else {
    process.exit(EXIT.interrupted);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// The AWS SDK warns once per process that its 2027 releases need Node 22; uber supports Node 20.19+ and its
// output stays one clear line per problem (the user's own value of the switch wins).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// the bundled command line (scripts/bundle-cli.mjs): same code as ./cli/main.js, a fraction of the modules to load
const cli = new URL('./bundle/main.js', import.meta.url).href;
const { main } = (await import(cli)) as typeof import('./cli/main.js');
const code = await main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = code;
// Output flushes on a natural exit; a stray handle must not keep uber alive after its work is done.
setTimeout(() => process.exit(code), 1500).unref();
