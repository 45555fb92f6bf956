// `uber doctor` core: which profiles, each one checked (credentials, region, identity), and profiles sharing an account.
import { readProfiles, requireProfiles } from '../aws/profiles.js';
import { loadConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { chooseProfiles } from '../options/profiles.js';
import { checkProfile, duplicateAccounts, type ProfileCheck } from './identity.js';
import { checkRecords, type RecordsCheck } from './records.js';

export interface DoctorOptions {
  /** Comma-separated profiles; default the config's profiles, else UBER_PROFILES, else "default". */
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
  /** Per check (same order): can the profile read and write its deploy record table; null when the profile itself fails. */
  readonly records: (RecordsCheck | null)[];
}

/** deploy.recordTable from the config, or its default when there is no config. */
function recordTable(ctx: Pick<Ctx, 'cwd'>, explicitConfig: string | undefined): string | false {
  try {
    return loadConfig(ctx.cwd, explicitConfig).config.deploy.recordTable;
  } catch {
    return 'uber-deploys';
  }
}

/** The config's profiles; no config at all is fine for doctor (an explicit --config that is missing is not). */
function configProfiles(ctx: Pick<Ctx, 'cwd' | 'env'>, explicitConfig: string | undefined): readonly string[] | undefined {
  try {
    return loadConfig(ctx.cwd, explicitConfig).config.profiles;
  } catch (e) {
    if (!explicitConfig && e instanceof UsageError && e.code === 'ERR_UBER_CONFIG_MISSING') return undefined;
    throw e;
  }
}

/** Unknown names, an empty list or a name given twice are a UsageError; anything else wrong with a profile is a finding in the result. */
export async function doctor(ctx: Pick<Ctx, 'cwd' | 'env'>, opts: DoctorOptions): Promise<DoctorResult> {
  // the one precedence every command uses (src/options/profiles.ts)
  const { profiles: names } = chooseProfiles({ flag: opts.profiles, config: () => configProfiles(ctx, opts.config), env: ctx.env });
  const all = readProfiles(ctx.env);
  const missing = names.filter((n) => !all.has(n));
  if (missing.length > 0) requireProfiles(missing, ctx.env);
  const checks = await Promise.all(names.map((n) => checkProfile(all.get(n)!, ctx.env, opts.timeoutMs)));
  const duplicates = duplicateAccounts(checks);
  const table = recordTable(ctx, opts.config);
  const records = await Promise.all(checks.map((c) => (c.problems.length > 0 ? Promise.resolve(null) : checkRecords(c.profile, table, ctx.env, opts.timeoutMs))));
  return { ok: duplicates.length === 0 && checks.every((c) => c.problems.length === 0), checks, duplicates, records };
}
