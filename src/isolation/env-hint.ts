// One line for a deploy that failed on an unresolved ${env:NAME} that uber's own environment has but the deploy did not get.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnvMode } from './env.js';
import { neverPassed } from './env.js';

/** The service files serverless v3 reads its configuration from. */
const SERVICE_FILES = ['serverless.yml', 'serverless.yaml', 'serverless.json', 'serverless.js', 'serverless.cjs', 'serverless.mjs', 'serverless.ts'];
/** serverless v3: `Cannot resolve variable at "provider.environment.DOMAIN": Value not found at "env" source`. */
const ENV_SOURCE = /Value not found at "env" source|\$\{env:/;

/** The NAMEs of `${env:NAME}` (with or without a fallback) in a service's configuration, in order of first use. */
export function envRefs(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{env:\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
}

export interface EnvHintInput {
  /** What the deploy printed. */
  readonly output: string;
  /** The folder the deploy ran in (its serverless.yml is read). */
  readonly serviceDir: string;
  /** uber's environment. */
  readonly parent: NodeJS.ProcessEnv;
  /** The deploy's environment. */
  readonly child: Readonly<Record<string, string>>;
  readonly mode?: EnvMode | undefined;
}

/**
 * A hint naming every `${env:NAME}` of the service that uber has and the deploy lacked, and the setting that decides
 * it; undefined when the failure was not an env variable or the names are missing from uber's environment too.
 */
export async function envHint(i: EnvHintInput): Promise<string | undefined> {
  if (!ENV_SOURCE.test(i.output)) return undefined;
  const texts = await Promise.all(SERVICE_FILES.map((f) => readFile(path.join(i.serviceDir, f), 'utf8').catch(() => '')));
  const held = envRefs(texts.join('\n')).filter((n) => i.parent[n] !== undefined && i.child[n] === undefined);
  if (held.length === 0) return undefined;
  const refs = (names: string[]): string => names.map((n) => `\${env:${n}}`).join(', ');
  const never = held.filter(neverPassed);
  const passable = held.filter((n) => !neverPassed(n));
  const parts: string[] = [];
  if (passable.length > 0 && i.mode === 'strict') {
    parts.push(`${refs(passable)} ${passable.length > 1 ? 'are' : 'is'} set in uber's environment but deploy.env is strict, so the deploy did not get ${passable.length > 1 ? 'them' : 'it'}; add UBER_PASS_ENV=${passable.join(',')} or remove deploy.env: strict from uber.config.yaml`);
  }
  if (never.length > 0) {
    parts.push(`${refs(never)} ${never.length > 1 ? 'are' : 'is'} never passed to a deploy (uber sets HOME, TMPDIR and the AWS profile, files and region itself); read the value from the profile or pass it under another name`);
  }
  return parts.length > 0 ? `uber: hint: ${parts.join('; ')}.` : undefined;
}
