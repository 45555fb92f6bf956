// `uber` from the sources (src/cli/main.ts under tsx), for a test that needs a whole uber process to SIGKILL.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr, signal: new AbortController().signal });
