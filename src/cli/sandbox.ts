// `uber sandbox`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerSandbox: Register = (program) => {
  program.command('sandbox').description('(not available yet)');
};
