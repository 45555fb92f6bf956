// Renders a page in Debian's headless Chromium and returns the DOM after its scripts ran.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

/** The browser binary; throws a clear error (never skips) when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.UBER_CHROMIUM;
  for (const bin of explicit ? [explicit] : CANDIDATES) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return bin;
  }
  throw new Error('Chromium is not installed, and the waterfall tests need it: run `apt-get install -y chromium` (Debian) or set UBER_CHROMIUM to a Chrome/Chromium binary.');
}

/** `chromium --headless --dump-dom file://…`: the serialised DOM after the page's script built the SVG. */
export function dumpDom(file: string): string {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'uber-chromium-'));
  try {
    return execFileSync(
      findChromium(),
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--window-size=1400,900',
        '--dump-dom', pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Every start tag of `tag` in the DOM text, as attribute maps (enough for the SVG our pages build). */
export function elements(dom: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of dom.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1] ?? ''] = a[2] ?? '';
    out.push(attrs);
  }
  return out;
}
