// `uber doctor`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerDoctor: Register = (program) => {
  program.command('doctor').description('(not available yet)');
};
