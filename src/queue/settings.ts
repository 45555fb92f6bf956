// What a machine tells its mocha workers about the shared queue: where its claim service listens (one environment variable).

export interface QueueSettings {
  /** The machine's claim service on loopback (src/queue/serve.ts). */
  readonly url: string;
  /** Sent with every claim, so no other local process can take this machine's units. */
  readonly secret: string;
}

export const QUEUE_ENV = 'UBER_QUEUE';

export function queueSettingsToEnv(s: QueueSettings): Record<string, string> {
  return { [QUEUE_ENV]: JSON.stringify(s) };
}

export function queueSettingsFromEnv(env: NodeJS.ProcessEnv): QueueSettings | undefined {
  const text = env[QUEUE_ENV];
  return text ? (JSON.parse(text) as QueueSettings) : undefined;
}
