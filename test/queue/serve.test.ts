// The machine's claim service: its workers (with the secret) get the next unit or null; any other local caller gets nothing.
import assert from 'node:assert/strict';
import { serveClaims } from '../../src/queue/serve.js';
import type { Claim } from '../../src/queue/store.js';

const post = async (url: string, body: unknown): Promise<{ status: number; text: string }> => {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
};

describe('queue claim service', () => {
  it('answers the secret holder with a claim (then null when none is left), refuses anyone else, says why a claim failed', async () => {
    const left: Claim[] = [{ n: 0, token: 1, attempts: 1, item: { file: 'a.spec.js', estimateMs: 5 } }];
    const asked: string[] = [];
    await using service = await serveClaims((stub) => {
      asked.push(stub);
      if (stub === 'boom') return Promise.reject(new Error('table unreachable'));
      return Promise.resolve(left.shift());
    });
    const { url, secret } = service.settings;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/claim$/);
    assert.deepEqual(await post(url, { stub: 's1', secret: 'guess' }), { status: 403, text: 'not this machine' });
    assert.deepEqual(asked, [], 'a caller without the secret claims nothing');
    assert.deepEqual(JSON.parse((await post(url, { stub: 's1', secret })).text), { n: 0, token: 1, attempts: 1, item: { file: 'a.spec.js', estimateMs: 5 } });
    assert.equal((await post(url, { stub: 's2', secret })).text, 'null');
    assert.deepEqual(await post(url, { stub: 'boom', secret }), { status: 500, text: 'table unreachable' });
    assert.deepEqual(asked, ['s1', 's2', 'boom']);
  });
});
