// Validates a CircleCI config with CircleCI's own config parser (SDK + JSON schemas) plus the checks it skips.
import { createRequire } from 'node:module';
import { parse } from 'yaml';

interface Parser {
  parseConfig(config: unknown): { jobs: { name: string }[]; workflows: { name: string }[] };
}

const require = createRequire(import.meta.url);
const parser = require('@circleci/circleci-config-parser') as Parser;

interface RawJob {
  parallelism?: unknown;
  steps?: unknown[];
}
interface RawConfig {
  version?: unknown;
  jobs?: Record<string, RawJob>;
  commands?: Record<string, unknown>;
  workflows?: Record<string, { jobs?: unknown[] }>;
}

/** Throws with a reason when `text` is not a valid CircleCI 2.1 config; returns the parsed YAML. */
export function validateCircleConfig(text: string): RawConfig {
  const raw = parse(text) as RawConfig;
  if (raw.version !== 2.1) throw new Error(`version must be 2.1, got ${String(raw.version)}`);
  let sdk: ReturnType<Parser['parseConfig']>;
  try {
    sdk = parser.parseConfig(raw); // throws on unknown steps, bad shapes, unknown executors/commands
  } catch (e) {
    throw new Error(`CircleCI's config parser rejects it: ${String((e as Error).message).split('\n').slice(0, 2).join(' ')}`);
  }
  const jobs = Object.keys(raw.jobs ?? {});
  if (sdk.jobs.map((j) => j.name).sort().join() !== [...jobs].sort().join()) throw new Error('the parser lost a job');
  // The parser's job schema does not check these (its properties sit under additionalProperties).
  for (const [name, job] of Object.entries(raw.jobs ?? {})) {
    if (job.parallelism !== undefined && (!Number.isInteger(job.parallelism) || (job.parallelism as number) < 1)) {
      throw new Error(`jobs.${name}.parallelism must be a positive integer, got ${JSON.stringify(job.parallelism)}`);
    }
  }
  for (const [wf, w] of Object.entries(raw.workflows ?? {})) {
    for (const entry of w.jobs ?? []) {
      const [job, opts]: [string, unknown] = typeof entry === 'string' ? [entry, {}] : (Object.entries(entry as Record<string, unknown>)[0] ?? ['', {}]);
      if (!jobs.includes(job)) throw new Error(`workflow ${wf} runs unknown job ${job}`);
      for (const req of ((opts as { requires?: string[] }).requires ?? [])) {
        if (!jobs.includes(req)) throw new Error(`workflow ${wf}: ${job} requires unknown job ${req}`);
      }
    }
  }
  return raw;
}
