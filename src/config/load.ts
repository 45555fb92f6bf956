// Config as a pipeline: find → read → parse (YAML or JSON) → schema → rules; every problem at once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { UsageError } from '../errors.js';
import { nearestConfig } from './find.js';
import { checkRules, type Problem } from './rules.js';
import { configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  readonly config: Config;
  /** Absolute path of the config file. */
  readonly file: string;
  /** The folder holding the config file; relative paths resolve against it. */
  readonly dir: string;
  readonly workspaceDir: string;
}

/** Finds the config: --config PATH, else the nearest uber.config.* from cwd upwards. */
export function findConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) throw new UsageError('ERR_UBER_CONFIG_MISSING', `Config file ${file} does not exist; check the --config path.`);
    return file;
  }
  const found = nearestConfig(cwd);
  if (found) return found;
  throw new UsageError(
    'ERR_UBER_CONFIG_MISSING',
    `No uber.config.yaml found in ${cwd} or above; create one (see README "Config") or pass --config PATH.`,
  );
}

function keyPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(top level)';
}

function describeIssue(issue: z.core.$ZodIssue): Problem {
  const at = keyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return { path: at, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or fix the spelling` };
  }
  if (issue.code === 'invalid_type') {
    return { path: at, message: `expected ${issue.expected}${issue.input === undefined ? ' (it is missing)' : ''}` };
  }
  return { path: at, message: issue.message };
}

/** Parses config text (YAML or JSON) into a validated Config, or throws one UsageError listing all problems. */
export function parseConfig(text: string, file: string): { config: Config; problems: Problem[] } {
  let raw: unknown;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(text) as unknown;
    } catch (e) {
      return { config: undefined as never, problems: [{ path: '(file)', message: `is not valid JSON: ${(e as Error).message}` }] };
    }
  } else {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      return { config: undefined as never, problems: doc.errors.map((e) => ({ path: '(file)', message: `YAML error: ${e.message.split('\n')[0]}` })) };
    }
    raw = doc.toJS() as unknown;
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { config: undefined as never, problems: parsed.error.issues.map(describeIssue) };
  return { config: parsed.data, problems: [] };
}

export function loadConfig(cwd: string, explicit?: string): LoadedConfig {
  const file = findConfig(cwd, explicit);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('ERR_UBER_CONFIG_UNREADABLE', `Config file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); check its permissions.`);
  }
  const dir = path.dirname(file);
  const { config, problems } = parseConfig(text, file);
  const workspaceDir = config ? path.resolve(dir, config.workspace) : dir;
  const all = config ? [...problems, ...checkRules(config, workspaceDir)] : problems;
  if (all.length > 0) {
    const lines = all.map((p) => `${p.path}: ${p.message}`);
    throw new UsageError(
      'ERR_UBER_CONFIG_INVALID',
      `${path.basename(file)} has ${all.length} problem${all.length > 1 ? 's' : ''}; fix ${all.length > 1 ? 'them' : 'it'} and run again: ${lines.join('; ')}.`,
      lines,
    );
  }
  return { config, file, dir, workspaceDir };
}
