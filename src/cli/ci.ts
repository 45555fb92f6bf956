// `uber ci`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerCi: Register = (program) => {
  program.command('ci').description('(not available yet)');
};
