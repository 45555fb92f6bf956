// AWS SDK v3 clients for the leased profile (`uber/client`): its own region, credentials and endpoint, bound to the lease.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { profileClient, profileClientConfig, type ProfileClientConfig } from '../aws/client.js';
import type { HeldLease } from '../lease/lease.js';
import { currentLease } from './slot.js';

export { currentLease } from './slot.js';
export { LeaseEndedError } from '../lease/lease.js';

/** What the SDK needs to talk to the leased account (one shape with every profile client, see aws/client.ts). */
export type LeasedProfileConfig = ProfileClientConfig;

interface AnyClient {
  middlewareStack: { add(mw: unknown, opts: { step: 'initialize'; name: string }): void };
}

export function leasedProfileConfig(lease: HeldLease = currentLease(), env: NodeJS.ProcessEnv = process.env): LeasedProfileConfig {
  try {
    return profileClientConfig(lease.profile, env);
  } catch {
    throw new Error(`The leased profile "${lease.profile}" is not in the AWS profile files any more; check AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.`);
  }
}

/**
 * A client of any AWS SDK v3 service for the current lease, e.g. `clientFor(S3Client)`. It refuses to send a request
 * once the lease has ended (a timed-out test that keeps running cannot touch the next test's account).
 */
export function clientFor<C extends AnyClient, Cfg extends object>(Client: new (config: Cfg) => C, extra: Partial<Cfg> = {}): C {
  const lease = currentLease();
  const cfg = leasedProfileConfig(lease);
  const client = profileClient(Client, cfg, extra);
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
