// `uber test`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerTest: Register = (program) => {
  program.command('test').description('(not available yet)');
};
