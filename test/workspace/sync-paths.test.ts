// The less common paths of one repo's sync: ahead-only, a behind branch that is not checked out, single-branch clones, odd folders.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkspaceRepo } from '../../src/workspace/repos.js';
import { refspecsTrack, syncRepo } from '../../src/workspace/sync-repo.js';
import { makeFixture, makeRemote, pushCommit, snapshot, type Fixture } from './fixture.js';

describe('workspace/sync-repo paths', () => {
  let fx: Fixture;
  const ctx = () => ({ env: fx.env, signal: new AbortController().signal });
  const repo = (name: string, branch?: string): WorkspaceRepo => ({ name, url: fx.url(name), dir: fx.dir(name), branch, config: { name, url: fx.url(name), services: [] } });
  before(() => {
    fx = makeFixture();
    for (const n of ['ahead', 'behind', 'single', 'odd', 'nodefault', 'dotenv', 'dotenv-ff']) makeRemote(fx, n, ['feat-x']);
    mkdirSync(fx.workspace, { recursive: true });
  });
  after(() => fx.dispose());

  it('keeps unpushed local commits: a branch ahead of its remote is unchanged', async () => {
    const dir = fx.dir('ahead');
    fx.git(fx.root, 'clone', '-q', '--branch', 'feat-x', fx.url('ahead'), dir);
    writeFileSync(path.join(dir, 'mine.txt'), 'unpushed\n');
    fx.git(dir, 'add', '-A');
    fx.git(dir, 'commit', '-q', '-m', 'unpushed');
    const before = snapshot(fx, dir);
    const o = await syncRepo(repo('ahead'), 'feat-x', ctx());
    assert.deepEqual([o.status, o.branch, o.commit], ['unchanged', 'feat-x', fx.git(dir, 'rev-parse', 'HEAD')]);
    assert.equal(snapshot(fx, dir), before);
  });

  it('fast-forwards a local branch that is behind while another one is checked out, then switches to it', async () => {
    const dir = fx.dir('behind');
    fx.git(fx.root, 'clone', '-q', fx.url('behind'), dir);
    fx.git(dir, 'branch', '-q', '--track', 'feat-x', 'origin/feat-x');
    const tip = pushCommit(fx, 'behind', 'feat-x', 'new.txt', 'new\n');
    const o = await syncRepo(repo('behind'), 'feat-x', ctx());
    assert.deepEqual([o.status, o.branch, o.commit], ['updated', 'feat-x', tip]);
    assert.equal(fx.git(dir, 'rev-parse', 'HEAD'), tip);
    assert.equal(fx.git(dir, 'reflog', '-1', '--format=%gs', 'feat-x'), 'uber sync: fast-forward');
  });

  it("fetches when the clone is at the remote's tip but its origin/<branch> ref is gone, and only then", async () => {
    const dir = fx.dir('level');
    makeRemote(fx, 'level', ['feat-x']);
    fx.git(fx.root, 'clone', '-q', '--branch', 'feat-x', fx.url('level'), dir);
    const tip = fx.git(dir, 'rev-parse', 'HEAD');
    fx.git(dir, 'update-ref', '-d', 'refs/remotes/origin/feat-x');
    const o = await syncRepo(repo('level'), 'feat-x', ctx());
    assert.deepEqual([o.status, o.commit], ['unchanged', tip]);
    assert.equal(fx.git(dir, 'rev-parse', 'refs/remotes/origin/feat-x'), tip, 'the fetch put origin/feat-x back');
    const fetchHead = path.join(dir, '.git', 'FETCH_HEAD');
    rmSync(fetchHead);
    assert.equal((await syncRepo(repo('level'), 'feat-x', ctx())).status, 'unchanged');
    assert.equal(existsSync(fetchHead), false, 'level with the remote: no fetch');
  });

  it('fetches the branch by name into a single-branch clone', async () => {
    const dir = fx.dir('single');
    fx.git(fx.root, 'clone', '-q', '--single-branch', '--branch', 'main', fx.url('single'), dir);
    const o = await syncRepo(repo('single'), 'feat-x', ctx());
    assert.deepEqual([o.status, o.branch, o.fallback], ['updated', 'feat-x', false]);
    assert.equal(fx.git(dir, 'rev-parse', '--abbrev-ref', '@{upstream}'), 'origin/feat-x');
  });

  it('will not let a checkout overwrite an ignored local file (a .env the new branch tracks)', async () => {
    const work = path.join(fx.root, 'dotenv-work');
    fx.git(fx.root, 'clone', '-q', fx.url('dotenv'), work);
    writeFileSync(path.join(work, '.gitignore'), '.env\n');
    fx.git(work, 'add', '.gitignore');
    fx.git(work, 'commit', '-q', '-m', 'ignore .env');
    fx.git(work, 'checkout', '-q', '-B', 'feat-x');
    writeFileSync(path.join(work, '.env'), 'TRACKED=1\n');
    fx.git(work, 'add', '-f', '.env');
    fx.git(work, 'commit', '-q', '-m', 'track .env');
    fx.git(work, 'push', '-q', '-f', 'origin', 'main', 'feat-x');
    const dir = fx.dir('dotenv');
    fx.git(fx.root, 'clone', '-q', fx.url('dotenv'), dir);
    writeFileSync(path.join(dir, '.env'), 'MY_SECRET=local\n');
    const before = snapshot(fx, dir);
    const o = await syncRepo(repo('dotenv'), 'feat-x', ctx());
    assert.equal(o.status, 'skipped');
    assert.equal(o.reason, 'checking out "feat-x" would overwrite ignored local file .env; move it away first');
    assert.equal(snapshot(fx, dir), before);
  });

  it('will not fast-forward over an ignored local file either', async () => {
    const work = path.join(fx.root, 'dotenv-ff-work');
    fx.git(fx.root, 'clone', '-q', fx.url('dotenv-ff'), work);
    writeFileSync(path.join(work, '.gitignore'), '.env\n');
    fx.git(work, 'add', '.gitignore');
    fx.git(work, 'commit', '-q', '-m', 'ignore .env');
    fx.git(work, 'push', '-q', 'origin', 'main');
    const dir = fx.dir('dotenv-ff');
    fx.git(fx.root, 'clone', '-q', fx.url('dotenv-ff'), dir);
    writeFileSync(path.join(dir, '.env'), 'MY_SECRET=local\n');
    writeFileSync(path.join(work, '.env'), 'TRACKED=1\n');
    fx.git(work, 'add', '-f', '.env');
    fx.git(work, 'commit', '-q', '-m', 'track .env');
    fx.git(work, 'push', '-q', 'origin', 'main');
    const before = snapshot(fx, dir);
    const o = await syncRepo(repo('dotenv-ff'), 'no-such-branch', ctx());
    assert.equal(o.status, 'skipped');
    assert.equal(o.reason, 'checking out "main" would overwrite ignored local file .env; move it away first');
    assert.equal(snapshot(fx, dir), before);
  });

  it('leaves a folder that is not a clone alone', async () => {
    mkdirSync(fx.dir('odd'));
    writeFileSync(path.join(fx.dir('odd'), 'keep.txt'), 'mine\n');
    const o = await syncRepo(repo('odd'), 'feat-x', ctx());
    assert.equal(o.status, 'skipped');
    assert.match(o.reason ?? '', /exists but is not a git clone/);
  });

  it('fails a repo whose configured default branch is not on the remote, cloning nothing', async () => {
    const o = await syncRepo(repo('nodefault', 'develop'), 'nope', ctx());
    assert.equal(o.status, 'failed');
    assert.equal(o.reason, 'neither "nope" nor the default branch "develop" is on the remote');
    assert.equal(folderExists(fx.dir('nodefault')), false);
  });

  it('refuses a remote default branch that git would read as an option, and leaves the clone as it was', async () => {
    makeRemote(fx, 'dashed', ['feat-x']);
    const bare = path.join(fx.remotes, 'dashed.git');
    fx.git(bare, 'update-ref', 'refs/heads/-fmain', fx.git(bare, 'rev-parse', 'main'));
    fx.git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/-fmain');
    const missing = await syncRepo(repo('dashed'), 'nope', ctx());
    assert.equal(missing.status, 'failed');
    assert.match(missing.reason ?? '', /^"nope" is not on the remote and its default branch "-fmain" starts with "-", which git would read as an option; set "branch" for this repo in the config$/);
    assert.equal(folderExists(fx.dir('dashed')), false, 'nothing cloned');

    const dir = fx.dir('dashed');
    fx.git(fx.root, 'clone', '-q', '--branch', 'feat-x', fx.url('dashed'), dir);
    const before = snapshot(fx, dir);
    const o = await syncRepo(repo('dashed'), 'nope', ctx());
    assert.equal(o.status, 'failed');
    assert.equal(snapshot(fx, dir), before, 'the clone untouched');
    assert.deepEqual([(await syncRepo(repo('dashed', 'main'), 'nope', ctx())).branch], ['main'], 'the config\'s branch still works');
  });
});

function folderExists(dir: string): boolean {
  try {
    mkdirSync(dir);
    return false;
  } catch {
    return true;
  }
}

describe('workspace/sync-repo refspecsTrack', () => {
  it('knows which fetch refspecs track a branch', () => {
    assert.equal(refspecsTrack(['+refs/heads/*:refs/remotes/origin/*'], 'feat/x'), true);
    assert.equal(refspecsTrack(['+refs/heads/main:refs/remotes/origin/main'], 'feat-x'), false);
    assert.equal(refspecsTrack(['+refs/heads/main:refs/remotes/origin/main', '+refs/heads/feat-x:refs/remotes/origin/feat-x'], 'feat-x'), true);
    assert.equal(refspecsTrack(['+refs/heads/*:refs/remotes/upstream/*'], 'feat-x'), false);
    assert.equal(refspecsTrack([], 'feat-x'), false);
  });
});
