// Reading a clone through simple-git's status(), and what sync leaves alone: work in progress, detached, local changes.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectClone } from '../../src/workspace/inspect.js';
import { makeFixture, makeRemote, type Fixture } from './fixture.js';

describe('workspace/inspect', () => {
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
      assert.equal(s.hasIgnored, false);
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
    });

    it('counts changed files in the work tree and the index, untracked ones, and a folder of untracked files once', async () => {
      writeFileSync(path.join(dir, 'README.md'), 'edited\n');
      writeFileSync(path.join(dir, 'staged.txt'), 's\n');
      fx.git(dir, 'add', 'staged.txt');
      mkdirSync(path.join(dir, 'new', 'deep'), { recursive: true });
      for (const f of ['a', 'b', 'deep/c']) writeFileSync(path.join(dir, 'new', f), f);
      writeFileSync(path.join(dir, 'name with spaces.txt'), 'x\n');
      assert.equal((await inspectClone(dir, ctx())).unsafe, 'local changes (2 changed files, 2 untracked files); commit or stash them first');
    });

    it('reads HEAD when refs are packed, and on a detached HEAD its own commit', async () => {
      fx.git(dir, 'pack-refs', '--all');
      const head = fx.git(dir, 'rev-parse', 'HEAD');
      assert.equal((await inspectClone(dir, ctx())).commit, head);
      fx.git(dir, 'checkout', '-q', 'origin/feat-x');
      const s = await inspectClone(dir, ctx());
      assert.equal(s.branch, null);
      assert.equal(s.commit, fx.git(dir, 'rev-parse', 'origin/feat-x'));
    });

    it('leaves the index alone (no optional locks): not even its timestamps are refreshed', async () => {
      utimesSync(path.join(dir, 'README.md'), 1e9, 1e9); // same bytes, another mtime: a refresh would rewrite the index
      const index = readFileSync(path.join(dir, '.git', 'index'));
      assert.equal((await inspectClone(dir, ctx())).unsafe, undefined);
      assert.deepEqual(readFileSync(path.join(dir, '.git', 'index')), index);
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
      assert.equal((await inspectClone(dir, ctx())).unsafe, undefined, 'safe again once the rebase is aborted');
    });
  });
});
