// Run temp folders carry their owner; a later run removes those of dead owners only (pid reuse caught by start time).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OWNER_MARKER, ownedTempDir, sweepDeadTemps } from '../../src/isolation/temp.js';
import { SELF_START } from '../../src/lease/owner.js';
import { deadPid } from '../support/dead-pid.js';

describe('isolation/temp', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'uber-temp-test-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const folder = (name: string, owner?: object): void => {
    mkdirSync(path.join(tmp, name));
    if (owner) writeFileSync(path.join(tmp, name, OWNER_MARKER), JSON.stringify(owner));
  };

  it('removes the folders of dead owners and of reused pids; keeps live owners, unmarked folders and other names', () => {
    const dead = deadPid();
    const host = os.hostname();
    const mine = ownedTempDir(tmp, 'uber-deploy-');
    folder('uber-deploy-dead', { host, pid: dead, pidStart: 1 });
    folder('uber-run-dead', { host, pid: dead, pidStart: null });
    folder('uber-run-reused', { host, pid: process.pid, pidStart: (SELF_START ?? 0) + 1 }); // same pid, another process
    folder('uber-deploy-unmarked');
    folder('uber-deploy-other-host', { host: 'elsewhere', pid: dead, pidStart: 1 });
    folder('mine-dead', { host, pid: dead, pidStart: 1 });
    const removed = sweepDeadTemps(tmp).map((d) => path.basename(d)).sort();
    assert.deepEqual(removed, ['uber-deploy-dead', 'uber-run-dead', 'uber-run-reused']);
    assert.deepEqual(readdirSync(tmp).sort(), [path.basename(mine), 'mine-dead', 'uber-deploy-other-host', 'uber-deploy-unmarked'].sort());
  });
});
