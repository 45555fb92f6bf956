// Bad input through the binary: every case exits 2 with one sentence on stderr (problem + fix), no stack trace, nothing started.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { taggedProcesses } from '../support/procs.js';
import { mapLimit, runUber, type UberRun } from '../support/uber.js';
import { BAD_CASES, GOOD_CONFIG, type BadCase } from './bad-input-cases.js';

/** The sentence names a fix: an action to take, or the valid choices. */
const FIX = /\b(pass|use|fix|set|add|remove|run|give|list|check|create|close|name|point|quote|known|must|one of)\b|e\.g\./i;

describe('chaos: bad input corpus', function () {
  this.timeout(600_000);
  let p: ChaosProject;
  const results: Array<{ c: BadCase; dir: string; r: UberRun }> = [];

  before(async () => {
    p = makeChaosProject({ repos: [{ name: 'orders' }] });
    const defaultCreds = '[ci-1]\naws_access_key_id = AKIACHAOS00000000001\naws_secret_access_key = corpus-secret-1\n';
    await mapLimit(BAD_CASES, 3, async (c, i) => {
      const dir = path.join(p.root, 'cases', String(i));
      mkdirSync(path.join(dir, 'aws'), { recursive: true });
      const configFile = path.join(dir, c.configName ?? 'uber.config.yaml');
      writeFileSync(configFile, (c.config ?? GOOD_CONFIG).replaceAll('{URL}', p.url('orders')));
      writeFileSync(path.join(dir, 'aws', 'config'), c.awsConfig ?? '[profile ci-1]\nregion = eu-west-1\n[profile ci-2]\nregion = eu-west-1\n');
      writeFileSync(path.join(dir, 'aws', 'credentials'), c.awsCredentials ?? defaultCreds);
      const env = { ...p.env, AWS_CONFIG_FILE: path.join(dir, 'aws', 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws', 'credentials'), ...c.env };
      const args = c.args.map((a) => (a === 'CONFIG' ? configFile : a));
      results[i] = { c, dir, r: await runUber(args, { cwd: dir, env, timeoutMs: 120_000 }) };
    });
  });
  after(() => p?.cleanup());

  it(`has at least 40 cases across config, profiles, CLI flags and branch names`, () => {
    assert.ok(BAD_CASES.length >= 40, `${BAD_CASES.length} cases`);
  });

  it('every case: exit 2, one line naming the problem and the fix, no stack trace, nothing started', () => {
    const failures: string[] = [];
    for (const { c, dir, r } of results) {
      const lines = r.stderr.split('\n').filter(Boolean);
      const why: string[] = [];
      if (r.code !== 2) why.push(`exit ${r.code}`);
      if (lines.length !== 1) why.push(`${lines.length} stderr lines`);
      if (/\n\s+at .+\(.*:\d+:\d+\)/.test(r.stderr)) why.push('stack trace');
      if (!c.says.test(lines[0] ?? '')) why.push(`does not say ${c.says}`);
      if (!FIX.test(lines[0] ?? '')) why.push('names no fix');
      if (r.stdout !== '') why.push('wrote to stdout');
      const ws = path.join(dir, 'repos');
      const uber = path.join(dir, '.uber');
      if (p.workspaceEntries().length > 0) why.push('cloned into the shared workspace');
      for (const [what, d] of [['workspace', ws], ['.uber', uber]] as const) {
        try {
          mkdirSync(d);
          // created now: it was not there, good
        } catch {
          why.push(`${what} folder exists`);
        }
      }
      const deploys = p.journal().filter((l) => JSON.stringify(l).includes(`${dir}/`)).length;
      if (deploys > 0) why.push(`${deploys} fixture deploy journal lines`);
      if (why.length > 0) failures.push(`${c.name}: ${why.join(', ')} — stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
    }
    console.log(`      bad input: ${results.length - failures.length}/${results.length} cases exit 2 with one sentence, 0 clones, 0 deploys, 0 leases`);
    assert.deepEqual(failures, []);
    assert.equal(p.journal().length, 0, 'the fixture sls never ran');
    assert.deepEqual(taggedProcesses(p.tag), [], 'no process left');
  });
});
