// The CLI loads only the command it runs; help and unknown commands still see every command.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Ctx } from '../../src/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { requestedCommand } from '../../src/cli/requested.js';

function ctx(): Ctx {
  return { cwd: process.cwd(), env: {}, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
}

describe('cli/program', () => {
  it('finds the command word, skipping global options and their values', () => {
    assert.equal(requestedCommand(['deploy', '--branch', 'x']), 'deploy');
    assert.equal(requestedCommand(['--config', 'sync', 'test', '--parallel']), 'test');
    assert.equal(requestedCommand(['--debug', 'sync']), 'sync');
    assert.equal(requestedCommand(['--help']), undefined);
    assert.equal(requestedCommand(['--', 'deploy']), undefined);
  });

  it('registers only the requested command, and all of them for help', async () => {
    const one = await buildProgram(ctx(), { code: 0 }, ['sync', '--branch', 'x']);
    assert.deepEqual(one.commands.map((c) => c.name()), ['sync']);
    const all = await buildProgram(ctx(), { code: 0 }, ['--help']);
    assert.deepEqual(all.commands.map((c) => c.name()).sort(), ['ci', 'deploy', 'doctor', 'pool', 'report', 'run', 'sandbox', 'sync', 'test']);
    const unknown = await buildProgram(ctx(), { code: 0 }, ['deploi']);
    assert.equal(unknown.commands.length, 9);
  });
});
