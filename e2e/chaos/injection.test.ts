// Injection end to end: hostile branch, stage and repo names through `uber deploy` reach the fixture sls verbatim; no canary.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { runUber } from '../support/uber.js';

describe('chaos: injection through uber deploy', function () {
  this.timeout(600_000);
  let p: ChaosProject;
  let canaries = '';
  after(() => {
    p?.cleanup();
    if (canaries) rmSync(canaries, { recursive: true, force: true });
  });

  it('a branch on the remote and one not, a hostile stage and repo name: argv exact, zero canary files', async () => {
    const probe = makeChaosProject({ repos: [] });
    probe.cleanup();
    canaries = `${probe.root}-canaries`; // an absolute folder outside the project, made below
    const onRemote = `feat/$(touch\${IFS}${canaries}/chaos-canary-1);x|y&&\`touch\${IFS}${canaries}/chaos-canary-2\``;
    const absent = `fix/'";touch\${IFS}${canaries}/chaos-canary-3;'{profile}`;
    const repo = `o;rders$(touch\${IFS}chaos-canary-4)&x'"`;
    const stage = `st\`touch\${IFS}${canaries}/chaos-canary-5\`$HOME\${IFS}`;
    p = makeChaosProject({
      repos: [{ name: repo, branches: [onRemote] }],
      profiles: ['ci-1'],
      deploy: { stage, command: 'sls deploy --stage {stage} --aws-profile {profile} --param branch={branch} --param "repo={repo}"' },
    });
    mkdirSync(canaries);
    const seen: string[][] = [];
    for (const branch of [onRemote, absent]) {
      const r = await runUber(['deploy', '--branch', branch, '--json'], { cwd: p.dir, env: p.env, timeoutMs: 300_000 });
      assert.equal(r.code, 0, r.stderr);
      const starts = p.journal().filter((l) => l.event === 'start');
      const argv = starts.at(-1)!.argv;
      assert.deepEqual(argv, ['deploy', '--stage', stage, '--aws-profile', 'ci-1', '--param', `branch=${branch}`, '--param', `repo=${repo}`]);
      seen.push(argv);
    }
    const head = p.git(path.join(p.workspace, repo), 'rev-parse', '--abbrev-ref', 'HEAD');
    assert.equal(head, 'main', 'the absent branch fell back to main');
    const found = [...readdirSync(canaries), ...readdirSync(process.cwd()).filter((f) => f.startsWith('chaos-canary')), ...readdirSync(p.root, { recursive: true }).map(String).filter((f) => /^chaos-canary-\d+$/.test(path.basename(f)))];
    console.log(`      injection e2e: ${seen.length} deploys with hostile branch/stage/repo names, argv exact, ${found.length} canary files`);
    assert.deepEqual(found, []);
  });
});
