// Reading `git ls-remote --symref`: which branches exist and where the remote's HEAD points.
import assert from 'node:assert/strict';
import { parseLsRemote } from '../../src/workspace/remote.js';

describe('workspace/remote', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);

  it('reads heads and the symbolic HEAD', () => {
    const r = parseLsRemote(`ref: refs/heads/trunk\tHEAD\n${a}\tHEAD\n${a}\trefs/heads/trunk\n${b}\trefs/heads/feat/x\n`);
    assert.equal(r.defaultBranch, 'trunk');
    assert.deepEqual([...r.heads], [['trunk', a], ['feat/x', b]]);
  });

  it('knows no default branch when the remote does not name one, and ignores tags and noise', () => {
    const r = parseLsRemote(`Warning: Permanently added 'host' to the list of known hosts.\n${a}\tHEAD\n${b}\trefs/tags/v1\n`);
    assert.equal(r.defaultBranch, null);
    assert.equal(r.heads.size, 0);
  });
});
