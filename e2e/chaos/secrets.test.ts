// Secrets: canaries in the credentials file, the environment and a deploy's output never reach console, logs, state, JSON, JUnit or the waterfall.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { runUber, type UberRun } from '../support/uber.js';

/** Every form a secret can take on its way out. */
function forms(s: string): string[] {
  const b64 = Buffer.from(s).toString('base64');
  const xml = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [...new Set([s, b64, b64.replace(/=+$/, ''), Buffer.from(s).toString('base64url'), encodeURIComponent(s), JSON.stringify(s).slice(1, -1), xml])];
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => statSync(f).isFile());
}

const SPEC = `import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
const canaries = JSON.parse(readFileSync(process.env.SLS_FIXTURE_CANARIES, 'utf8'));
describe('leaky suite', () => {
  it('logs the canaries', () => { for (const c of canaries) console.log('spec leak', c, Buffer.from(c).toString('base64')); });
  it('fails with the canaries in its message', () => { assert.equal(canaries.join(' '), 'something else'); });
});
`;

describe('chaos: secrets never leak', function () {
  this.timeout(600_000);
  let p: ChaosProject;
  after(() => p?.cleanup());

  it('deploy ok + failed, uber test, uber report: zero canary forms in output, run logs, state, --json, JUnit, waterfall', async () => {
    const t = Math.random().toString(36).slice(2, 8);
    const cred = { secret: `credSecret-${t}-q/9+Z`, token: `credToken-${t}-w7"x\\y`, keyId: 'AKIACANARY' + t.toUpperCase().padEnd(10, 'Q') };
    const env = { secret: `envSecret-${t}-p/3+K`, token: `envToken-${t}-"quoted"\\back/slash+=`, apiKey: `ddApiKey-${t}-0f9e` };
    // DATADOG_API_KEY: a deploy now sees uber's environment (deploy.env: inherit), so a secret-looking name must be masked too
    const canaries = [cred.secret, cred.token, env.secret, env.token, env.apiKey];
    p = makeChaosProject({
      repos: [{ name: 'orders' }],
      profiles: ['ci-1', 'ci-2'],
      deploy: { command: 'chaos-leak --stage {stage} --aws-profile {profile}' },
      awsCredentials: ['ci-1', 'ci-2'].map((n) => `[${n}]\naws_access_key_id = ${cred.keyId}\naws_secret_access_key = ${cred.secret}\naws_session_token = ${cred.token}\n`).join(''),
      env: { AWS_SECRET_ACCESS_KEY: env.secret, AWS_SESSION_TOKEN: env.token, DATADOG_API_KEY: env.apiKey },
    });
    const canaryFile = path.join(p.root, 'canaries.json');
    writeFileSync(canaryFile, JSON.stringify(canaries));
    const tests = path.join(p.dir, 'tests');
    mkdirSync(path.join(tests, 'test'), { recursive: true });
    writeFileSync(path.join(tests, 'test', 'leak.spec.mjs'), SPEC);
    const cfgFile = path.join(p.dir, 'uber.config.yaml');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, test: { cwd: './tests', spec: ['test/**/*.spec.mjs'] } }));
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<UberRun> =>
      runUber(args, { cwd: p.dir, env: { ...p.env, SLS_FIXTURE_CANARIES: canaryFile, ...extra }, timeoutMs: 300_000 });

    const runs: Array<[string, UberRun]> = [];
    runs.push(['deploy ok --json', await run(['deploy', '--branch', 'main', '--json'])]);
    runs.push(['deploy failing', await run(['deploy', '--branch', 'main'], { SLS_FIXTURE_LEAK_FAIL: '1' })]);
    runs.push(['deploy failing --json', await run(['deploy', '--branch', 'main', '--json', '--no-sync'], { SLS_FIXTURE_LEAK_FAIL: '1' })]);
    runs.push(['test', await run(['test', '--profiles', 'ci-1,ci-2'])]);
    runs.push(['report', await run(['report'])]);
    assert.equal(runs[0]![1].code, 0, runs[0]![1].stderr);
    assert.equal(runs[1]![1].code, 1, runs[1]![1].stderr);
    assert.equal(runs[3]![1].code, 1, `uber test runs and reports the failing spec: ${runs[3]![1].stderr.slice(-800)}`);
    assert.match(runs[1]![1].stderr + filesUnder(path.join(p.dir, '.uber', 'runs')).filter((f) => f.endsWith('.log')).map((f) => readFileSync(f, 'utf8')).join(''), /leak: \*\*\*/, 'the leak did reach uber, masked');

    const places: Array<[string, string]> = runs.flatMap(([name, r]) => [[`${name} stdout`, r.stdout], [`${name} stderr`, r.stderr]] as Array<[string, string]>);
    const files = filesUnder(path.join(p.dir, '.uber'));
    for (const f of files) places.push([path.relative(p.dir, f), readFileSync(f, 'utf8')]);
    const kinds = new Set(files.map((f) => path.basename(f).replace(/^.*\.(\w+)$/, '$1')));
    const leaks: string[] = [];
    let checked = 0;
    for (const [where, text] of places) {
      for (const c of canaries) for (const f of forms(c)) {
        checked += 1;
        if (text.includes(f)) leaks.push(`${where}: ${JSON.stringify(f)}`);
      }
      if (text.includes('AKIAOUTPUTCANARY0042') || text.includes(cred.keyId)) leaks.push(`${where}: an access key id`);
    }
    const junit = files.some((f) => f.endsWith('junit.xml'));
    const waterfall = files.some((f) => f.endsWith('waterfall.html'));
    console.log(`      secrets: ${canaries.length} canaries × ${forms(canaries[3]!).length} forms × ${places.length} places (${runs.length} runs; ${files.length} files under .uber incl. ${[...kinds].join('/')}; junit ${junit ? 'yes' : 'no'}, waterfall ${waterfall ? 'yes' : 'no'}) = ${checked} checks, ${leaks.length} leaks`);
    assert.deepEqual(leaks, []);
    assert.ok(junit, 'JUnit was written and checked');
  });
});
