// The node command line for one of uber's own scripts: as built (.js), or from src/ under tsx (uber's own tests).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** tsx's ESM loader as a file URL, so `--import` works whatever the script's cwd is. */
function tsxLoader(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(path.join(path.dirname(pkg), 'dist', 'loader.mjs')).href;
}

/** [node, (--import tsx's loader,) script]: a .ts script (uber run from its sources) needs tsx to load. */
export function nodeScript(script: string): string[] {
  return [process.execPath, ...(script.endsWith('.ts') ? ['--import', tsxLoader()] : []), script];
}
