// The fingerprint of one service × profile: its folder, the repo's shared files, added inputs and the deploy argv, as hashes.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Ctx } from '../context.js';
import type { Service } from '../deploy/plan.js';
import { UsageError } from '../errors.js';
import type { WorkspaceRepo } from '../workspace/repos.js';
import { hashPaths, listFolder, snapshotRepo, type RepoSnapshot, type SnapshotResult } from './snapshot.js';

/** Each input's hash, so a mismatch can say which one changed. */
export interface Parts {
  /** Git tree hash of the service's folder at the commit. */
  readonly folder: string;
  /** Hash of every file of the repo outside all service folders (shared code, config, lockfile). */
  readonly shared: string;
  /** Added inputs ("repo:path" → git hash). */
  readonly inputs: Readonly<Record<string, string>>;
  /** Hash of the expanded deploy argv and the config that shapes it (command template, stage, deploy.env). */
  readonly deploy: string;
}

/** What a service contributes, before the deploy argv (which differs per profile) is added. */
export type ServicePrint =
  | { readonly ok: true; readonly commit: string; readonly folder: string; readonly shared: string; readonly inputs: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly commit: string | null; readonly why: string };

export type Fingerprint = { readonly ok: true; readonly value: string; readonly parts: Parts } | { readonly ok: false; readonly why: string };

type GitCtx = Pick<Ctx, 'env' | 'signal'>;
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const under = (p: string, folder: string): boolean => folder === '.' || folder === '' || p === folder || p.startsWith(`${folder}/`);

export const serviceKey = (s: Pick<Service, 'repo' | 'service'>): string => `${s.repo}/${s.service}`;

/** The shared hash and every service folder's tree hash of one repo, listing only the folders on the way to a service. */
async function repoHashes(s: RepoSnapshot, folders: readonly string[], ctx: GitCtx): Promise<{ shared: string; folder: Map<string, string> }> {
  const services = new Set(folders.filter((f) => f !== '.'));
  const ancestors = new Set<string>(['']);
  for (const f of services) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i += 1) ancestors.add(parts.slice(0, i).join('/'));
  }
  const folder = new Map<string, string>(folders.includes('.') ? [['.', s.root]] : []);
  const shared: string[] = [];
  const listings = await Promise.all([...ancestors].map((a) => listFolder(s, a, ctx)));
  for (const e of listings.flat()) {
    if (services.has(e.path)) folder.set(e.path, e.hash);
    else if (!ancestors.has(e.path) && ![...services].some((f) => under(e.path, f))) shared.push(`${e.mode} ${e.type} ${e.hash}\t${e.path}`);
  }
  return { shared: sha(shared.sort().join('\n')), folder };
}

interface InputRef {
  readonly label: string;
  readonly repo: WorkspaceRepo;
  readonly rel: string;
}

/** Resolves an input written relative to its repo ("shared/", "../other-repo/lib") to a workspace repo and a path in it. */
function resolveInput(input: string, from: WorkspaceRepo, repos: readonly WorkspaceRepo[], where: string): InputRef {
  const abs = path.resolve(from.dir, input);
  const repo = repos.find((r) => abs === r.dir || abs.startsWith(`${r.dir}${path.sep}`));
  if (!repo) throw new UsageError('ERR_UBER_INPUT_OUTSIDE', `${where} "${input}" is outside every repo of the workspace; name a path in one of ${repos.map((r) => r.name).join(', ')}.`);
  const rel = path.relative(repo.dir, abs).split(path.sep).join('/');
  return { label: `${repo.name}:${rel || '.'}`, repo, rel };
}

/** Computes every service's print: git in each repo at once, before anything deploys. Bad inputs are usage errors. */
export async function fingerprintServices(repos: readonly WorkspaceRepo[], services: readonly Service[], ctx: GitCtx): Promise<Map<string, ServicePrint>> {
  const byRepo = new Map(repos.map((r) => [r.name, services.filter((s) => s.repo === r.name)]));
  const inputs = new Map<string, InputRef[]>();
  for (const [i, r] of repos.entries()) {
    const own = byRepo.get(r.name) ?? [];
    for (const key of Object.keys(r.config.serviceInputs ?? {})) {
      if (!own.some((s) => s.service === key)) {
        throw new UsageError('ERR_UBER_INPUT_SERVICE', `repos[${i}].serviceInputs has "${key}", which is not a service folder of "${r.name}" (${own.map((s) => s.service).join(', ') || 'none'}); use one of those.`);
      }
    }
    for (const s of own) {
      const refs = (r.config.inputs ?? []).map((x, j) => resolveInput(x, r, repos, `repos[${i}].inputs[${j}]`));
      (r.config.serviceInputs?.[s.service] ?? []).forEach((x, j) => refs.push(resolveInput(x, r, repos, `repos[${i}].serviceInputs["${s.service}"][${j}]`)));
      inputs.set(serviceKey(s), refs);
    }
  }
  const needed = new Set([...services.map((s) => s.repo), ...[...inputs.values()].flat().map((x) => x.repo.name)]);
  const snaps = new Map<string, SnapshotResult>();
  await Promise.all(repos.filter((r) => needed.has(r.name)).map(async (r) => snaps.set(r.name, await snapshotRepo(r.dir, ctx))));
  const hashes = new Map<string, Awaited<ReturnType<typeof repoHashes>>>();
  const inputHashes = new Map<string, Map<string, string | null>>();
  await Promise.all(
    [...snaps].map(async ([name, s]) => {
      if (!s.ok) return;
      const own = byRepo.get(name) ?? [];
      if (own.length > 0) hashes.set(name, await repoHashes(s, own.map((x) => x.service), ctx));
      const rels = [...inputs.values()].flat().filter((x) => x.repo.name === name).map((x) => x.rel);
      if (rels.length > 0) inputHashes.set(name, await hashPaths(s, rels, ctx));
    }),
  );
  const out = new Map<string, ServicePrint>();
  for (const s of services) {
    const snap = snaps.get(s.repo)!;
    out.set(serviceKey(s), servicePrint(s, snap, byRepo.get(s.repo)!, inputs.get(serviceKey(s)) ?? [], snaps, hashes.get(s.repo), inputHashes));
  }
  return out;
}

