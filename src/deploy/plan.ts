// The deploy plan: services found by each repo's globs × profiles, one pair each (pure once services are found).
import path from 'node:path';
import { glob } from 'tinyglobby';
import { UsageError } from '../errors.js';
import type { RepoConfig } from '../config/schema.js';
import { fillTemplate, type Vars } from './template.js';

export interface Service {
  readonly repo: string;
  readonly repoDir: string;
  /** Folder of the service's serverless.yml inside the repo, '/'-separated; "." for the root. */
  readonly service: string;
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

/** Finds the services of one repo: every match of its globs (node_modules and .serverless ignored), by folder. */
export async function findServices(repo: RepoConfig, repoDir: string, index: number): Promise<Service[]> {
  const found = new Set<string>();
  for (const [i, pattern] of repo.services.entries()) {
    const files = await glob(pattern, { cwd: repoDir, ignore: ['**/node_modules/**', '**/.serverless/**', '.git/**'], onlyFiles: true, dot: false });
    if (files.length === 0) {
      throw new UsageError(
        'ERR_UBER_NO_SERVICES',
        `repos[${index}].services[${i}] "${pattern}" matches nothing in ${repoDir}; fix the glob in uber.config.yaml.`,
      );
    }
    for (const f of files) found.add(path.posix.dirname(f.split(path.sep).join('/')));
  }
  return [...found].sort().map((service) => ({ repo: repo.name, repoDir, service }));
}

/** Every service × every profile, interleaved by profile so that a queue spreads across accounts. */
export function planPairs(services: readonly Service[], profiles: readonly string[], words: readonly string[], vars: Pick<Vars, 'stage' | 'branch'>): Pair[] {
  const pairs: Pair[] = [];
  for (const s of services) {
    for (const profile of profiles) {
      pairs.push({
        ...s,
        profile,
        id: `${profile}/${s.repo}/${s.service}`,
        slug: `${s.repo}--${serviceSlug(s.service)}`,
        argv: fillTemplate(words, { ...vars, profile, service: s.service, repo: s.repo }),
      });
    }
  }
  return pairs;
}
