// What a machine tells its mocha workers about the shared queue (one environment variable, like the plugin's settings).

export interface QueueSettings {
  /** The pool's table, reached as this profile (its own credentials, region and endpoint_url). */
  readonly profile: string;
  readonly table: string;
  /** The run every machine shares (--run-id). */
  readonly runId: string;
  /** This machine (the claims are its own, kept alive by its heartbeat). */
  readonly owner: string;
  /** How many units the queue holds. */
  readonly count: number;
}

export const QUEUE_ENV = 'UBER_QUEUE';

export function queueSettingsToEnv(s: QueueSettings): Record<string, string> {
  return { [QUEUE_ENV]: JSON.stringify(s) };
}

export function queueSettingsFromEnv(env: NodeJS.ProcessEnv): QueueSettings | undefined {
  const text = env[QUEUE_ENV];
  return text ? (JSON.parse(text) as QueueSettings) : undefined;
}
