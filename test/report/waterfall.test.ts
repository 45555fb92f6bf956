// The waterfalls are self-contained pages whose script draws one bar per test / attempt, checked in headless Chromium.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDeployWaterfall } from '../../src/report/waterfall-deploys.js';
import { writeTestWaterfall } from '../../src/report/waterfall-tests.js';
import { dumpDom, elements } from './browser.js';
import { knownRun, knownState } from './fixtures.js';

describe('report/waterfall', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-waterfall-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is self-contained: no external scripts, styles or fetches, and test titles are escaped', () => {
    const file = writeTestWaterfall(knownRun(), path.join(dir, 'static', 'waterfall.html'));
    const html = readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    assert.doesNotMatch(html, /<b>/, 'a test title cannot inject markup');
    assert.match(html, /creates an order \\u003cb>/);
  });

  it('draws one bar per test in its account lane and its worker lane, coloured by result, in Chromium', () => {
    const run = knownRun();
    const file = writeTestWaterfall(run, path.join(dir, 'waterfall.html'));
    const dom = dumpDom(file);
    const rects = elements(dom, 'rect');
    const tests = rects.filter((r) => r['data-kind'] === 'test');
    assert.equal(tests.filter((r) => r['data-group'] === 'workers').length, 6, 'every test in its worker lane');
    assert.equal(tests.filter((r) => r['data-group'] === 'accounts').length, 5, 'every test that held an account in its account lane');
    const colours = new Map(tests.map((r) => [r['data-state'], r.fill]));
    assert.deepEqual([...colours.keys()].sort(), ['failed', 'passed', 'pending']);
    assert.equal(new Set(colours.values()).size, 3, 'one colour per result');
    const failed = tests.find((r) => r['data-state'] === 'failed' && r['data-group'] === 'accounts');
    assert.equal(failed?.['data-lane'], 'account:ci-2');
    const width = (r: Record<string, string> | undefined): number => Number(r?.width);
    const long = tests.find((r) => r['data-test'] === 'billing charges' && r['data-group'] === 'workers');
    const short = tests.find((r) => r['data-test'] === 'orders rejects a bad order' && r['data-group'] === 'workers');
    assert.ok(width(long) > 2.5 * width(short), 'bar widths follow durations');
    assert.equal(rects.filter((r) => r['data-kind'] === 'wait').length, 1, 'the lease wait is visible');
    const files = rects.filter((r) => r['data-kind'] === 'file');
    assert.deepEqual(files.map((r) => [r['data-file'], r['data-lane'], r['data-state']]), [
      ['orders.spec.js', 'worker:101', 'file failed'],
      ['users.spec.js', 'worker:202', 'file passed'],
      ['billing.spec.js', 'worker:202', 'file passed'],
    ]);
    const bIdx = (r: Record<string, string> | undefined): number => rects.indexOf(r ?? {});
    assert.ok(files.every((f) => bIdx(f) < bIdx(tests[0])), 'files are drawn behind the tests');
    const finishes = elements(dom, 'line').filter((l) => l['data-finish']);
    assert.deepEqual(finishes.map((l) => l['data-finish']).sort(), ['account:ci-1', 'account:ci-2', 'account:ci-3', 'worker:101', 'worker:202']);
    assert.match(dom, /<title>orders creates an order &lt;b&gt;\n/, 'hover text names the test');
    assert.match(dom, /data-rendered-bars="15"/);
  });

  it('draws the deploys: a lane per profile, each attempt a separate segment', () => {
    const file = writeDeployWaterfall(knownState(), path.join(dir, 'deploy-waterfall.html'));
    const dom = dumpDom(file);
    const attempts = elements(dom, 'rect').filter((r) => r['data-kind'] === 'attempt');
    assert.equal(attempts.length, 4);
    assert.equal(elements(dom, 'rect').filter((r) => r['data-kind'] === 'backoff').length, 1, 'the backoff between attempts is drawn');
    const api = attempts.filter((r) => r['data-service'] === 'shop/services/api');
    assert.deepEqual(api.map((r) => [r['data-attempt'], r['data-state']]), [['1', 'transient'], ['2', 'ok']]);
    assert.ok(Number(api[1]?.x) > Number(api[0]?.x) + Number(api[0]?.width), 'the retry starts after a visible gap');
    assert.equal(new Set(api.map((r) => r.y)).size, 1, 'attempts of one service share a row');
    const noop = attempts.find((r) => r['data-service'] === 'shop');
    assert.notEqual(noop?.y, api[0]?.y, 'an overlapping deploy in the same profile gets its own row');
    assert.deepEqual(
      elements(dom, 'line').filter((l) => l['data-finish']).map((l) => l['data-finish']).sort(),
      ['profile:ci-1', 'profile:ci-2'],
    );
    assert.match(dom, /ci-2 \(unhealthy\)/);
  });
});
