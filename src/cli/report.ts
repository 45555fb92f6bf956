// `uber report`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerReport: Register = (program) => {
  program.command('report').description('(not available yet)');
};
