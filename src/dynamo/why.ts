// One line that says why an AWS call failed, without loading the AWS SDK (a deploy names unreadable records with it).

/** The error's name (or code) and its first line. */
export function why(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string };
  const name = err.code ?? err.name ?? 'Error';
  const msg = (err.message ?? String(e)).split('\n')[0]!;
  return msg && !msg.includes(name) ? `${name}: ${msg}` : msg || name;
}
