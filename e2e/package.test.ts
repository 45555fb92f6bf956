// uber as a team installs it: `npm pack`, install the tarball into a fresh project, then its bin, its API
// (import('uber'): sync, deploy, test, run, doctor; silent, no exit), `uber/client` inside a leased test, and its types.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './support/uber.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SLS = path.join(ROOT, 'test', 'fixtures', 'bin', 'sls');

/** The consumer's API script: every call's outcome as one JSON line on stdout; uber itself must print nothing. */
const API_SCRIPT = `
import * as uber from 'uber';
const env = { ...process.env };
const cwd = process.cwd();
const out = {};
out.exports = Object.keys(uber).sort();
const synced = await uber.sync({ cwd, env, branch: 'main' });
out.sync = synced.map((o) => [o.repo, o.status, o.branch]);
const deployed = await uber.deploy({ cwd, env, branch: 'main', sync: false, profiles: ['p-1', 'p-2'] });
out.deploy = { ok: deployed.ok, pairs: deployed.outcomes.map((o) => [o.pair.profile, o.status]), healthy: Object.keys(deployed.state.profiles) };
const tested = await uber.test({ cwd, env });
out.test = { ok: tested.ok, tests: tested.files.flatMap((f) => f.tests.map((t) => [t.title, t.state, t.profile])) };
const ran = await uber.run({ cwd, env, branch: 'main', profiles: 'p-1,p-2', jobs: 2 });
out.run = {
  ok: ran.ok,
  interrupted: ran.interrupted,
  pairs: ran.deploy.outcomes.map((o) => [o.pair.profile, o.status]),
  accounts: ran.accounts.map((a) => [a.profile, a.state]).sort(),
  tests: ran.tests.files.flatMap((f) => f.tests.map((t) => t.state)),
  phases: ran.times.deployEnd >= ran.times.start && ran.times.testStart >= ran.times.start && ran.times.end >= ran.times.testEnd,
};
try {
  await uber.run({ cwd, env });
} catch (e) {
  out.runNoBranch = [e.name, e.code];
}
try {
  await uber.doctor({ cwd, env, profiles: 'no-such-profile' });
  out.doctor = 'resolved';
} catch (e) {
  out.doctor = [e.name, e.code, e instanceof uber.UsageError];
}
try {
  await uber.deploy({ cwd, env });
} catch (e) {
  out.noBranch = [e.name, e.code];
}
const client = await import('uber/client');
try {
  client.dynamodb();
} catch (e) {
  out.clientOutsideLease = e.message;
}
process.stdout.write(JSON.stringify(out));
`;

/** A spec that uses uber/client from the installed package inside a leased test. */
const SPEC = `
import assert from 'node:assert/strict';
import { currentLease, dynamodb } from 'uber/client';
describe('installed uber/client', () => {
  it('sees the lease and builds a client for its profile', async () => {
    const lease = currentLease();
    assert.equal(lease.profile, process.env.AWS_PROFILE);
    const db = dynamodb();
    assert.equal(await db.config.region(), lease.profile === 'p-1' ? 'eu-west-1' : 'us-east-1');
  });
});
`;

/** A TypeScript consumer: the API's and the client's types resolve through the "types" conditions, and they are not `any`. */
const TS_CONSUMER = `
import { deploy, doctor, run, sync, test, UsageError, type AccountChange, type DeployResult, type RunResult, type SyncOutcome, type TestRunOutcome } from 'uber';
import { clientFor, dynamodb } from 'uber/client';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function typed(): Promise<boolean> {
  const s: SyncOutcome[] = await sync({ branch: 'main' });
  const d: DeployResult = await deploy({ branch: 'main', profiles: ['a'], retries: 1, concurrency: 'auto' });
  const t: TestRunOutcome = await test({ jobs: 2, leaseScope: 'file' });
  const r: RunResult = await run({ branch: 'main', profiles: ['a', 'b'], retries: 1, jobs: 2, leaseScope: 'test', force: true });
  const ready: AccountChange[] = r.accounts.filter((a) => a.state === 'ready');
  const tested: TestRunOutcome | undefined = r.tests;
  const ok: boolean = (await doctor()).ok && d.ok && t.ok && s.length > 0 && r.ok && ready.length > 0 && tested !== undefined;
  // @ts-expect-error uber run has no dry run (it would test nothing)
  await run({ branch: 'main', dryRun: true });
  // @ts-expect-error branch is required
  await deploy({});
  // @ts-expect-error leaseScope is "test" or "file"
  await test({ leaseScope: 'suite' });
  const db: DynamoDBClient = dynamodb();
  const other: DynamoDBClient = clientFor(DynamoDBClient);
  // @ts-expect-error a code outside uber's registry (src/errors/codes.ts)
  void new UsageError('ERR_X', 'x');
  return ok && db === other && new UsageError('ERR_UBER_USAGE', 'x').code === 'ERR_UBER_USAGE';
}
`;

