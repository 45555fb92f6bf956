// Where a project's config file is: the nearest uber.config.* from a folder upwards (no parsing, nothing loaded).
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CONFIG_NAMES = ['uber.config.yaml', 'uber.config.yml', 'uber.config.json'] as const;

/** The nearest config file from cwd upwards, or undefined when there is none. */
export function nearestConfig(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
