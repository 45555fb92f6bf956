// `uber deploy`: placeholder registration until the command lands (prints its help, runs nothing).
import type { Register } from './program.js';

export const registerDeploy: Register = (program) => {
  program.command('deploy').description('(not available yet)');
};
