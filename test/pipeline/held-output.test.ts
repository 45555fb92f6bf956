// uber run's test phase output is held until an account is ready: then written in order, or dropped when none ever is.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { HeldOutput } from '../../src/pipeline/held-output.js';

const collect = (): { stream: PassThrough; text: () => string } => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
};
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pipeline/held-output', () => {
  it('holds lines until open(), then writes them in order and passes later ones through', async () => {
    const out = collect();
    const held = new HeldOutput(out.stream);
    held.write('one\n');
    held.write('two\n');
    await flush();
    assert.equal(out.text(), '');
    held.open();
    held.write('three\n');
    await flush();
    assert.equal(out.text(), 'one\ntwo\nthree\n');
  });

  it('drops what it holds and everything after drop(), even if opened later', async () => {
    const out = collect();
    const held = new HeldOutput(out.stream);
    held.write('uber: 0 tests in 2 files\n');
    held.drop();
    held.write('more\n');
    held.open();
    await flush();
    assert.equal(out.text(), '');
  });

  it('takes the target\'s isTTY, so colour is decided as on the terminal', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    assert.equal(new HeldOutput(tty).isTTY, true);
    assert.equal(new HeldOutput(new PassThrough()).isTTY, undefined);
  });
});
