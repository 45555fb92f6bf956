// Every error code uber gives, each with its exit code: the one registry (add a code with one line, sorted by name).

/** Exit codes, as DESIGN.md promises them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Code → exit code. A UsageError takes only a code whose exit is EXIT.usage, so a typo fails the type-check. */
export const ERROR_CODES = {
  ERR_UBER_BAD_BRANCH: EXIT.usage,
  ERR_UBER_BAD_NUMBER: EXIT.usage,
  ERR_UBER_CI_CONTEXT: EXIT.usage,
  ERR_UBER_CI_EXISTS: EXIT.usage,
  ERR_UBER_CI_IMAGE: EXIT.usage,
  ERR_UBER_CI_PARALLELISM: EXIT.usage,
  ERR_UBER_CI_PROFILE: EXIT.usage,
  ERR_UBER_CI_TEST_CWD: EXIT.usage,
  ERR_UBER_CI_WORKSPACE: EXIT.usage,
  ERR_UBER_COMMAND_NOT_FOUND: EXIT.usage,
  ERR_UBER_CONFIG_INVALID: EXIT.usage,
  ERR_UBER_CONFIG_MISSING: EXIT.usage,
  ERR_UBER_CONFIG_UNREADABLE: EXIT.usage,
  ERR_UBER_DEPLOY_COMMAND: EXIT.usage,
  ERR_UBER_DUPLICATE_PROFILE: EXIT.usage,
  ERR_UBER_INPUT_MISSING: EXIT.usage,
  ERR_UBER_INPUT_OUTSIDE: EXIT.usage,
  ERR_UBER_INPUT_SERVICE: EXIT.usage,
  ERR_UBER_INTERRUPTED: EXIT.interrupted,
  ERR_UBER_LEASE_DIR: EXIT.usage,
  ERR_UBER_LEASE_ENDED: EXIT.failed,
  ERR_UBER_LEASE_TIMEOUT: EXIT.failed,
  ERR_UBER_NO_BRANCH: EXIT.usage,
  ERR_UBER_NO_PROFILES: EXIT.usage,
  ERR_UBER_NO_REPOS: EXIT.usage,
  ERR_UBER_NO_SERVICES: EXIT.usage,
  ERR_UBER_POOL_INVALID: EXIT.usage,
  ERR_UBER_POOL_UNREACHABLE: EXIT.usage,
  ERR_UBER_PROFILE_FILE: EXIT.usage,
  ERR_UBER_PROFILE_LOOP: EXIT.usage,
  ERR_UBER_PROFILE_REGION: EXIT.usage,
  ERR_UBER_PROFILE_SOURCE: EXIT.usage,
  ERR_UBER_QUEUE_POOL: EXIT.usage,
  ERR_UBER_QUEUE_RUN_ID: EXIT.usage,
  ERR_UBER_REPO_MISSING: EXIT.usage,
  ERR_UBER_REPORT_NOTHING: EXIT.usage,
  ERR_UBER_REPORT_UNREADABLE: EXIT.usage,
  ERR_UBER_RUN_FAILED: EXIT.failed,
  ERR_UBER_RUN_POINTER: EXIT.usage,
  ERR_UBER_SANDBOX_RUNNING: EXIT.usage,
  ERR_UBER_SERVICE_NAME: EXIT.usage,
  ERR_UBER_SHARD_INVALID: EXIT.usage,
  ERR_UBER_SHARD_PROFILES: EXIT.usage,
  ERR_UBER_SPEC_EMPTY: EXIT.usage,
  ERR_UBER_STATE_DAMAGED: EXIT.usage,
  ERR_UBER_STATE_DIR: EXIT.usage,
  ERR_UBER_TEST_CWD: EXIT.usage,
  ERR_UBER_TMPDIR: EXIT.usage,
  ERR_UBER_UNKNOWN_PROFILE: EXIT.usage,
  ERR_UBER_UNKNOWN_REPO: EXIT.usage,
  ERR_UBER_USAGE: EXIT.usage,
} as const satisfies Record<`ERR_UBER_${string}`, ExitCode>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes a UsageError may carry: those that exit 2. */
export type UsageCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C] extends typeof EXIT.usage ? C : never }[ErrorCode];
