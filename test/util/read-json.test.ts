// readJsonFile: one reader for every JSON file uber keeps: missing, damaged (read, JSON or schema, in words), or the value.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../src/util/read-json.js';

describe('util/read-json', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'uber-read-json-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const schema = z.object({ id: z.string(), n: z.number().default(1) });
  const file = (text: string): string => {
    const f = path.join(dir, 'x.json');
    writeFileSync(f, text);
    return f;
  };

  it('tells missing, empty, cut-short, unreadable and off-schema files apart, and parses a good one through the schema', () => {
    assert.deepEqual(readJsonFile(path.join(dir, 'none.json'), schema), { kind: 'missing' });
    assert.deepEqual(readJsonFile(file('  \n'), schema), { kind: 'damaged', stage: 'json', reason: 'it is empty' });
    assert.deepEqual(readJsonFile(file('{"id": "a'), schema), { kind: 'damaged', stage: 'json', reason: 'it is not valid JSON (cut short?)' });
    mkdirSync(path.join(dir, 'folder.json'));
    assert.deepEqual(readJsonFile(path.join(dir, 'folder.json'), schema), { kind: 'damaged', stage: 'read', reason: 'it cannot be read (EISDIR)' });
    const off = readJsonFile(file('{"id": 3}'), schema);
    assert.equal(off.kind === 'damaged' && off.stage, 'schema');
    assert.match(off.kind === 'damaged' ? off.reason : '', /^id: invalid input: expected string/);
    assert.equal(off.kind === 'damaged' ? off.issue?.path : undefined, 'id');
    const top = readJsonFile(file('[1]'), schema);
    assert.match(top.kind === 'damaged' ? top.reason : '', /^the top level: /);
    assert.deepEqual(readJsonFile(file('{"id": "a"}'), schema), { kind: 'ok', value: { id: 'a', n: 1 } });
  });
});
