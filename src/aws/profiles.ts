// Reads the user's AWS profiles (config + credentials files, honouring AWS_CONFIG_FILE and friends) without the SDK.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { parseIni } from './ini.js';

export interface ProfileInfo {
  readonly name: string;
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  readonly sessionToken?: string | undefined;
  readonly roleArn?: string | undefined;
  readonly sourceProfile?: string | undefined;
  readonly sso: boolean;
  readonly credentialProcess?: string | undefined;
  /** Every key as written, merged from both files (credentials win for keys). */
  readonly raw: ReadonlyMap<string, string>;
}

export interface ProfileFiles {
  readonly configFile: string;
  readonly credentialsFile: string;
}

export function profileFiles(env: NodeJS.ProcessEnv): ProfileFiles {
  const home = env.HOME ?? os.homedir();
  return {
    configFile: env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config'),
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'),
  };
}

function read(file: string): string {
  if (!existsSync(file)) return '';
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('ERR_UBER_PROFILE_FILE', `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); check its permissions.`);
  }
}

/** All profiles defined in the user's AWS files, by name. */
export function readProfiles(env: NodeJS.ProcessEnv): Map<string, ProfileInfo> {
  const files = profileFiles(env);
  const merged = new Map<string, Map<string, string>>();
  for (const [section, keys] of parseIni(read(files.configFile), files.configFile)) {
    const m = /^profile\s+(.+)$/.exec(section);
    const name = m ? m[1]!.trim() : section === 'default' ? 'default' : undefined;
    if (!name) continue; // sso-session, services and other non-profile sections
    merged.set(name, new Map([...(merged.get(name) ?? []), ...keys]));
  }
  for (const [name, keys] of parseIni(read(files.credentialsFile), files.credentialsFile)) {
    merged.set(name.trim(), new Map([...(merged.get(name.trim()) ?? []), ...keys]));
  }
  const out = new Map<string, ProfileInfo>();
  for (const [name, raw] of merged) {
    out.set(name, {
      name,
      region: raw.get('region'),
      endpointUrl: raw.get('endpoint_url'),
      accessKeyId: raw.get('aws_access_key_id'),
      secretAccessKey: raw.get('aws_secret_access_key'),
      sessionToken: raw.get('aws_session_token'),
      roleArn: raw.get('role_arn'),
      sourceProfile: raw.get('source_profile'),
      sso: raw.has('sso_session') || raw.has('sso_start_url'),
      credentialProcess: raw.get('credential_process'),
      raw,
    });
  }
  return out;
}

/** Checks that every named profile exists; an unknown one is a usage error listing the known ones. */
export function requireProfiles(names: readonly string[], env: NodeJS.ProcessEnv): Map<string, ProfileInfo> {
  if (names.length === 0) throw new UsageError('ERR_UBER_NO_PROFILES', 'The profile list is empty; pass --profiles a,b,c or set "profiles" in uber.config.yaml.');
  const all = readProfiles(env);
  const missing = names.filter((n) => !all.has(n));
  if (missing.length > 0) {
    const files = profileFiles(env);
    const known = [...all.keys()].sort();
    throw new UsageError(
      'ERR_UBER_UNKNOWN_PROFILE',
      `Profile${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in ${files.configFile} or ${files.credentialsFile}; known profiles: ${known.length ? known.join(', ') : '(none)'}.`,
    );
  }
  checkProfiles(names, all, env);
  return new Map(names.map((n) => [n, all.get(n)!]));
}

/**
 * Checks what makes a named profile unusable before anything runs: no region (and none in AWS_REGION /
 * AWS_DEFAULT_REGION), a source_profile that does not exist, or a source_profile chain that loops.
 * A profile naming itself as source_profile is allowed only with static keys (as the AWS CLI allows).
 */
export function checkProfiles(names: readonly string[], all: ReadonlyMap<string, ProfileInfo>, env: NodeJS.ProcessEnv): void {
  const files = profileFiles(env);
  const envRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  for (const name of names) {
    const p = all.get(name);
    if (!p) continue;
    if (!p.region && !envRegion) {
      throw new UsageError(
        'ERR_UBER_PROFILE_REGION',
        `Profile "${name}" has no region; add "region = eu-west-1" (your region) under [${name === 'default' ? 'default' : `profile ${name}`}] in ${files.configFile}, or set AWS_REGION.`,
      );
    }
    const chain = [name];
    for (let cur = p; cur.sourceProfile !== undefined; ) {
      const next = cur.sourceProfile;
      if (next === cur.name && cur.accessKeyId) break;
      if (chain.includes(next)) {
        throw new UsageError(
          'ERR_UBER_PROFILE_LOOP',
          `Profile "${name}" has a source_profile loop (${[...chain, next].join(' -> ')}); point source_profile at a profile with keys in ${files.configFile}.`,
        );
      }
      const src = all.get(next);
      if (!src) {
        throw new UsageError(
          'ERR_UBER_PROFILE_SOURCE',
          `Profile "${cur.name}" names source_profile "${next}", which is not in ${files.configFile} or ${files.credentialsFile}; add that profile or fix source_profile.`,
        );
      }
      chain.push(next);
      cur = src;
    }
  }
}

/** Every secret value found in the profile files, for redaction. */
export function profileSecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = [];
  for (const p of readProfiles(env).values()) {
    for (const v of [p.accessKeyId, p.secretAccessKey, p.sessionToken]) if (v) secrets.push(v);
  }
  return secrets;
}
