// Before anything runs: the deploy command must be found for every service (node_modules/.bin, then PATH).
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { binDirs } from '../isolation/isolate.js';
import type { Service } from './plan.js';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where `command` would run from for this service, or undefined; the same lookup the deploy's PATH gives. */
export function findCommand(command: string, service: Service, env: NodeJS.ProcessEnv): string | undefined {
  const cwd = path.resolve(service.repoDir, service.service);
  if (command.includes('/')) {
    const file = path.resolve(cwd, command); // relative paths resolve in the service folder, as in the copy
    return executable(file) ? file : undefined;
  }
  const dirs = [...binDirs(service.repoDir, cwd), ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return dirs.map((d) => path.join(d, command)).find(executable);
}

/** Throws a usage error naming the first service for which the deploy command cannot be found. */
export function assertCommandFound(command: string, services: readonly Service[], env: NodeJS.ProcessEnv): void {
  for (const s of services) {
    if (findCommand(command, s, env)) continue;
    const where = s.service === '.' ? s.repo : `${s.repo}/${s.service}`;
    throw new UsageError(
      'ERR_UBER_COMMAND_NOT_FOUND',
      `deploy.command runs "${command}", which is neither in node_modules/.bin of ${where} nor on PATH; install it (e.g. npm i -D serverless@3) or fix deploy.command.`,
    );
  }
}
