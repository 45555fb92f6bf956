// The environment of a leased test: AWS_PROFILE and friends set for the lease, everything restored exactly after.

/** Variables that would override the leased profile in the AWS SDK and CLI; unset while a lease is held. */
const OVERRIDES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE', 'AWS_ENDPOINT_URL'];

/** Points the environment at `profile`; the returned function puts back every variable exactly as it was. */
export function enterLease(env: NodeJS.ProcessEnv, profile: string, leaseId: string): () => void {
  const before = { ...env };
  for (const k of OVERRIDES) delete env[k];
  env.AWS_PROFILE = profile;
  env.UBER_PROFILE = profile;
  env.UBER_LEASE_ID = leaseId;
  return () => {
    for (const k of Object.keys(env)) if (!(k in before)) delete env[k];
    for (const [k, v] of Object.entries(before)) if (env[k] !== v) env[k] = v;
  };
}
