// Colour rules (Node's): FORCE_COLOR wins, then NO_COLOR / NODE_DISABLE_COLORS / TERM=dumb, then a TTY; CI alone never.
import assert from 'node:assert/strict';
import { wantsColour } from '../../src/ui/colour.js';
import { mochaArgv } from '../../src/testrun/argv.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('ui/colour', () => {
  it('a pipe gets no colour, whatever CI says; a TTY does', () => {
    assert.equal(wantsColour(pipe, {}), false);
    assert.equal(wantsColour(pipe, { CI: 'true' }), false);
    assert.equal(wantsColour(tty, {}), true);
    assert.equal(wantsColour(tty, { TERM: 'dumb' }), false);
  });

  it('NO_COLOR (non-empty) turns it off; FORCE_COLOR decides over everything, "0" and "false" meaning off', () => {
    assert.equal(wantsColour(tty, { NO_COLOR: '1' }), false);
    assert.equal(wantsColour(tty, { NO_COLOR: '' }), true, 'no-color.org: an empty NO_COLOR does not count');
    assert.equal(wantsColour(pipe, { FORCE_COLOR: '1' }), true);
    assert.equal(wantsColour(pipe, { FORCE_COLOR: '' }), true);
    assert.equal(wantsColour(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
    assert.equal(wantsColour(tty, { FORCE_COLOR: '0' }), false);
    assert.equal(wantsColour(tty, { FORCE_COLOR: 'false' }), false);
  });

  it('mocha always gets --color or --no-color, so it never guesses from CI or FORCE_COLOR=0', () => {
    const base = { files: ['a.spec.js'], jobs: 1, reporter: undefined, extra: [], userRc: { file: undefined, spec: [], requires: [], nodeFlags: false }, runDir: '/tmp/x' };
    assert.ok(mochaArgv({ ...base, color: false }).includes('--no-color'));
    assert.ok(mochaArgv({ ...base, color: true }).includes('--color'));
  });
});
