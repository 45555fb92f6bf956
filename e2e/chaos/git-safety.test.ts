// Git safety matrix: generated repo states × sync targets through `uber sync --json`; zero lost changes, every skip explained.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { reachable, snapshot, type RepoSnapshot } from '../support/snapshot.js';
import { runUber } from '../support/uber.js';

interface Outcome {
  repo: string;
  status: string;
  reason?: string;
  branch: string | null;
}

type Git = (...args: string[]) => string;

/** How to put a fresh clone (on main, tracking origin) into a state; `remote` runs git in the cell's bare remote. */
const STATES: Record<string, { make: (git: Git, remote: Git, dir: string, target: string) => void; expect: string[] }> = {
  clean: { make: () => undefined, expect: ['updated', 'unchanged'] },
  dirty: { make: (_g, _r, dir) => appendFileSync(path.join(dir, 'README.md'), 'local edit\n'), expect: ['skipped'] },
  untracked: { make: (_g, _r, dir) => writeFileSync(path.join(dir, 'notes.txt'), 'mine\n'), expect: ['skipped'] },
  staged: {
    make: (g, _r, dir) => {
      writeFileSync(path.join(dir, 'README.md'), 'staged edit\n');
      g('add', 'README.md');
    },
    expect: ['skipped'],
  },
  detached: { make: (g) => g('checkout', '-q', '--detach', 'HEAD~1'), expect: ['skipped'] },
  diverged: {
    make: (g, r, dir, target) => {
      const t = target === 'feat' ? 'feat' : 'main';
      if (t !== 'main') g('checkout', '-q', '-b', t, `origin/${t}`);
      writeFileSync(path.join(dir, 'local.txt'), 'local commit\n');
      g('add', 'local.txt');
      g('commit', '-q', '-m', 'local work');
      const tree = r('rev-parse', `${t}^{tree}`);
      r('update-ref', `refs/heads/${t}`, r('commit-tree', tree, '-p', t, '-m', 'remote work'));
    },
    expect: ['skipped'],
  },
  'mid-rebase': {
    make: (g) => g('-c', 'sequence.editor=sed -i 1s/^pick/edit/', 'rebase', '-q', '-i', 'HEAD~1'),
    expect: ['skipped'],
  },
  'missing-remote': { make: (g) => g('remote', 'remove', 'origin'), expect: ['failed'] },
  'branch-only-remote': {
    make: (g, r) => {
      g('update-ref', '-d', 'refs/remotes/origin/feat');
      r('branch', '-q', 'late', 'main'); // a branch the clone never saw
    },
    expect: ['updated', 'unchanged'],
  },
  'branch-only-local': {
    make: (g, _r, dir) => {
      g('checkout', '-q', '-b', 'mine');
      writeFileSync(path.join(dir, 'mine.txt'), 'only here\n');
      g('add', 'mine.txt');
      g('commit', '-q', '-m', 'local-only branch');
    },
    expect: ['updated'],
  },
  stashed: {
    make: (g, _r, dir) => {
      appendFileSync(path.join(dir, 'README.md'), 'stash me\n');
      g('stash', 'push', '-q', '-m', 'keep me');
    },
    expect: ['updated', 'unchanged'],
  },
};
const TARGETS = ['feat', 'nope'] as const;

describe('chaos: git safety matrix', function () {
  this.timeout(600_000);
  let p: ChaosProject;
  after(() => p?.cleanup());

  it('every repo state × sync target: zero lost changes, every skip explained in --json', async () => {
    p = makeChaosProject({ repos: [{ name: 'seed', branches: ['feat'] }] });
    // the seed gets a second commit on main so that HEAD~1 exists
    const seedBare = path.join(p.root, 'remotes', 'seed.git');
    const tree = p.git(seedBare, 'rev-parse', 'main^{tree}');
    p.git(seedBare, 'update-ref', 'refs/heads/main', p.git(seedBare, 'commit-tree', tree, '-p', 'main', '-m', 'second'));
    const before = new Map<string, RepoSnapshot>();
    const lost: string[] = [];
    const unexplained: string[] = [];
    let cells = 0;
    let skips = 0;
    for (const target of TARGETS) {
      const dir = path.join(p.root, `matrix-${target}`);
      const ws = path.join(dir, 'repos');
      mkdirSync(ws, { recursive: true });
      const repos: string[] = [];
      for (const [state, s] of Object.entries(STATES)) {
        const name = `${state}-${target}`;
        const bare = path.join(p.root, 'remotes', `${name}.git`);
        p.git(p.root, 'clone', '-q', '--bare', seedBare, bare);
        const clone = path.join(ws, name);
        p.git(ws, 'clone', '-q', bare, clone);
        writeFileSync(path.join(clone, 'README.md'), '# service\n');
        p.git(clone, 'add', 'README.md');
        p.git(clone, 'commit', '-q', '-m', 'readme');
        p.git(clone, 'push', '-q', 'origin', 'main');
        s.make((...a) => p.git(clone, ...a), (...a) => p.git(bare, ...a), clone, target);
        before.set(name, snapshot(clone, p.env));
        repos.push(`  - {name: ${name}, url: "${p.url(name)}", services: ["serverless.yml"]}`);
      }
      writeFileSync(path.join(dir, 'uber.config.yaml'), `workspace: ./repos\nprofiles: [ci-1]\nrepos:\n${repos.join('\n')}\n`);
      const r = await runUber(['sync', '--branch', target, '--json', '--concurrency', '4'], { cwd: dir, env: p.env, timeoutMs: 300_000 });
      assert.ok(r.code === 0 || r.code === 1, `sync exit ${r.code}: ${r.stderr}`);
      const outcomes = JSON.parse(r.stdout) as Outcome[];
      for (const [state, s] of Object.entries(STATES)) {
        cells += 1;
        const name = `${state}-${target}`;
        const o = outcomes.find((x) => x.repo === name);
        const clone = path.join(ws, name);
        const was = before.get(name)!;
        const now = snapshot(clone, p.env);
        if (!o) {
          unexplained.push(`${name}: no outcome`);
          continue;
        }
        if (!s.expect.includes(o.status)) unexplained.push(`${name}: ${o.status} (${o.reason ?? ''}), expected ${s.expect.join('/')}`);
        if (o.status === 'skipped' || o.status === 'failed') {
          skips += 1;
          if (!o.reason || o.reason.length < 10) unexplained.push(`${name}: ${o.status} without a reason`);
          for (const k of ['worktree', 'index', 'head', 'stash'] as const) if (was[k] !== now[k]) lost.push(`${name}: ${k} changed`);
          if (JSON.stringify(was.branches) !== JSON.stringify(now.branches)) lost.push(`${name}: branches moved`);
        } else {
          if (!was.clean) lost.push(`${name}: synced over local changes`);
          if (was.stash !== now.stash) lost.push(`${name}: stash changed`);
          for (const [ref, id] of Object.entries(was.branches)) {
            const after = now.branches[ref];
            if (!after || !reachable(clone, p.env, id, after)) lost.push(`${name}: ${ref} lost commit ${id}`);
          }
          if (!now.clean) lost.push(`${name}: work tree not clean after sync`);
        }
      }
    }
    console.log(`      git safety: ${Object.keys(STATES).length} repo states × ${TARGETS.length} targets = ${cells} cells, ${lost.length} lost changes, ${skips - unexplained.filter((u) => u.includes('without a reason')).length}/${skips} skips explained`);
    assert.deepEqual(lost, []);
    assert.deepEqual(unexplained, []);
  });
});
