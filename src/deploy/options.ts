// Deploy flags resolved against config and env: profiles, retries, concurrency (auto fits cores and memory).
import os from 'node:os';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';

/** A real `sls deploy` peaks at ~260–420 MB; auto concurrency keeps this much free memory per deploy. */
export const MB_PER_DEPLOY = 420;

/** --profiles wins, then config.profiles, then UBER_PROFILES, then "default". Duplicates are a usage error. */
export function resolveProfiles(flag: string | undefined, config: Config, env: NodeJS.ProcessEnv): string[] {
  const split = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
  let list: string[];
  let from: string;
  if (flag !== undefined) [list, from] = [split(flag), '--profiles'];
  else if (config.profiles) [list, from] = [config.profiles, 'profiles in the config'];
  else if (env.UBER_PROFILES) [list, from] = [split(env.UBER_PROFILES), 'UBER_PROFILES'];
  else [list, from] = [['default'], 'the default'];
  if (list.length === 0) throw new UsageError('ERR_UBER_NO_PROFILES', `${from} names no profile; pass --profiles a,b,c.`);
  const dup = list.find((p, i) => list.indexOf(p) !== i);
  if (dup) throw new UsageError('ERR_UBER_DUPLICATE_PROFILE', `Profile "${dup}" is listed twice in ${from}; list each profile once.`);
  return list;
}

/** Parses a whole-number flag or throws a one-sentence usage error. */
export function parseWhole(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError('ERR_UBER_BAD_FLAG', `${flag} must be a whole number from ${min} to ${max}, not "${text}"; e.g. ${flag} ${Math.min(max, Math.max(min, 2))}.`);
  }
  return n;
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
