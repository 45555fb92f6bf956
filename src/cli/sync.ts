// `uber sync`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerSync: Register = (program) => {
  program.command('sync').description('(not available yet)');
};
