// The one schema of uber.config.yaml: types, defaults and descriptions in a single place.
import * as z from 'zod';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const repoSchema = z.strictObject({
  name: nonEmpty.describe('folder under the workspace; unique'),
  url: nonEmpty.describe('any git URL: https, ssh (git@host:path), file://, or a local path'),
  branch: nonEmpty.optional().describe("default branch; else the remote's HEAD"),
  services: z
    .array(nonEmpty)
    .default(['serverless.yml'])
    .describe('globs in the repo matching serverless.yml files, one service each'),
  inputs: z
    .array(nonEmpty)
    .optional()
    .describe('more paths whose change redeploys every service of this repo: relative to the repo, "../<repo>/path" for another repo of the workspace'),
  serviceInputs: z
    .record(nonEmpty, z.array(nonEmpty))
    .optional()
    .describe('per service folder (e.g. "services/api"): more paths whose change redeploys that service, as in inputs'),
});

export const deploySchema = z.strictObject({
  command: nonEmpty
    .default('sls deploy --stage {stage} --aws-profile {profile}')
    .describe("argv template, never a shell; placeholders {stage} {profile} {service} (the service's name) {servicePath} (its folder) {repo} {branch}"),
  stage: nonEmpty.default('ci').describe('value of {stage}'),
  retries: z.number().int().min(0).max(10).default(2).describe('extra attempts for transient failures'),
  concurrency: z
    .union([z.literal('auto'), z.number().int().min(1).max(256)])
    .default('auto')
    .describe('deploys at once; auto fits cores and free memory'),
  perProfile: z.number().int().min(1).max(64).default(2).describe('deploys into one account at once'),
  timeout: z.number().int().min(1).default(3600).describe('seconds before one deploy attempt is killed'),
  env: z
    .enum(['inherit', 'strict'])
    .default('inherit')
    .describe("inherit: the deploy sees uber's environment minus AWS credential/profile/region variables, HOME, TMPDIR and UBER_*; strict: only locale, terminal, proxy and CA settings plus UBER_PASS_ENV"),
  lockTimeout: z.number().positive().default(1800).describe('seconds a deploy waits for the tests (or deploy) holding an account; then that account fails'),
  recordTable: z
    .union([nonEmpty.regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'), z.literal(false)])
    .default('uber-deploys')
    .describe('DynamoDB table in each account where uber records what it deployed (created on demand); false: deploy everything every time'),
});

export const testSchema = z.strictObject({
  spec: z.array(nonEmpty).min(1).default(['test/**/*.spec.{js,mjs,ts}']).describe('mocha spec globs'),
  cwd: nonEmpty.default('.').describe('where mocha runs, relative to the config file'),
  leaseScope: z.enum(['test', 'file']).default('test').describe('lease one account per test or per file'),
  leaseTimeout: z.number().positive().default(600).describe('seconds a test may wait for a free account'),
  noSplit: z.array(nonEmpty).default([]).describe('spec globs (relative to cwd) whose files always run whole, never as units on several workers'),
  pool: nonEmpty
    .optional()
    .describe('where leases live: local (lock files on this machine) or dynamodb:<profile>/<table> (one pool shared by every machine; the table is created on demand in the account <profile> names); --pool overrides it, UBER_POOL applies when it is unset'),
  poolLease: z.number().min(1).optional().describe('seconds a shared-pool lease lasts without a heartbeat (default 60, or UBER_POOL_LEASE); heartbeats come every lease / 6'),
  poolCleanup: nonEmpty
    .optional()
    .describe('argv template (never a shell) run before an account taken back from a dead holder is leased again; {profile} is the account'),
});

export const historySchema = z.strictObject({
  runs: z.number().int().min(1).default(50).describe('run folders kept under .uber/runs, newest first'),
  days: z.number().positive().default(30).describe('run folders and rotated lease audits older than this many days are removed'),
  auditMB: z.number().positive().default(16).describe('the lease audit (.uber/leases/audit.jsonl) is rotated past this size in MB'),
  auditFiles: z.number().int().min(0).default(4).describe('rotated lease audits kept, newest first'),
});

export const syncSchema = z.strictObject({
  waitForTests: z
    .number()
    .min(0)
    .default(1800)
    .describe('seconds sync (also deploy\'s sync step) waits for a running uber test that uses a repo, then skips it as busy; 0 = skip at once'),
});

export const configSchema = z.strictObject({
  workspace: nonEmpty.default('./repos').describe('where repos are cloned, relative to this file'),
  profiles: z
    .array(nonEmpty)
    .min(1, 'must list at least one profile')
    .optional()
    .describe('default pool of AWS profiles; --profiles overrides'),
  repos: z.array(repoSchema).default([]).describe('the repositories of the product'),
  sync: syncSchema.default(syncSchema.parse({})),
  deploy: deploySchema.default(deploySchema.parse({})),
  test: testSchema.default(testSchema.parse({})),
  history: historySchema.default(historySchema.parse({})),
});

export type Config = z.infer<typeof configSchema>;
export type RepoConfig = z.infer<typeof repoSchema>;
export type DeployConfig = z.infer<typeof deploySchema>;
export type TestConfig = z.infer<typeof testSchema>;
export type HistoryConfig = z.infer<typeof historySchema>;
