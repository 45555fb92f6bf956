// The deploy command template: split into argv once (quotes honoured, never a shell), then filled per argument.
import { UsageError } from '../errors.js';

/** {service} is the service's name (serverless.yml `service:`, else its folder's); {servicePath} its folder in the repo. */
export const PLACEHOLDERS = ['stage', 'profile', 'service', 'servicePath', 'repo', 'branch'] as const;
export type Vars = Record<(typeof PLACEHOLDERS)[number], string>;

/** Splits "sls deploy --stage '{stage}'" into words; single and double quotes group, backslash escapes. */
export function splitTemplate(template: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < template.length; i += 1) {
    const c = template[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < template.length) cur += template[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < template.length) {
      cur += template[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError('ERR_UBER_DEPLOY_COMMAND', `deploy.command has an unclosed ${quote} quote; close it in uber.config.yaml.`);
  if (inWord) words.push(cur);
  if (words.length === 0) throw new UsageError('ERR_UBER_DEPLOY_COMMAND', 'deploy.command is empty; set it in uber.config.yaml.');
  return words;
}

/** Checks the template once: every {name} must be a known placeholder. Returns the argv template. */
export function parseTemplate(template: string): string[] {
  const words = splitTemplate(template);
  for (const w of words) {
    for (const m of w.matchAll(/\{([^{}]*)\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
        throw new UsageError(
          'ERR_UBER_DEPLOY_COMMAND',
          `deploy.command uses an unknown placeholder {${m[1]}}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}.`,
        );
      }
    }
  }
  return words;
}

/** Fills each argument separately: a value with spaces stays one argument. */
export function fillTemplate(words: readonly string[], vars: Vars): string[] {
  return words.map((w) => w.replace(/\{(stage|profile|servicePath|service|repo|branch)\}/g, (_, k: keyof Vars) => vars[k]));
}
