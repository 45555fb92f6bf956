#!/usr/bin/env node
// npm run demo: uber's whole job on a laptop, offline — local git remotes, 3 sandbox accounts, deploy, parallel tests, report.
// Re-runnable (starts from a clean work folder) and always stops its sandbox, also on failure or Ctrl-C.
// UBER_DEMO_DIR sets the work folder (default: <tmp>/uber-demo); it stays afterwards so the report can be opened.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { changeHandler, createDemoWorkspace, linkTestDeps, UBER_ROOT } from './demo-workspace.mjs';

const work = path.resolve(process.env.UBER_DEMO_DIR || path.join(os.tmpdir(), 'uber-demo'));
const bin = path.join(UBER_ROOT, 'dist', 'bin.js');
const sandboxDir = path.join(work, '.uber', 'sandbox');
const profiles = ['sandbox-1', 'sandbox-2', 'sandbox-3'];
const started = performance.now();
if (!existsSync(bin)) {
  process.stderr.write('uber demo: dist/bin.js is missing; run "npm run demo", which builds uber first.\n');
  process.exit(1);
}
// uber's own colour rule (a TTY, FORCE_COLOR, NO_COLOR), so the demo's headings match uber's output
const { wantsColour } = await import(pathToFileURL(path.join(UBER_ROOT, 'dist', 'ui', 'colour.js')).href);
const bold = (s) => (wantsColour(process.stdout, process.env) ? `\x1b[1m${s}\x1b[22m` : s);
const say = (line = '') => process.stdout.write(`${line}\n`);
const secs = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

// Only this script's own variables decide where uber's AWS calls go: nothing of the user's real AWS setup.
// uber's output goes straight to this script's stdout and stderr, so uber sees the same TTY (or pipe) and decides colour itself.
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
for (const k of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'UBER_PROFILES']) delete env[k];

let child;
let interrupted;
function onSignal(sig) {
  if (interrupted) return;
  interrupted = sig;
  process.stderr.write(`\nuber demo: ${sig}; stopping the current step, then the sandbox.\n`);
  if (child?.pid) process.kill(child.pid, sig); // once: uber cleans up on the first signal
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/** Runs `uber ARGS` in the work folder; resolves to its exit code (and stdout when captured). */
function uber(args, { capture = false } = {}) {
  return new Promise((resolve) => {
    // Its own process group: a Ctrl-C reaches it once, through onSignal, not twice through the terminal.
    child = spawn(process.execPath, [bin, ...args], { cwd: work, env, detached: true, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (b) => (out += b));
    child.on('error', (e) => resolve({ code: 1, out: String(e) }));
    child.on('close', (code, sig) => {
      child = undefined;
      resolve({ code: code ?? (sig ? 130 : 1), out });
    });
  });
}

class StepFailed extends Error {
  constructor(step, code) {
    super(`${step} failed (exit ${code})`);
    this.code = code;
  }
}
async function step(title, args, opts) {
  if (interrupted) throw new StepFailed(title, 130);
  say(`\n${bold(`▶ ${title}`)}   [${secs()}]`);
  say(`  $ uber ${args.join(' ')}`);
  const res = await uber(args, opts);
  if (res.code !== 0 || interrupted) throw new StepFailed(title, interrupted ? 130 : res.code);
  return res;
}

async function main() {
  say(bold('uber demo — sync → deploy into 3 accounts → parallel tests → report, all on this machine, offline'));
  say(`Work folder: ${work} (wiped at the start of each run)`);
  if (existsSync(path.join(sandboxDir, 'server.pid'))) await uber(['sandbox', 'down', '--dir', sandboxDir]); // a previous run killed hard
  rmSync(work, { recursive: true, force: true });

  say(`\n${bold('▶ 1/5 Local git remotes')}   [${secs()}]`);
  const config = await createDemoWorkspace(work);
  say(`  orders (main + feat-x), payments (main), tests (main) in ${path.join(work, 'remotes')}`);
  say(`  config: ${config}`);

  const up = await step('2/5 Start 3 local AWS accounts (dynalite), profiles sandbox-1..3', ['sandbox', 'up', '--accounts', '3'], { capture: true });
  for (const m of up.out.matchAll(/^export (AWS_CONFIG_FILE|AWS_SHARED_CREDENTIALS_FILE)=(.*)$/gm)) env[m[1]] = m[2].replace(/^'|'$/g, '');
  say(up.out.trimEnd().replace(/^/gm, '  '));

  say(`\n  The sandbox has DynamoDB only, so a real "sls deploy" (CloudFormation, S3, Lambda) cannot run here. The demo's`);
  say('  deploy step is templates/demo/deploy-local.mjs: it creates the tables each serverless.yml declares, in the');
  say('  target account. With real AWS accounts, uber.config.yaml would say (it is the default):');
  say('      deploy:\n        command: "sls deploy --stage {stage} --aws-profile {profile}"');
  await step('3/5 Deploy every service on branch feat-x into every account', ['deploy', '--branch', 'feat-x', '--profiles', profiles.join(',')]);
  const changed = await changeHandler(work);
  say(`\n  Each account now records what runs in it (table uber-deploys). Change one handler on feat-x (${changed}),`);
  say('  push it, and deploy again: only orders deploys, into each account; the payments services are "unchanged".');
  await step('3/5 Deploy again: only what changed', ['deploy', '--branch', 'feat-x', '--profiles', profiles.join(',')]);

  linkTestDeps(path.join(work, 'repos', 'tests'));
  await step('4/5 Integration tests in parallel, one account per test', ['test', '--parallel']);

  // uber test has just printed the test run's summary; the report step adds the deploy's (and its waterfall page)
  say(`\n${bold('▶ 5/5 Report')}   [${secs()}]`);
  say('  $ uber report --deploys   (the test summary is above, from uber test)');
  await uber(['report', '--deploys']);
  const reports = path.join(work, '.uber', 'reports');
  say(`\n  Reports: ${reports}`);
  for (const f of ['waterfall.html', 'deploy-waterfall.html', 'junit.xml', 'tests.json']) if (existsSync(path.join(reports, f))) say(`    ${path.join(reports, f)}`);
  say(`  Lease audit: ${path.join(work, '.uber', 'leases', 'audit.jsonl')}`);
}

let code = 0;
try {
  await main();
} catch (e) {
  code = e instanceof StepFailed ? e.code : 1;
  process.stderr.write(`\nuber demo: ${e.message}\n`);
} finally {
  child = undefined;
  const down = await uber(['sandbox', 'down', '--dir', sandboxDir]);
  if (down.code !== 0) code ||= down.code;
}
if (interrupted) code = 130;
say(code === 0 ? `\n${bold('uber demo: done')} in ${secs()}; the sandbox is stopped. Run it again any time: npm run demo` : `\nuber demo: stopped with exit ${code} after ${secs()}; the sandbox is stopped.`);
process.exitCode = code;
