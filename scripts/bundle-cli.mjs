// Bundles what starts on the path to a first test: the command line (src/cli/main.ts and what it loads) into
// dist/bundle/, and uber's mocha plugin (src/mocha/plugin.ts, which every mocha worker loads) over its tsc output in
// dist/mocha/. A cold start then resolves and links a few chunks instead of dozens of modules. The library API and
// uber/client stay as tsc emits them. The CLI bundle sits one folder below dist/, like dist/cli/, so the paths the
// code finds from its own URL (../../package.json, ../mocha/plugin.js, ../../templates) are the same from either.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// bundled CommonJS packages (commander, yaml, proper-lockfile) call require() for node's own modules
const banner = { js: "import { createRequire as uberCreateRequire } from 'node:module'; const require = uberCreateRequire(import.meta.url);" };

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
  banner,
  logLevel: 'warning',
});

// proper-lockfile's default fs is graceful-fs, which clones and patches node's fs as it loads (~8 ms of CPU in every
// worker); the lease store always hands proper-lockfile its own fs (src/lease/lockfs.ts), so in the plugin that
// default is node's fs itself
const nodeFsForGracefulFs = {
  name: 'graceful-fs-is-fs',
  setup(b) {
    b.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'node:fs', external: true }));
  },
};

// The plugin: one file for what every worker loads, and lazy chunks for the lease store (lock files and
// proper-lockfile bundled in) and the shared pool. `uber/mocha` names this same file, so a user's .mocharc that
// requires it loads the one module uber passes to mocha. Measured per worker: ~100 ms of CPU less on a trivial suite.
await build({
  entryPoints: { plugin: new URL('../src/mocha/plugin.ts', import.meta.url).pathname },
  outdir: new URL('../dist/mocha', import.meta.url).pathname,
  chunkNames: 'plugin-chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  allowOverwrite: true,
  // mocha is the one the worker already runs (its CommonJS entry, through require); the AWS SDK loads only for a
  // shared pool, where it is installed
  external: ['@aws-sdk/*', '@smithy/*', 'mocha', 'mocha/*'],
  plugins: [nodeFsForGracefulFs],
  banner,
  logLevel: 'warning',
});
// tsc's source map describes the file the bundle replaced
rmSync(new URL('../dist/mocha/plugin.js.map', import.meta.url), { force: true });
