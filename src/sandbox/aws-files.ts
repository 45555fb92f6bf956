// Writes the sandbox's own AWS config + credentials pair (profiles sandbox-1..N) and the export lines; never ~/.aws.
import { rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { fakeKeys, type SandboxAccount, type SandboxFiles } from './layout.js';

export function renderConfig(accounts: readonly SandboxAccount[], dir: string): string {
  const head = `# Written by "uber sandbox up" for the local accounts in ${dir}.\n# Rewritten on every up, removed by "uber sandbox down". Your ~/.aws files are untouched.\n`;
  const blocks = accounts.map((a) => `[profile ${a.profile}]\nregion = ${a.region}\nendpoint_url = ${a.endpoint}\n`);
  return [head, ...blocks].join('\n');
}

export function renderCredentials(accounts: readonly SandboxAccount[]): string {
  const head = '# Fake keys for the local sandbox accounts (they only open local dynalite servers).\n';
  const blocks = accounts.map((a) => {
    const k = fakeKeys(a.profile);
    return `[${a.profile}]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`;
  });
  return [head, ...blocks].join('\n');
}

export function writeAwsFiles(files: SandboxFiles, accounts: readonly SandboxAccount[]): void {
  writeFileAtomic(files.awsConfig, renderConfig(accounts, files.dir), { mode: 0o644 });
  writeFileAtomic(files.awsCredentials, renderCredentials(accounts), { mode: 0o600 });
}

export function removeAwsFiles(files: SandboxFiles): void {
  rmSync(files.awsConfig, { force: true });
  rmSync(files.awsCredentials, { force: true });
  try {
    rmdirSync(path.dirname(files.awsConfig)); // only when empty: a user's own files there stay
  } catch {
    // not empty or already gone
  }
}

/** Quotes a value for POSIX shells only when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The two lines that point the SDK (and uber) at the sandbox's files. */
export function exportLines(files: SandboxFiles): string[] {
  return [`export AWS_CONFIG_FILE=${shellQuote(files.awsConfig)}`, `export AWS_SHARED_CREDENTIALS_FILE=${shellQuote(files.awsCredentials)}`];
}

/** The environment the export lines describe, for child processes and tests. */
export function sandboxEnv(files: SandboxFiles): { AWS_CONFIG_FILE: string; AWS_SHARED_CREDENTIALS_FILE: string } {
  return { AWS_CONFIG_FILE: files.awsConfig, AWS_SHARED_CREDENTIALS_FILE: files.awsCredentials };
}