function dirtyIn(snap: RepoSnapshot, test: (p: string) => boolean): string | undefined {
  if (snap.dirty === null) return '(too many changes to list)';
  return snap.dirty.find(test);
}

function servicePrint(
  s: Service,
  snap: SnapshotResult,
  siblings: readonly Service[],
  refs: readonly InputRef[],
  snaps: ReadonlyMap<string, SnapshotResult>,
  hashes: Awaited<ReturnType<typeof repoHashes>> | undefined,
  inputHashes: ReadonlyMap<string, ReadonlyMap<string, string | null>>,
): ServicePrint {
  if (!snap.ok || !hashes) return { ok: false, commit: null, why: `${s.repo} is ${snap.ok ? 'unreadable' : snap.reason}` };
  const others = siblings.map((x) => x.service).filter((f) => f !== '.');
  const own = dirtyIn(snap, (p) => under(p, s.service));
  if (own) return { ok: false, commit: snap.commit, why: `uncommitted change in ${s.repo}/${own}` };
  const sharedDirty = dirtyIn(snap, (p) => !others.some((f) => under(p, f)));
  if (sharedDirty) return { ok: false, commit: snap.commit, why: `uncommitted change in ${s.repo}/${sharedDirty}` };
  const inputs: Record<string, string> = {};
  for (const ref of refs) {
    const other = snaps.get(ref.repo.name)!;
    if (!other.ok) return { ok: false, commit: snap.commit, why: `input ${ref.label}: ${ref.repo.name} is ${other.reason}` };
    const d = dirtyIn(other, (p) => under(p, ref.rel));
    if (d) return { ok: false, commit: snap.commit, why: `uncommitted change in ${ref.repo.name}/${d}` };
    const h = inputHashes.get(ref.repo.name)?.get(ref.rel);
    if (!h) throw new UsageError('ERR_UBER_INPUT_MISSING', `The input ${ref.label} of ${serviceKey(s)} is not in repo "${ref.repo.name}" at ${other.commit.slice(0, 8)}; fix the path in uber.config.yaml.`);
    inputs[ref.label] = h;
  }
  const folder = hashes.folder.get(s.service);
  if (!folder) return { ok: false, commit: snap.commit, why: `${serviceKey(s)} is not committed` };
  return { ok: true, commit: snap.commit, folder, shared: hashes.shared, inputs };
}

/** Adds the deploy argv, the command template and stage it came from, and the deploy's env mode to a service's print. */
export function pairFingerprint(sp: ServicePrint, deploy: { argv: readonly string[]; command: string; stage: string; envMode?: string | undefined }): Fingerprint {
  if (!sp.ok) return { ok: false, why: sp.why };
  const shape = [deploy.command, deploy.stage, deploy.argv, deploy.envMode ?? ''];
  const parts: Parts = { folder: sp.folder, shared: sp.shared, inputs: sp.inputs, deploy: sha(JSON.stringify(shape)) };
  const sorted = Object.fromEntries(Object.entries(parts.inputs).sort(([a], [b]) => a.localeCompare(b)));
  return { ok: true, parts, value: sha(JSON.stringify({ v: 1, ...parts, inputs: sorted })) };
}

/** Names the inputs that differ between two prints, for --dry-run and the plan line. */
export function changedParts(now: Parts, before: Parts | undefined): string[] {
  if (!before) return ['no parts recorded'];
  const out: string[] = [];
  if (now.folder !== before.folder) out.push('service folder');
  if (now.shared !== before.shared) out.push('shared files');
  for (const k of new Set([...Object.keys(now.inputs), ...Object.keys(before.inputs ?? {})])) {
    if (now.inputs[k] !== before.inputs?.[k]) out.push(`input ${k}`);
  }
  if (now.deploy !== before.deploy) out.push('deploy command or stage');
  return out;
}
