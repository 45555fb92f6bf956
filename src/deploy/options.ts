// Deploy flags resolved against config and env: profiles, retries, concurrency (auto fits cores and memory).
import os from 'node:os';
import type { Config } from '../config/schema.js';
import { chooseProfiles } from '../options/profiles.js';
import { parseWhole } from '../options/whole.js';

/** A real `sls deploy` peaks at ~260–420 MB; auto concurrency keeps this much free memory per deploy. */
export const MB_PER_DEPLOY = 420;

/** The profiles to deploy into (one precedence for every command: src/options/profiles.ts). */
export function resolveProfiles(flag: string | undefined, config: Config, env: NodeJS.ProcessEnv): string[] {
  return chooseProfiles({ flag, config: () => config.profiles, env }).profiles;
}

/** auto: as many deploys as there are cores, and no more than free memory holds at MB_PER_DEPLOY each. */
export function autoConcurrency(cores = os.availableParallelism(), freeBytes = os.freemem()): number {
  return Math.max(1, Math.min(cores, Math.floor(freeBytes / (MB_PER_DEPLOY * 2 ** 20))));
}

export function resolveConcurrency(flag: string | undefined, config: Config): number {
  const value = flag ?? config.deploy.concurrency;
  if (value === 'auto') return autoConcurrency();
  return typeof value === 'number' ? value : parseWhole('--concurrency', value, 1, 256);
}

export function resolveRetries(flag: string | undefined, config: Config): number {
  return flag === undefined ? config.deploy.retries : parseWhole('--retry', flag, 0, 10);
}
