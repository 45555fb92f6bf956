// One way to build an AWS SDK v3 client for a named profile: its own credentials, region and endpoint_url, from the profile files.
import { fromIni } from '@aws-sdk/credential-providers';
import { profileFiles, readProfiles } from './profiles.js';

/** What the SDK needs to talk to one profile's account, read from the profile files (not from AWS_PROFILE). */
export interface ProfileClientConfig {
  readonly profile: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | ReturnType<typeof fromIni>;
}

/** Reads one profile's client settings; throws when the profile is not in the files. */
export function profileClientConfig(profile: string, env: NodeJS.ProcessEnv = process.env): ProfileClientConfig {
  const p = readProfiles(env).get(profile);
  if (!p) throw new Error(`The profile "${profile}" is not in the AWS profile files any more; check AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.`);
  const files = profileFiles(env);
  const credentials =
    p.accessKeyId && p.secretAccessKey
      ? { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) }
      : // roles, SSO, credential_process: resolved for this profile by name, from the same files
        fromIni({ profile, filepath: files.credentialsFile, configFilepath: files.configFile });
  return { profile, region: p.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION, endpoint: p.endpointUrl, credentials };
}

/** A client of any AWS SDK v3 service for one profile, e.g. `profileClient(DynamoDBClient, 'ci-1', env)`. */
export function profileClient<C, Cfg extends object>(Client: new (config: Cfg) => C, cfg: ProfileClientConfig, extra: Partial<Cfg> = {}): C {
  return new Client({
    region: cfg.region,
    credentials: cfg.credentials,
    // without an endpoint of its own, the SDK must not pick one up from whatever AWS_PROFILE says
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : { ignoreConfiguredEndpointUrls: true }),
    ...extra,
  } as unknown as Cfg);
}
