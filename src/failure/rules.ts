// The failure table: which end of a deploy is transient, permanent or a no-op success (DESIGN.md), as data.

/** What a finished attempt means for the run. */
export type FailureClass = 'ok' | 'no-op' | 'transient' | 'permanent' | 'cancelled';

export interface Rule {
  /** Stable id, shown in logs and the summary ("failed: permanent (credentials)"). */
  readonly id: string;
  readonly class: FailureClass;
  /** Matches when the process ended with this exit code (any code when absent). */
  readonly exitCode?: number | 'nonzero' | undefined;
  /** Matches when the process was ended by this signal. */
  readonly signal?: string | undefined;
  /** Matches the captured output (stdout + stderr). */
  readonly output?: RegExp | undefined;
  /** A death from memory pressure: retry, and run fewer deploys at once. */
  readonly lowerConcurrency?: boolean | undefined;
}

/**
 * Checked in order, first match wins. Add a row to teach uber a new message.
 * Permanent rows come before transient ones: a broken stack that also mentions a throttle is still broken.
 */
export const RULES: readonly Rule[] = [
  { id: 'no-changes', class: 'no-op', output: /No changes to deploy|Service files not changed\. Skipping deployment/i },
  { id: 'success', class: 'ok', exitCode: 0 },
  { id: 'command-not-found', class: 'permanent', exitCode: 127 },
  { id: 'killed', class: 'transient', signal: 'SIGKILL', lowerConcurrency: true },
  { id: 'killed', class: 'transient', exitCode: 137, lowerConcurrency: true },
  { id: 'out-of-memory', class: 'transient', output: /JavaScript heap out of memory|Reached heap limit|ENOMEM/, lowerConcurrency: true },
  { id: 'rollback-failed', class: 'permanent', output: /UPDATE_ROLLBACK_FAILED/ },
  { id: 'credentials', class: 'permanent', output: /credentials (?:not found|are missing)|could not load credentials|InvalidClientTokenId|UnrecognizedClientException|security token included in the request is (?:invalid|expired)|ExpiredToken|SignatureDoesNotMatch|The config profile \(.*\) could not be found|Profile .* (?:not found|does not exist)/i },
  { id: 'access-denied', class: 'permanent', output: /AccessDenied|is not authorized to perform/ },
  { id: 'unresolved-variable', class: 'permanent', output: /Cannot resolve variable|Unresolved variable|Variables resolution errored|could not be resolved/i },
  { id: 'config', class: 'permanent', output: /YAMLException|Cannot parse "?serverless|Invalid configuration|Configuration error|Unrecognized (?:property|configuration)|serverless\.(?:yml|yaml|ts|js|json)" not found|No serverless.* configuration file/i },
  { id: 'deploy-bucket', class: 'permanent', output: /Could not locate deployment bucket|deployment bucket .*(?:does not exist|not found)|NoSuchBucket/i },
  { id: 'stack-in-progress', class: 'transient', output: /_IN_PROGRESS state and can ?not be updated|is in [A-Z_]+_IN_PROGRESS state/i },
  { id: 'throttled', class: 'transient', output: /Rate exceeded|Throttl(?:ing|ed)|TooManyRequests|RequestLimitExceeded|SlowDown|Too Many Requests/i },
  { id: 'resource-conflict', class: 'transient', output: /ResourceConflictException/ },
  { id: 'network', class: 'transient', output: /ECONNRESET|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|EPIPE|socket hang up|NetworkingError/i },
  { id: 'service-unavailable', class: 'transient', output: /ServiceUnavailable|InternalFailure|InternalError: We encountered an internal error/ },
];

/** An unknown failure is permanent: uber retries only what it knows is retryable. */
export const DEFAULT_FAILURE: Rule = { id: 'unknown-failure', class: 'permanent' };
