// The deploy plan: services found by each repo's globs × profiles, one pair each (pure once services are found).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { parse } from 'yaml';
import { UsageError } from '../errors.js';
import type { RepoConfig } from '../config/schema.js';
import { fillTemplate, type Vars } from './template.js';

export interface Service {
  readonly repo: string;
  readonly repoDir: string;
  /** Folder of the service's serverless.yml inside the repo, '/'-separated; "." for the root ({servicePath}). */
  readonly service: string;
  /** The service's name ({service}): `service:` of its serverless.yml, else the folder's name (see serviceNameOf). */
  readonly name?: string | undefined;
}

export interface Pair extends Service {
  /** "<profile>/<repo>/<service>", unique in a plan. */
  readonly id: string;
  readonly profile: string;
  readonly argv: readonly string[];
  /** "<repo>--<service-slug>", the log file's base name. */
  readonly slug: string;
}

/** "services/api" → "services-api"; the repo root → "root". */
export function serviceSlug(service: string): string {
  if (service === '.' || service === '') return 'root';
  return service.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The folder's name: "services/billing" → "billing"; the repo root → the repo's name. */
export function folderName(s: Pick<Service, 'repo' | 'service'>): string {
  return s.service === '.' || s.service === '' ? s.repo : path.posix.basename(s.service);
}

/** {service}: the name findServices read from serverless.yml, else the folder's name. */
export function serviceNameOf(s: Service): string {
  return s.name ?? folderName(s);
}

/**
 * `service:` of a serverless.yml / .yaml / .json, when it is a plain string (serverless v3 refuses the object form
 * `service: { name: x }`); undefined for a variable (`${...}`), a .js/.ts file or a file that does not parse.
 */
export async function readServiceName(file: string): Promise<string | undefined> {
  let doc: unknown;
  try {
    const text = await readFile(file, 'utf8');
    // CloudFormation tags (!Ref, !GetAtt) are unknown to the parser: silent, they stay plain values
    doc = file.endsWith('.json') ? JSON.parse(text) : /\.ya?ml$/.test(file) ? parse(text, { logLevel: 'silent' }) : undefined;
  } catch {
    return undefined;
  }
  const name = (doc as { service?: unknown } | null | undefined)?.service;
  return typeof name === 'string' && name.trim() !== '' && !name.includes('${') ? name.trim() : undefined;
}

/** Finds the services of one repo: every match of its globs (node_modules and .serverless ignored), by folder. */
export async function findServices(repo: RepoConfig, repoDir: string, index: number): Promise<Service[]> {
  const found = new Map<string, string>(); // folder → its first matched file
  for (const [i, pattern] of repo.services.entries()) {
    const files = await glob(pattern, { cwd: repoDir, ignore: ['**/node_modules/**', '**/.serverless/**', '.git/**'], onlyFiles: true, dot: false });
    if (files.length === 0) {
      throw new UsageError(
        'ERR_UBER_NO_SERVICES',
        `repos[${index}].services[${i}] "${pattern}" matches nothing in ${repoDir}; fix the glob in uber.config.yaml.`,
      );
    }
    for (const f of files) {
      const dir = path.posix.dirname(f.split(path.sep).join('/'));
      if (!found.has(dir)) found.set(dir, f);
    }
  }
  const services = [...found.keys()].sort();
  return Promise.all(
    services.map(async (service) => {
      const s = { repo: repo.name, repoDir, service };
      return { ...s, name: (await readServiceName(path.join(repoDir, found.get(service)!))) ?? folderName(s) };
    }),
  );
}

/**
 * A template that uses {service} must tell every service of a repo apart by it: two services of one repo with one name
 * would get the same stack name and the same `--package dist/{service}`. That is a usage error (exit 2).
 */
export function assertDistinctNames(services: readonly Service[], words: readonly string[]): void {
  if (!words.some((w) => w.includes('{service}'))) return;
  const seen = new Map<string, Service>();
  for (const s of services) {
    const key = `${s.repo}\u0000${serviceNameOf(s)}`;
    const other = seen.get(key);
    if (other) {
      throw new UsageError(
        'ERR_UBER_SERVICE_NAME',
        `Services "${other.service}" and "${s.service}" of repo "${s.repo}" are both named "${serviceNameOf(s)}", so {service} in deploy.command cannot tell them apart; give each its own "service:" in serverless.yml or use {servicePath}.`,
      );
    }
    seen.set(key, s);
  }
}

/**
 * Every service × every profile, account-major: all of one profile's services before the next profile's. Within the
 * concurrency and per-profile limits the runner starts them in this order, so the first accounts finish early and
 * `uber run` can test them while the others still deploy (round-robin would finish every account at about the end).
 */
export function planPairs(services: readonly Service[], profiles: readonly string[], words: readonly string[], vars: Pick<Vars, 'stage' | 'branch'>): Pair[] {
  assertDistinctNames(services, words);
  const pairs: Pair[] = [];
  for (const profile of profiles) {
    for (const s of services) {
      pairs.push({
        ...s,
        profile,
        id: `${profile}/${s.repo}/${s.service}`,
        slug: `${s.repo}--${serviceSlug(s.service)}`,
        argv: fillTemplate(words, { ...vars, profile, service: serviceNameOf(s), servicePath: s.service, repo: s.repo }),
      });
    }
  }
  return pairs;
}
