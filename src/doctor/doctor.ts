// `uber doctor` core: which profiles, each one checked (credentials, region, identity), and profiles sharing an account.
import { readProfiles, requireProfiles } from '../aws/profiles.js';
import { loadConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { checkProfile, duplicateAccounts, type ProfileCheck } from './identity.js';

export interface DoctorOptions {
  /** Comma-separated profiles; default UBER_PROFILES, else the config's profiles, else "default". */
  readonly profiles?: string | undefined;
  readonly config?: string | undefined;
  /** How long to wait for credentials and STS per profile. */
  readonly timeoutMs: number;
}

export interface DoctorResult {
  /** Every profile usable and no two on one account. */
  readonly ok: boolean;
  readonly checks: ProfileCheck[];
  /** Groups of profiles that are one account. */
  readonly duplicates: string[][];
}

function defaultProfiles(ctx: Pick<Ctx, 'cwd' | 'env'>, explicitConfig: string | undefined): string[] {
  if (ctx.env.UBER_PROFILES) return ctx.env.UBER_PROFILES.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    return loadConfig(ctx.cwd, explicitConfig).config.profiles ?? ['default'];
  } catch (e) {
    if (!explicitConfig && e instanceof UsageError && e.code === 'ERR_UBER_CONFIG_MISSING') return ['default'];
    throw e;
  }
}

/** Unknown names (or an empty list) are a UsageError; anything else wrong with a profile is a finding in the result. */
export async function doctor(ctx: Pick<Ctx, 'cwd' | 'env'>, opts: DoctorOptions): Promise<DoctorResult> {
  const names = opts.profiles !== undefined ? opts.profiles.split(',').map((s) => s.trim()).filter(Boolean) : defaultProfiles(ctx, opts.config);
  const all = readProfiles(ctx.env);
  const missing = names.filter((n) => !all.has(n));
  if (missing.length > 0 || names.length === 0) requireProfiles(missing, ctx.env);
  const checks = await Promise.all([...new Set(names)].map((n) => checkProfile(all.get(n)!, ctx.env, opts.timeoutMs)));
  const duplicates = duplicateAccounts(checks);
  return { ok: duplicates.length === 0 && checks.every((c) => c.problems.length === 0), checks, duplicates };
}
