// The fingerprint from real git: which change moves which part (folder, shared, inputs), nested folders, dirty trees.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Service } from '../../src/deploy/plan.js';
import { fingerprintServices, pairFingerprint, type ServicePrint } from '../../src/fingerprint/fingerprint.js';
import { parseStatus } from '../../src/fingerprint/snapshot.js';
import type { WorkspaceRepo } from '../../src/workspace/repos.js';
import { git } from '../deploy/accounts.js';

const ctx = { env: process.env, signal: new AbortController().signal };

describe('fingerprint', function () {
  this.timeout(30_000);
  let root: string;
  let repo: WorkspaceRepo;
  const services = (): Service[] => ['.', 'svc/a', 'svc/a/b', 'svc/c'].map((service) => ({ repo: 'r', repoDir: repo.dir, service }));
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(repo.dir, file)), { recursive: true });
    writeFileSync(path.join(repo.dir, file), text);
  };
  const commit = (file: string, text: string): void => {
    write(file, text);
    git(repo.dir, 'add', '-A');
    git(repo.dir, 'commit', '-qm', file);
  };
  const prints = async (): Promise<Map<string, ServicePrint>> => fingerprintServices([repo], services(), ctx);
  const ok = (p: ServicePrint | undefined): Extract<ServicePrint, { ok: true }> => {
    assert.ok(p?.ok, JSON.stringify(p));
    return p;
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-fp-'));
    repo = { name: 'r', url: 'x', dir: path.join(root, 'r'), branch: undefined, config: { name: 'r', url: 'x', services: [] } };
    mkdirSync(repo.dir);
    git(repo.dir, 'init', '-q', '-b', 'main');
    git(repo.dir, 'config', 'user.name', 't');
    git(repo.dir, 'config', 'user.email', 't@e');
    for (const f of ['package-lock.json', 'svc/a/h.js', 'svc/a/b/h.js', 'svc/c/h.js', 'svc/README.md']) write(f, `${f}\n`);
    commit('lib/x.js', 'x\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a change in a nested folder moves that service only; the lockfile and a file beside the folders are shared', async () => {
    const before = await prints();
    commit('svc/a/b/h.js', 'changed\n');
    const after = await prints();
    assert.notEqual(ok(after.get('r/svc/a/b')).folder, ok(before.get('r/svc/a/b')).folder);
    assert.notEqual(ok(after.get('r/svc/a')).folder, ok(before.get('r/svc/a')).folder, 'a contains a/b');
    assert.equal(ok(after.get('r/svc/c')).folder, ok(before.get('r/svc/c')).folder);
    assert.equal(ok(after.get('r/svc/c')).shared, ok(before.get('r/svc/c')).shared, 'a service folder is not shared');
    commit('package-lock.json', 'v2\n');
    const lock = await prints();
    assert.notEqual(ok(lock.get('r/svc/c')).shared, ok(after.get('r/svc/c')).shared);
    commit('svc/README.md', 'v2\n');
    assert.notEqual(ok((await prints()).get('r/svc/c')).shared, ok(lock.get('r/svc/c')).shared, 'a file beside the service folders is shared');
  });

  it('an uncommitted file means no fingerprint for the services it touches, and says which file', async () => {
    write('svc/c/new.js', 'untracked\n');
    const p = await prints();
    assert.deepEqual(p.get('r/svc/c'), { ok: false, commit: git(repo.dir, 'rev-parse', 'HEAD'), why: 'uncommitted change in r/svc/c/new.js' });
    assert.ok(p.get('r/svc/a')!.ok, 'another service folder is not this one');
    assert.equal(p.get('r/.')!.ok, false, 'the root service holds everything');
    write('lib/x.js', 'dirty shared\n');
    assert.match(JSON.stringify((await prints()).get('r/svc/a')), /uncommitted change in r\/lib\/x.js/);
  });

  it('the deploy argv is part of the fingerprint', async () => {
    const sp = (await prints()).get('r/svc/a')!;
    const a = pairFingerprint(sp, { argv: ['deploy', '--stage', 'ci'], command: 'sls deploy --stage {stage}', stage: 'ci' });
    const b = pairFingerprint(sp, { argv: ['deploy', '--stage', 'qa'], command: 'sls deploy --stage {stage}', stage: 'qa' });
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.value, b.value);
    assert.equal(a.parts.folder, b.parts.folder);
  });

  it('parses renames in git status -z', () => {
    assert.deepEqual(parseStatus('R  new.js\0old.js\0 M svc/a/h.js\0?? dir/\0'), ['new.js', 'old.js', 'svc/a/h.js', 'dir']);
  });
});
