// Which profiles a command uses, written once for deploy, test, doctor and ci; a profile named twice is a usage error.
import { UsageError } from '../errors.js';

/** The --profiles help of deploy, doctor and ci (uber test adds the last deploy's healthy profiles first). */
export const PROFILES_HELP = 'comma-separated AWS profiles (default: config profiles, else UBER_PROFILES, else "default")';

export type ProfileSource = 'flag' | 'last-deploy' | 'config' | 'env' | 'default';

export interface ProfileInputs {
  /** --profiles as typed; undefined when not given. */
  readonly flag: string | undefined;
  /** The config's `profiles`; a thunk so `uber doctor --profiles a` needs no config. */
  readonly config: () => readonly string[] | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** uber test narrows to what the last deploy left healthy: its state file and the healthy profiles (undefined: no state). */
  readonly lastDeploy?: { readonly file: string; readonly healthy: () => readonly string[] | undefined } | undefined;
}

export interface ChosenProfiles {
  readonly profiles: string[];
  readonly source: ProfileSource;
}

/** "a, b,,c" → ["a", "b", "c"]. */
export function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function pick(inputs: ProfileInputs): { list: readonly string[]; source: ProfileSource; from: string } {
  if (inputs.flag !== undefined) return { list: splitList(inputs.flag), source: 'flag', from: '--profiles' };
  const healthy = inputs.lastDeploy?.healthy();
  if (healthy !== undefined) {
    if (healthy.length === 0) {
      throw new UsageError('ERR_UBER_NO_PROFILES', `The last deploy (${inputs.lastDeploy!.file}) left no healthy profile to test on; fix the deploy or pass --profiles a,b,c.`);
    }
    return { list: healthy, source: 'last-deploy', from: `the last deploy (${inputs.lastDeploy!.file})` };
  }
  const config = inputs.config();
  if (config !== undefined) return { list: config, source: 'config', from: 'profiles in the config' };
  if (inputs.env.UBER_PROFILES) return { list: splitList(inputs.env.UBER_PROFILES), source: 'env', from: 'UBER_PROFILES' };
  return { list: ['default'], source: 'default', from: 'the default' };
}

/**
 * The profiles to use and where they came from: --profiles, else (uber test only) the profiles the last deploy
 * left healthy, else `profiles` in the config, else UBER_PROFILES, else "default". Each source is read only when
 * every source before it is empty. An empty list or a profile named twice is a UsageError (exit 2).
 */
export function chooseProfiles(inputs: ProfileInputs): ChosenProfiles {
  const { list, source, from } = pick(inputs);
  if (list.length === 0) throw new UsageError('ERR_UBER_NO_PROFILES', `${from} names no profile; pass --profiles a,b,c.`);
  const dup = list.find((p, i) => list.indexOf(p) !== i);
  if (dup !== undefined) throw new UsageError('ERR_UBER_DUPLICATE_PROFILE', `Profile "${dup}" is listed twice in ${from}; list each profile once.`);
  return { profiles: [...list], source };
}
