// Who each profile really is: credentials found, region set, and an account identity to catch two profiles on one account.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { profileFiles, type ProfileInfo } from '../aws/profiles.js';

export interface ProfileCheck {
  profile: string;
  region: string | null;
  /** What makes two profiles "the same account": the STS account id, or endpoint + access key id for local endpoints. */
  identity: string | null;
  /** How the identity was found. */
  source: 'sts' | 'endpoint' | 'access-key' | null;
  /** Shown to people: account id, or endpoint with a masked key. */
  shown: string | null;
  problems: string[];
  notes: string[];
}

export function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 4)}****${key.slice(-4)}`;
}

async function credentialsOf(p: ProfileInfo, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }> {
  if (p.accessKeyId && p.secretAccessKey) return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, sessionToken: p.sessionToken };
  const files = profileFiles(env);
  const provider = fromIni({ profile: p.name, filepath: files.credentialsFile, configFilepath: files.configFile });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([provider(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks one profile; never throws (problems are data). */
export async function checkProfile(p: ProfileInfo, env: NodeJS.ProcessEnv, timeoutMs = 4000): Promise<ProfileCheck> {
  const out: ProfileCheck = { profile: p.name, region: p.region ?? null, identity: null, source: null, shown: null, problems: [], notes: [] };
  if (!p.region) out.problems.push('no region set (add "region = ..." to the profile)');
  let creds: Awaited<ReturnType<typeof credentialsOf>>;
  try {
    creds = await credentialsOf(p, env, timeoutMs);
  } catch (e) {
    out.problems.push(`credentials not found (${(e as Error).message.split('\n')[0]})`);
    return out;
  }
  if (p.endpointUrl) {
    out.identity = `${p.endpointUrl.replace(/\/+$/, '')}#${creds.accessKeyId}`;
    out.source = 'endpoint';
    out.shown = `${p.endpointUrl} as ${maskKey(creds.accessKeyId)}`;
    return out;
  }
  try {
    const sts = new STSClient({ region: p.region ?? 'us-east-1', credentials: creds, maxAttempts: 1, ignoreConfiguredEndpointUrls: true });
    const who = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
    sts.destroy();
    out.identity = `account:${who.Account}`;
    out.source = 'sts';
    out.shown = `account ${who.Account}`;
  } catch (e) {
    const name = (e as Error).name;
    if (/InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|AccessDenied/.test(name)) {
      out.problems.push(`STS rejected the credentials (${name})`);
      return out;
    }
    out.identity = `key:${creds.accessKeyId}`;
    out.source = 'access-key';
    out.shown = `key ${maskKey(creds.accessKeyId)} (STS not reachable: ${name})`;
    out.notes.push('STS not reachable; compared by access key id only');
  }
  return out;
}

/** Groups of profiles that resolve to one account (each group has 2+ names). */
export function duplicateAccounts(checks: readonly ProfileCheck[]): string[][] {
  const by = new Map<string, string[]>();
  for (const c of checks) if (c.identity) by.set(c.identity, [...(by.get(c.identity) ?? []), c.profile]);
  return [...by.values()].filter((g) => g.length > 1);
}
