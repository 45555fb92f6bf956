// The environment of one deploy: what `sls deploy` would see in the user's shell, minus what would send it elsewhere.
import path from 'node:path';
import { profileFiles } from '../aws/profiles.js';

/** `deploy.env`: "inherit" (default) passes the parent's environment minus NEVER_PASSED; "strict" only the allow-list. */
export type EnvMode = 'inherit' | 'strict';

/** Strict mode copies these from the parent when set: locale, time zone, terminal and proxy/CA settings. */
export const ALLOWED_ENV: readonly string[] = [
  'PATH', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'COLORTERM', 'NO_COLOR', 'FORCE_COLOR', 'USER', 'LOGNAME', 'SHELL',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'AWS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
];
/** Strict mode copies these by prefix: locale categories. */
export const ALLOWED_PREFIXES: readonly string[] = ['LC_'];

/**
 * Never passed in either mode, not even when named in UBER_PASS_ENV: they would pick another account, region,
 * endpoint or credentials than the deploy's profile, point at the real HOME or TMPDIR, or hand over uber's own
 * inputs (UBER_*, e.g. the base64 AWS files of a CircleCI context). Regions too: the profile's own region wins,
 * as AWS_REGION would override it for every SDK call a plugin makes. PWD/OLDPWD/INIT_CWD would name the original
 * folder, not the deploy's copy.
 */
export const NEVER_PASSED: readonly string[] = [
  'HOME', 'TMPDIR', 'PWD', 'OLDPWD', 'INIT_CWD',
  'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];
/** Never passed, by prefix: per-service endpoints (AWS_ENDPOINT_URL_DYNAMODB, ...) and uber's own variables. */
export const NEVER_PASSED_PREFIXES: readonly string[] = ['AWS_ENDPOINT_URL', 'UBER_'];

/** True for a name no deploy ever gets from the parent (uber sets its own HOME, TMPDIR and AWS_* instead). */
export function neverPassed(name: string): boolean {
  return NEVER_PASSED.includes(name) || NEVER_PASSED_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Extra names from UBER_PASS_ENV (strict mode): a comma- or space-separated list of names, or prefixes ending in "*"
 * (e.g. "SLS_FIXTURE_*,DATADOG_API_KEY"). For variables a team's deploy needs on purpose.
 */
export function passEnvPatterns(env: NodeJS.ProcessEnv): string[] {
  return (env.UBER_PASS_ENV ?? '').split(/[\s,]+/).filter(Boolean);
}

function allowed(name: string, patterns: readonly string[]): boolean {
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
  /** deploy.env; "inherit" when absent. */
  readonly mode?: EnvMode | undefined;
}

/** The parent's variables a deploy gets: all but NEVER_PASSED ("inherit"), or the allow-list + UBER_PASS_ENV ("strict"). */
export function passedEnv(parent: NodeJS.ProcessEnv, mode: EnvMode = 'inherit'): Record<string, string> {
  const patterns = mode === 'strict' ? passEnvPatterns(parent) : [];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined || neverPassed(k) || (mode === 'strict' && !allowed(k, patterns))) continue;
    out[k] = v;
  }
  return out;
}

/** The child env: the passed part of the parent, then uber's own settings for this deploy. */
export function childEnv(parent: NodeJS.ProcessEnv, opts: ChildEnvOptions): Record<string, string> {
  const out = passedEnv(parent, opts.mode);
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