describe('e2e: the packed package, installed into a fresh project', function () {
  this.timeout(300_000);
  let root: string;
  let consumer: string;
  let env: NodeJS.ProcessEnv;
  const started = performance.now();

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the other e2e tests; the suite builds it first
    const packed = JSON.parse(execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/mocha/client.d.ts', 'dist/bin.js']) assert.ok(files.includes(f), `the tarball has ${f}`);
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'only what a user needs');

    consumer = path.join(root, 'consumer');
    mkdirSync(consumer);
    writeFileSync(path.join(consumer, 'package.json'), '{"name":"consumer","private":true,"type":"module"}\n');
    // from npm's cache when it has the dependencies (the registry only for what it lacks)
    execFileSync(NPM, ['install', path.join(root, packed[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: consumer, stdio: 'pipe' });

    // the consumer's uber project: one repo with one service, two profiles, a suite that uses uber/client
    const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
    const remote = path.join(root, 'remotes', 'orders');
    mkdirSync(remote, { recursive: true });
    git(remote, 'init', '-q');
    writeFileSync(path.join(remote, 'serverless.yml'), 'service: orders\nprovider:\n  name: aws\n');
    git(remote, 'add', '.');
    git(remote, 'commit', '-qm', 'orders');
    mkdirSync(path.join(consumer, 'tests', 'test'), { recursive: true });
    writeFileSync(path.join(consumer, 'tests', 'test', 'client.spec.mjs'), SPEC);
    writeFileSync(
      path.join(consumer, 'uber.config.json'),
      JSON.stringify({
        workspace: './repos',
        profiles: ['p-1', 'p-2'],
        repos: [{ name: 'orders', url: `file://${remote}`, services: ['serverless.yml'] }],
        deploy: { command: `${SLS} deploy --stage {stage} --aws-profile {profile}` },
        test: { cwd: './tests', spec: ['test/*.spec.mjs'] },
      }),
    );
    writeFileSync(path.join(root, 'config'), '[profile p-1]\nregion = eu-west-1\n[profile p-2]\nregion = us-east-1\n');
    writeFileSync(path.join(root, 'credentials'), '[p-1]\naws_access_key_id = AKIAFAKE00000000P001\naws_secret_access_key = fake-secret-p1-abcdef\n[p-2]\naws_access_key_id = AKIAFAKE00000000P002\naws_secret_access_key = fake-secret-p2-abcdef\n');
    env = {
      PATH: process.env.PATH,
      HOME: path.join(root, 'home'),
      LANG: 'C.UTF-8',
      AWS_CONFIG_FILE: path.join(root, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'credentials'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    mkdirSync(env.HOME!);
    console.log(`      packed and installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });
  after(() => {
    console.log(`      whole check ${((performance.now() - started) / 1000).toFixed(1)} s`);
    rmSync(root, { recursive: true, force: true });
  });

  it('the bin runs from node_modules/.bin: version, and a usage error as exit 2', () => {
    const bin = path.join(consumer, 'node_modules', '.bin', 'uber');
    const v = spawnSync(bin, ['--version'], { cwd: consumer, env, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
    const bad = spawnSync(bin, ['doctor', '--profiles', 'no-such-profile'], { cwd: consumer, env, encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^uber: .*no-such-profile/);
  });

  it("import('uber'): sync, deploy, test, run and doctor return outcomes, print nothing and never exit; uber/client works in a leased test", () => {
    writeFileSync(path.join(consumer, 'api.mjs'), API_SCRIPT);
    const r = spawnSync(process.execPath, ['api.mjs'], { cwd: consumer, env, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'uber printed nothing on stderr');
    const out = JSON.parse(r.stdout) as Record<string, unknown>; // stdout holds only the script's own JSON
    assert.deepEqual(out.exports, ['EXIT', 'InterruptedError', 'RunFailedError', 'UsageError', 'deploy', 'doctor', 'run', 'sync', 'test']);
    assert.deepEqual(out.sync, [['orders', 'cloned', 'main']]);
    assert.deepEqual(out.deploy, { ok: true, pairs: [['p-1', 'ok'], ['p-2', 'ok']], healthy: ['p-1', 'p-2'] });
    assert.deepEqual(out.test, { ok: true, tests: [['sees the lease and builds a client for its profile', 'passed', (out.test as { tests: string[][] }).tests[0]![2]]] });
    assert.match(String((out.test as { tests: string[][] }).tests[0]![2]), /^p-[12]$/);
    assert.deepEqual(out.run, { ok: true, interrupted: false, pairs: [['p-1', 'ok'], ['p-2', 'ok']], accounts: [['p-1', 'ready'], ['p-2', 'ready']], tests: ['passed'], phases: true });
    assert.deepEqual(out.runNoBranch, ['UsageError', 'ERR_UBER_NO_BRANCH']);
    assert.deepEqual(out.doctor, ['UsageError', 'ERR_UBER_UNKNOWN_PROFILE', true]);
    assert.deepEqual(out.noBranch, ['UsageError', 'ERR_UBER_NO_BRANCH']);
    assert.match(String(out.clientOutsideLease), /No uber lease is active here/);
  });

  it('types ship for the API and uber/client: a TypeScript consumer type-checks, and wrong calls do not', () => {
    writeFileSync(path.join(consumer, 'consumer.ts'), TS_CONSUMER);
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
        files: ['consumer.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});
