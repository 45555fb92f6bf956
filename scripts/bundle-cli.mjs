// Bundles the command line (src/cli/main.ts and what it loads) into dist/bundle/: a cold `uber` start resolves and
// links a few chunks instead of ~170 modules. The library API, the mocha plugin and uber/client stay as tsc emits
// them in dist/. The bundle sits one folder below dist/, like dist/cli/, so the paths the code finds from its own
// URL (../../package.json, ../mocha/plugin.js, ../../templates) are the same from either.
import { build } from 'esbuild';

await build({
  entryPoints: { main: new URL('../src/cli/main.ts', import.meta.url).pathname },
  outdir: new URL('../dist/bundle', import.meta.url).pathname,
  bundle: true,
  splitting: true, // each command's module stays a lazy chunk
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // loaded where they are installed: the AWS SDK and listr2 (large, loaded by few commands), mocha (whose files
  // uber resolves: its bin and config loader), and packages that find their own files at run time
  external: ['@aws-sdk/*', '@smithy/*', 'mocha', 'mocha/*', 'dynalite', 'proper-lockfile', 'listr2', 'simple-git', 'tsx', 'tsx/*'],
  // bundled CommonJS packages (commander, yaml) call require() for node's own modules
  banner: { js: "import { createRequire as uberCreateRequire } from 'node:module'; const require = uberCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
