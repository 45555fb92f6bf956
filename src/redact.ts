// Keeps secrets out of every output: known secret values (raw, base64, URL-encoded, JSON-escaped) and AWS key ids.
import { Writable } from 'node:stream';
import { profileSecrets } from './aws/profiles.js';

/**
 * Names whose values are secrets. A deploy sees most of uber's environment (deploy.env: inherit), so every value that
 * looks secret by its name is masked in all output: DATADOG_API_KEY, STRIPE_KEY, DB_PASSWD, SENTRY_DSN, DATABASE_URL...
 */
const SECRET_ENV = /(SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|ACCESS_KEY|PRIVATE_KEY|API_?KEY|CREDENTIAL|(^|_)KEY$|(^|_)AUTH$|(^|_)DSN$|DATABASE_URL|CONNECTION_STRING|WEBHOOK)/i;
const KEY_ID = /\b(AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{12,20}\b/g;
const MASK = '***';

/** The forms a secret may take once it passes through JSON, URLs or base64. */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const b64 = Buffer.from(secret).toString('base64');
  return [...new Set([secret, json, encodeURIComponent(secret), b64, b64.replace(/=+$/, ''), Buffer.from(secret).toString('base64url')])];
}

export class Redactor {
  private readonly needles: string[];

  constructor(secrets: Iterable<string>) {
    const all = new Set<string>();
    for (const s of secrets) if (s && s.length >= 6) for (const f of forms(s)) all.add(f);
    this.needles = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(MASK);
    return out.replace(KEY_ID, (m) => `${m.slice(0, 4)}${MASK}`);
  }
}

/** Secrets from the environment (values of secret-looking variables) and from the AWS profile files. */
export function collectSecrets(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  // AWS_SHARED_CREDENTIALS_FILE and friends name where a secret lives, not the secret: keep paths readable in messages
  for (const [k, v] of Object.entries(env)) if (v && SECRET_ENV.test(k) && !/_(FILE|PATH|DIR)$/i.test(k)) out.push(v);
  try {
    out.push(...profileSecrets(env));
  } catch {
    // an unreadable profile file is reported elsewhere; redaction still covers the environment
  }
  return out;
}

/** A writable that passes whole lines to `target` with secrets masked; end() flushes a last partial line. */
export function redactLines(target: Writable, redactor: Redactor): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        target.write(redactor.redact(pending.slice(0, cut + 1)));
        pending = pending.slice(cut + 1);
      }
      done();
    },
    final(done) {
      if (pending) target.write(redactor.redact(pending));
      pending = '';
      done();
    },
  });
}

let cached: { env: NodeJS.ProcessEnv; redactor: Redactor } | undefined;

/** Redacts with the secrets known from this environment (built once per env object). */
export function redactText(text: string, env: NodeJS.ProcessEnv): string {
  if (cached?.env !== env) cached = { env, redactor: new Redactor(collectSecrets(env)) };
  return cached.redactor.redact(text);
}
