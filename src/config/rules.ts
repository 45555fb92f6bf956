// Cross-field rules the schema cannot express: unique names, folders inside the workspace, URL shapes.
import path from 'node:path';
import type { Config } from './schema.js';

export interface Problem {
  readonly path: string;
  readonly message: string;
}

const URL_FORMS = [
  /^(https?|ssh|git|file):\/\/[^\s]+$/, // scheme://...
  /^[\w.-]+@[\w.-]+:[^\s]+$/, // scp-like git@host:path
  /^(\.{0,2}\/|~\/)[^\s]*$/, // a local path
];

export function isGitUrl(url: string): boolean {
  if (url.startsWith('-')) return false; // would be read as an option by git
  return URL_FORMS.some((re) => re.test(url));
}

/** Checks what a schema cannot; returns every problem at once. */
export function checkRules(config: Config, workspaceDir: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  config.repos.forEach((repo, i) => {
    const first = seen.get(repo.name);
    if (first !== undefined) {
      problems.push({
        path: `repos[${i}].name`,
        message: `"${repo.name}" is already the name of repos[${first}]; give each repo its own name`,
      });
    } else seen.set(repo.name, i);
    const dir = path.resolve(workspaceDir, repo.name);
    const rel = path.relative(workspaceDir, dir);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || repo.name.includes(path.sep) || repo.name.startsWith('-')) {
      problems.push({
        path: `repos[${i}].name`,
        message: `"${repo.name}" must be a plain folder name inside the workspace (no "/", "..", or leading "-")`,
      });
    }
    if (!isGitUrl(repo.url)) {
      problems.push({
        path: `repos[${i}].url`,
        message: `"${repo.url}" is not a git URL; use https://..., ssh://..., git@host:path, file://... or a local path`,
      });
    }
  });
  const profiles = config.profiles ?? [];
  const dup = profiles.find((p, i) => profiles.indexOf(p) !== i);
  if (dup) problems.push({ path: 'profiles', message: `"${dup}" is listed twice; list each profile once` });
  return problems;
}
