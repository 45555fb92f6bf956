// Reading `git status --porcelain=v2 --branch -z`, and what sync leaves alone: work in progress, detached, local changes.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectClone, parseStatusV2 } from '../../src/workspace/inspect.js';
import { makeFixture, makeRemote, type Fixture } from './fixture.js';

describe('workspace/inspect', () => {
  it('parses branch, HEAD, upstream level and counts renames once', () => {
    const oid = 'c'.repeat(40);
    const raw = [`# branch.oid ${oid}`, '# branch.head feat/x', '# branch.upstream origin/feat/x', '# branch.ab +0 -0', '1 .M N... 100644 100644 100644 a a README.md', '2 R. N... 100644 100644 100644 a a R100 new.md', 'old.md', '? notes.txt', '! node_modules/', ''].join('\0');
    assert.deepEqual(parseStatusV2(raw), { oid, head: 'feat/x', level: true, changed: 2, untracked: 1, ignored: 1 });
    assert.deepEqual(parseStatusV2('# branch.oid (initial)\0# branch.head (detached)\0'), { oid: null, head: null, level: false, changed: 0, untracked: 0, ignored: 0 });
  });

  describe('on a real clone', () => {
    let fx: Fixture;
    let dir: string;
    const ctx = () => ({ env: fx.env, signal: new AbortController().signal });
    // a fresh clone for every test: none of them sees what another left behind
    beforeEach(() => {
      fx = makeFixture();
      makeRemote(fx, 'svc', ['feat-x']);
      dir = fx.dir('svc');
      fx.git(fx.root, 'clone', '-q', fx.url('svc'), dir);
    });
    afterEach(() => fx.dispose());

    it('is safe when clean, on a branch level with its upstream', async () => {
      const s = await inspectClone(dir, ctx());
      assert.equal(s.unsafe, undefined);
      assert.equal(s.branch, 'main');
      assert.equal(s.commit, fx.git(dir, 'rev-parse', 'HEAD'));
      assert.equal(s.levelWithUpstream, true);
    });

    it('counts a staged rename once, untracked files, and sees an ignored folder', async () => {
      writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
      fx.git(dir, 'add', '.gitignore');
      fx.git(dir, 'commit', '-q', '-m', 'ignore');
      mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
      writeFileSync(path.join(dir, 'node_modules', 'x', 'index.js'), '');
      fx.git(dir, 'mv', 'README.md', 'READ ME.md');
      writeFileSync(path.join(dir, 'notes.txt'), 'n\n');
      const s = await inspectClone(dir, ctx());
      assert.equal(s.unsafe, 'local changes (1 changed file, 1 untracked file); commit or stash them first');
      assert.equal(s.hasIgnored, true);
      assert.equal(s.levelWithUpstream, false, 'main is ahead of origin/main by the .gitignore commit');
    });

    it('is not level when its upstream ref is gone, and reads HEAD when refs are packed', async () => {
      fx.git(dir, 'pack-refs', '--all');
      assert.equal((await inspectClone(dir, ctx())).commit, fx.git(dir, 'rev-parse', 'HEAD'));
      fx.git(dir, 'update-ref', '-d', 'refs/remotes/origin/main');
      const s = await inspectClone(dir, ctx());
      assert.equal(s.levelWithUpstream, false);
      assert.equal(s.unsafe, undefined);
    });

    it('names a detached HEAD and a clone without commits', async () => {
      fx.git(dir, 'checkout', '-q', '--detach');
      assert.equal((await inspectClone(dir, ctx())).unsafe, 'HEAD is detached; check out a branch first');
      const empty = path.join(fx.root, 'empty');
      fx.git(fx.root, 'init', '-q', empty);
      const s = await inspectClone(empty, ctx());
      assert.equal(s.commit, null);
      assert.equal(s.branch, 'main');
      assert.equal(s.unsafe, 'the clone has no commits yet; remove the folder or commit first');
    });

    it('names a merge in progress', async () => {
      writeFileSync(path.join(dir, '.git', 'MERGE_HEAD'), `${fx.git(dir, 'rev-parse', 'origin/feat-x')}\n`);
      assert.match((await inspectClone(dir, ctx())).unsafe ?? '', /^a merge is in progress; finish or abort it first$/);
    });

    it('names a rebase in progress', async () => {
      fx.git(dir, 'checkout', '-q', 'feat-x');
      writeFileSync(path.join(dir, 'README.md'), 'mine\n');
      fx.git(dir, 'commit', '-q', '-am', 'mine');
      fx.git(dir, 'checkout', '-q', 'main');
      writeFileSync(path.join(dir, 'README.md'), 'theirs\n');
      fx.git(dir, 'commit', '-q', '-am', 'theirs');
      assert.throws(() => fx.git(dir, 'rebase', 'feat-x'));
      assert.match((await inspectClone(dir, ctx())).unsafe ?? '', /rebase .*in progress/);
      fx.git(dir, 'rebase', '--abort');
      assert.equal((await inspectClone(dir, ctx())).levelWithUpstream, false, 'main is ahead of origin/main now');
    });
  });
});
