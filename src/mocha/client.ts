// AWS SDK v3 clients for the leased profile (`uber/client`): its own region, credentials and endpoint, bound to the lease.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { fromIni } from '@aws-sdk/credential-providers';
import { readProfiles } from '../aws/profiles.js';
import type { Lease } from '../lease/lease.js';
import { currentLease } from './slot.js';

export { currentLease } from './slot.js';
export { LeaseEndedError } from '../lease/lease.js';

/** What the SDK needs to talk to the leased account, read from the profile files (not from AWS_PROFILE). */
export interface LeasedProfileConfig {
  readonly profile: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | ReturnType<typeof fromIni>;
}

interface AnyClient {
  middlewareStack: { add(mw: unknown, opts: { step: 'initialize'; name: string }): void };
}

export function leasedProfileConfig(lease: Lease = currentLease(), env: NodeJS.ProcessEnv = process.env): LeasedProfileConfig {
  const p = readProfiles(env).get(lease.profile);
  if (!p) throw new Error(`The leased profile "${lease.profile}" is not in the AWS profile files any more; check AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.`);
  const credentials =
    p.accessKeyId && p.secretAccessKey
      ? { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) }
      : fromIni({ profile: lease.profile }); // roles, SSO, credential_process: resolved for this profile by name
  return { profile: lease.profile, region: p.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION, endpoint: p.endpointUrl, credentials };
}

/**
 * A client of any AWS SDK v3 service for the current lease, e.g. `clientFor(S3Client)`. It refuses to send a request
 * once the lease has ended (a timed-out test that keeps running cannot touch the next test's account).
 */
export function clientFor<C extends AnyClient, Cfg extends object>(Client: new (config: Cfg) => C, extra: Partial<Cfg> = {}): C {
  const lease = currentLease();
  const cfg = leasedProfileConfig(lease);
  const client = new Client({
    region: cfg.region,
    credentials: cfg.credentials,
    // without an endpoint of its own, the SDK must not pick one up from whatever AWS_PROFILE says later
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : { ignoreConfiguredEndpointUrls: true }),
    ...extra,
  } as unknown as Cfg);
  const name = Client.name || 'AWS';
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => (args: unknown) => {
      lease.assertActive(`this ${name}`);
      return next(args);
    },
    { step: 'initialize', name: 'uberLeaseGuard' },
  );
  return client;
}

/** A DynamoDB client for the current lease. */
export function dynamodb(extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return clientFor(DynamoDBClient, extra);
}
