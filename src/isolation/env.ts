// The allow-listed environment of one deploy: nothing of the parent's leaks but what a deploy tool needs.
import path from 'node:path';
import { profileFiles } from '../aws/profiles.js';

/** Copied from the parent when set: locale, time zone, terminal and proxy/CA settings. */
export const ALLOWED_ENV: readonly string[] = [
  'PATH', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'COLORTERM', 'NO_COLOR', 'FORCE_COLOR', 'USER', 'LOGNAME', 'SHELL',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'AWS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
];
/** Copied from the parent by prefix: locale categories. */
export const ALLOWED_PREFIXES: readonly string[] = ['LC_'];

/** Never passed, not even when named in UBER_PASS_ENV: they would send every deploy to one account or leak the real HOME. */
export const BLOCKED_ENV: readonly string[] = [
  'HOME', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'TMPDIR',
];

/**
 * Extra names from UBER_PASS_ENV: a comma- or space-separated list of names, or prefixes ending in "*"
 * (e.g. "SLS_FIXTURE_*,DATADOG_API_KEY"). For variables a team's deploy needs on purpose.
 */
export function passEnvPatterns(env: NodeJS.ProcessEnv): string[] {
  return (env.UBER_PASS_ENV ?? '').split(/[\s,]+/).filter(Boolean);
}

function passes(name: string, patterns: readonly string[]): boolean {
  if (ALLOWED_ENV.includes(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p))) return true;
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

export interface ChildEnvOptions {
  readonly profile: string;
  readonly home: string;
  readonly tmpDir: string;
  /** The folder the deploy runs in; its node_modules/.bin (and its parents' up to root) go first on PATH. */
  readonly binDirs?: readonly string[] | undefined;
  /** The project's folder, to resolve relative AWS_CONFIG_FILE paths. */
  readonly cwd: string;
}

/** Builds the child env from scratch: allow-list + UBER_PASS_ENV, then uber's own settings for this deploy. */
export function childEnv(parent: NodeJS.ProcessEnv, opts: ChildEnvOptions): Record<string, string> {
  const patterns = passEnvPatterns(parent);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined || BLOCKED_ENV.includes(k) || !passes(k, patterns)) continue;
    out[k] = v;
  }
  const files = profileFiles(parent);
  const bins = (opts.binDirs ?? []).join(path.delimiter);
  if (bins) out.PATH = out.PATH ? `${bins}${path.delimiter}${out.PATH}` : bins;
  out.HOME = opts.home;
  out.TMPDIR = opts.tmpDir;
  out.AWS_CONFIG_FILE = path.resolve(opts.cwd, files.configFile);
  out.AWS_SHARED_CREDENTIALS_FILE = path.resolve(opts.cwd, files.credentialsFile);
  out.AWS_PROFILE = opts.profile;
  out.AWS_SDK_LOAD_CONFIG = '1';
  out.SLS_TELEMETRY_DISABLED = '1';
  out.SLS_NOTIFICATIONS_MODE = 'off';
  return out;
}
