// One profile precedence: the same flags, environment, config and state give the same profiles to deploy, test, doctor and ci.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import YAML from 'yaml';
import type { Ctx } from '../../src/context.js';
import { planTestRun } from '../../src/testrun/plan.js';
import { FIXTURE_BIN } from '../deploy/workspace.js';
import { runCli } from '../support/run-cli.js';

const KNOWN = ['a', 'b', 'c', 'default'];

interface Row {
  readonly name: string;
  readonly flag?: string;
  readonly env?: string;
  readonly config?: readonly string[];
  /** The last deploy's state: profile → healthy. */
  readonly state?: Record<string, boolean>;
  /** What every command uses, or the one sentence every command stops with (exit 2). */
  readonly want: readonly string[] | RegExp;
  /** uber test alone narrows to the last deploy's healthy profiles. */
  readonly test?: readonly string[] | RegExp;
}

const ROWS: readonly Row[] = [
  { name: '--profiles wins over everything', flag: 'b,a', env: 'c', config: ['c'], state: { c: true }, want: ['b', 'a'] },
  { name: 'config profiles come before UBER_PROFILES', env: 'c', config: ['a', 'b'], want: ['a', 'b'] },
  { name: 'UBER_PROFILES when the config names none', env: ' c, a ', want: ['c', 'a'] },
  { name: '"default" when nothing names a profile', want: ['default'] },
  { name: 'uber test narrows to the healthy profiles of the last deploy', config: ['a', 'b', 'c'], state: { a: true, b: false, c: true }, want: ['a', 'b', 'c'], test: ['a', 'c'] },
  { name: 'the last deploy also comes before UBER_PROFILES', env: 'a,b', state: { b: true }, want: ['a', 'b'], test: ['b'] },
  { name: 'a last deploy with no healthy profile stops uber test only', config: ['a'], state: { a: false }, want: ['a'], test: /left no healthy profile to test on/ },
  { name: 'a profile named twice in --profiles is a usage error', flag: 'a,b,a', state: { a: true }, want: /^Profile "a" is listed twice in --profiles; list each profile once\.$/ },
  { name: 'a profile named twice in UBER_PROFILES is a usage error', env: 'c,c', want: /^Profile "c" is listed twice in UBER_PROFILES; list each profile once\.$/ },
  { name: 'a profile named twice in the config is a usage error (the config check says so)', config: ['b', 'b'], want: /has 1 problem; fix it and run again: profiles: "b" is listed twice; list each profile once\.$/ },
  { name: 'an empty --profiles is a usage error', flag: ' , ', config: ['a'], want: /^--profiles names no profile; pass --profiles a,b,c\.$/ },
];

type Outcome = string[] | string;

describe('options: one profile precedence for every command', function () {
  this.timeout(120_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  /** A project every command accepts: one service, a spec file, AWS profiles on local endpoints (no network). */
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-profiles-'));
    mkdirSync(path.join(dir, '.git'));
    const service = path.join(dir, 'repos', 'orders', 'services', 'api');
    mkdirSync(service, { recursive: true });
    writeFileSync(path.join(service, 'serverless.yml'), 'service: orders-api\nprovider:\n  name: aws\n');
    mkdirSync(path.join(dir, 'specs'));
    writeFileSync(path.join(dir, 'specs', 'a.spec.mjs'), '');
    const aws = path.join(dir, 'aws');
    mkdirSync(aws);
    writeFileSync(path.join(aws, 'config'), KNOWN.map((p, i) => `[${p === 'default' ? 'default' : `profile ${p}`}]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:${4700 + i}\naws_access_key_id = AKIA${i}\naws_secret_access_key = s${i}\n`).join(''));
    writeFileSync(path.join(aws, 'credentials'), '');
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    env = {
      PATH: `${FIXTURE_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: dir,
      TMPDIR: tmp,
      CI: 'true',
      AWS_CONFIG_FILE: path.join(aws, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(aws, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      UBER_PASS_ENV: 'SLS_FIXTURE_*',
      SLS_FIXTURE_SLEEP_MS: '0',
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setUp(row: Row): NodeJS.ProcessEnv {
    const config = {
      workspace: './repos',
      ...(row.config ? { profiles: row.config } : {}),
      repos: [{ name: 'orders', url: `file://${path.join(dir, 'remote')}`, services: ['services/*/serverless.yml'] }],
      // the accounts' endpoints are not running: no deploy records to read or write (this table is about profiles)
      deploy: { command: 'sls deploy --stage {stage} --aws-profile {profile}', recordTable: false },
      test: { cwd: '.', spec: ['specs/*.spec.mjs'] },
    };
    writeFileSync(path.join(dir, 'uber.config.json'), JSON.stringify(config));
    if (row.state) {
      mkdirSync(path.join(dir, '.uber'), { recursive: true });
      const profiles = Object.fromEntries(Object.entries(row.state).map(([p, healthy]) => [p, { healthy, failed: healthy ? [] : ['orders'] }]));
      writeFileSync(path.join(dir, '.uber', 'state.json'), JSON.stringify({ version: 1, branch: 'main', finishedAt: '', interrupted: false, repos: {}, profiles, deploys: [] }));
    }
    return { ...env, ...(row.env !== undefined ? { UBER_PROFILES: row.env } : {}) };
  }

  const flagArgs = (row: Row): string[] => (row.flag !== undefined ? ['--profiles', row.flag] : []);

  /** A usage error's sentence (exit 2 asserted), or the profiles the command went on with. */
  function fromCli(r: { code: number; out: string; err: string }, profiles: (out: string) => string[]): Outcome {
    if (r.code === 2) return r.err.replace(/^uber: /, '').trimEnd();
    assert.equal(r.err.match(/^uber: /m), null, r.err);
    return profiles(r.out);
  }

  const commands: Record<'test' | 'doctor' | 'ci' | 'deploy', (row: Row, env: NodeJS.ProcessEnv) => Promise<Outcome>> = {
    test: async (row, e) => {
      const ctx: Ctx = { cwd: dir, env: e, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
      try {
        return (await planTestRun({ specs: [], extra: [], profiles: row.flag }, ctx)).profiles;
      } catch (err) {
        assert.equal((err as Error).name, 'UsageError', String(err));
        return (err as Error).message;
      }
    },
    doctor: async (row, e) => fromCli(await runCli(['doctor', '--json', ...flagArgs(row)], dir, e), (out) => (JSON.parse(out) as { profiles: { profile: string }[] }).profiles.map((p) => p.profile)),
    ci: async (row, e) =>
      fromCli(await runCli(['ci', 'circleci', '--out', '-', '--parallelism', '1', ...flagArgs(row)], dir, e), (out) => {
        const yaml = YAML.parse(out) as { parameters: { profiles: { default: string } } };
        return yaml.parameters.profiles.default.split(',');
      }),
    // last: a deploy rewrites the state the other commands read
    deploy: async (row, e) => fromCli(await runCli(['deploy', '--branch', 'main', '--no-sync', '--json', ...flagArgs(row)], dir, e), (out) => Object.keys((JSON.parse(out) as { profiles: object }).profiles)),
  };

  for (const row of ROWS) {
    it(row.name, async () => {
      const e = setUp(row);
      for (const [name, run] of Object.entries(commands)) {
        const want = name === 'test' && row.test !== undefined ? row.test : row.want;
        const got = await run(row, e);
        if (want instanceof RegExp) assert.match(typeof got === 'string' ? got : `profiles ${got.join(',')}`, want, `${name}: ${String(got)}`);
        else assert.deepEqual(got, want, `${name}: ${String(got)}`);
      }
    });
  }
});
