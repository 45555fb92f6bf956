// Test support: real dynalite accounts in-process with their AWS files, real git repos in a fixture project, a deny-writes proxy.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { renderConfig, renderCredentials } from '../../src/sandbox/aws-files.js';
import type { SandboxAccount } from '../../src/sandbox/layout.js';
import { startAccounts, stopAccounts, type RunningAccount } from '../../src/sandbox/accounts.js';
import { makeProject, type Project, type ProjectOptions } from './workspace.js';

export interface Accounts {
  readonly running: RunningAccount[];
  readonly profiles: string[];
  /** A proxy in front of an account that answers AccessDeniedException to every write. */
  denyWrites(profile: string): Promise<SandboxAccount>;
  stop(): Promise<void>;
}

const WRITES = /\.(UpdateItem|PutItem|DeleteItem|CreateTable|BatchWriteItem)$/;

export async function startSandbox(count: number): Promise<Accounts> {
  const running = await startAccounts({ count, basePort: 30000 + Math.floor(Math.random() * 20000), dataRoot: null });
  const proxies: http.Server[] = [];
  return {
    running,
    profiles: running.map((r) => r.account.profile),
    async denyWrites(profile) {
      const real = running.find((r) => r.account.profile === profile)!.account;
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (WRITES.test(String(req.headers['x-amz-target'] ?? ''))) {
            res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'User is not authorized to perform: dynamodb:UpdateItem' }));
            return;
          }
          const fwd = http.request({ host: '127.0.0.1', port: real.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
            res.writeHead(r.statusCode ?? 500, r.headers);
            r.pipe(res);
          });
          fwd.end(Buffer.concat(chunks));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      proxies.push(server);
      const port = (server.address() as { port: number }).port;
      return { ...real, port, endpoint: `http://127.0.0.1:${port}` };
    },
    async stop() {
      for (const p of proxies) {
        p.closeAllConnections();
        p.close();
      }
      await stopAccounts(running);
    },
  };
}

/** Points a project's AWS files at the given accounts (as `uber sandbox up` writes them). */
export function useAccounts(p: Project, accounts: readonly SandboxAccount[]): void {
  writeFileSync(p.awsConfig, renderConfig(accounts, p.root));
  writeFileSync(p.awsCredentials, renderCredentials(accounts));
}

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
export const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv, stdio: 'pipe' }).trim();

/** Writes a file in a repo and commits it. */
export function commitFile(p: Project, repo: string, file: string, text: string): void {
  const dir = path.join(p.repos, repo);
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', `change ${file}`);
}

/** The fixture project with each repo a real git repo (one commit on feat/x), pointed at the sandbox accounts. */
export function gitProject(accounts: readonly SandboxAccount[], o: ProjectOptions = {}): Project {
  const p = makeProject({ ...o, profiles: accounts.map((a) => a.profile) });
  useAccounts(p, accounts);
  for (const repo of o.repos ?? ['orders', 'users']) {
    const dir = path.join(p.repos, repo);
    rmSync(path.join(dir, '.git'), { recursive: true });
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n.serverless/\n');
    git(dir, 'init', '-q', '-b', 'feat/x');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'init');
  }
  return p;
}

/** A second checkout of the same project in its own folder: the repos cloned, the config and AWS files copied, no .uber/. */
export function secondCheckout(p: Project): Project {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-second-'));
  for (const name of ['uber.config.json', 'aws']) cpSync(path.join(p.root, name), path.join(root, name), { recursive: true });
  mkdirSync(path.join(root, 'tmp'));
  for (const repo of ['orders', 'users']) {
    try {
      git(p.root, 'clone', '-q', path.join(p.repos, repo), path.join(root, 'repos', repo));
    } catch {
      // a project without that repo
    }
  }
  const env = { ...p.env, TMPDIR: path.join(root, 'tmp'), AWS_CONFIG_FILE: path.join(root, 'aws', 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'aws', 'credentials') };
  const q: Project = { ...p, root, repos: path.join(root, 'repos'), tmp: path.join(root, 'tmp'), env, awsConfig: env.AWS_CONFIG_FILE, awsCredentials: env.AWS_SHARED_CREDENTIALS_FILE, cleanup: () => rmSync(root, { recursive: true, force: true }) };
  return q;
}
