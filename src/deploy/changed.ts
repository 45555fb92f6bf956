// Only what changed: read each account's records (during sync), compare fingerprints, keep the records true as deploys run.
import type { Ctx } from '../context.js';
import { changedParts, fingerprintServices, pairFingerprint, serviceKey, type Fingerprint } from '../fingerprint/fingerprint.js';
import type { WorkspaceRepo } from '../workspace/repos.js';
import type { DeployEvent, PairOutcome } from './events.js';
import type { Pair, Service } from './plan.js';
import { why } from '../dynamo/why.js';
import type { AccountRecord, ReadResult, RecordTable, RecordWrite } from './records.js';

/** Each profile's record table (undefined where none could be made: its read says why) and its read under way; disposing closes the clients. */
export interface Accounts extends Disposable {
  readonly tables: ReadonlyMap<string, Promise<RecordTable | undefined>>;
  readonly reads: ReadonlyMap<string, Promise<ReadResult>>;
}

/**
 * Starts reading every account's records at once (call it before the sync so both overlap); none when recording is
 * off. The record tables' module brings the AWS SDK (~0.18 s to load): imported here, not with the deploy command, it
 * loads while the sync's git runs.
 */
export function readAccounts(profiles: readonly string[], table: string | false, env: NodeJS.ProcessEnv): Accounts {
  const tables = new Map<string, Promise<RecordTable | undefined>>();
  const reads = new Map<string, Promise<ReadResult>>();
  const made: RecordTable[] = [];
  let disposed = false;
  const dispose = (): void => {
    disposed = true; // a table the import would make later is never made
    made.forEach((t) => t.destroy());
  };
  if (table === false) return { tables, reads, [Symbol.dispose]: dispose };
  const records = import('./records.js');
  for (const p of profiles) {
    const created = records.then((m) => {
      if (disposed) return undefined;
      const t = new m.RecordTable(p, table, env);
      made.push(t);
      return t;
    });
    tables.set(p, created.catch(() => undefined));
    reads.set(p, created.then((t): Promise<ReadResult> | ReadResult => (t ? t.read() : { ok: false, why: 'the deploy ended first' }), (e: unknown) => ({ ok: false, why: why(e) })));
  }
  return { tables, reads, [Symbol.dispose]: dispose };
}

export interface PlannedPair {
  readonly pair: Pair;
  readonly action: 'deploy' | 'unchanged';
  /** Why it deploys ("first deploy", "service folder changed", ...) or "fingerprint matches". */
  readonly why: string;
  readonly fingerprint: Fingerprint;
  readonly commit: string | null;
  readonly record: AccountRecord | undefined;
}

export interface ChangedPlan {
  readonly pairs: readonly PlannedPair[];
  /** One line per account whose records cannot be used, said once. */
  readonly notes: readonly string[];
  /** Accounts whose records cannot be read (already named in `notes`). */
  readonly unreadable: ReadonlySet<string>;
}

export const recordKey = (p: Pick<Pair, 'repo' | 'service'>, stage: string): string => `${p.repo}/${p.service}#${stage}`;

function decide(fp: Fingerprint, rec: AccountRecord | undefined, readable: boolean, force: boolean): { action: PlannedPair['action']; why: string } {
  if (force) return { action: 'deploy', why: '--force' };
  if (!fp.ok) return { action: 'deploy', why: `no fingerprint: ${fp.why}` };
  if (!readable) return { action: 'deploy', why: "the account's records cannot be read" };
  if (!rec) return { action: 'deploy', why: 'first deploy into this account' };
  if (rec.status !== 'deployed') return { action: 'deploy', why: `the last deploy here is ${rec.status === 'conflict' ? 'in doubt (two runs at once)' : rec.status}` };
  if (!rec.fingerprint) return { action: 'deploy', why: 'the last deploy here had uncommitted changes' };
  if (rec.fingerprint === fp.value) return { action: 'unchanged', why: 'fingerprint matches' };
  const changed = changedParts(fp.parts, rec.parts);
  return { action: 'deploy', why: `changed: ${changed.length > 0 ? changed.join(', ') : 'fingerprint'}` };
}

/** Fingerprints every pair and compares it with its account's record. */
export async function planChanged(o: {
  pairs: readonly Pair[];
  services: readonly Service[];
  repos: readonly WorkspaceRepo[];
  accounts: Accounts;
  command: string;
  stage: string;
  envMode?: string | undefined;
  force: boolean;
  ctx: Pick<Ctx, 'env' | 'signal'>;
}): Promise<ChangedPlan> {
  const [prints, reads] = await Promise.all([
    fingerprintServices(o.repos, o.services, o.ctx),
    Promise.all([...o.accounts.reads].map(async ([p, r]) => [p, await r] as const)).then((x) => new Map(x)),
  ]);
  const notes = [...reads].filter(([, r]) => !r.ok).map(([p, r]) => `uber: the deploy records of ${p} cannot be read (${r.ok ? '' : r.why}); every service deploys there.`);
  const pairs = o.pairs.map((pair): PlannedPair => {
    const sp = prints.get(serviceKey(pair))!;
    const fingerprint = pairFingerprint(sp, { argv: pair.argv, command: o.command, stage: o.stage, envMode: o.envMode });
    const read = reads.get(pair.profile);
    const record = read?.ok ? read.records.get(recordKey(pair, o.stage)) : undefined;
    const recording = o.accounts.tables.has(pair.profile);
    return { pair, fingerprint, record, commit: sp.commit, ...decide(fingerprint, record, !recording || read?.ok === true, o.force) };
  });
  return { pairs, notes, unreadable: new Set([...reads].filter(([, r]) => !r.ok).map(([p]) => p)) };
}

/** A pair that was not deployed because its account already runs exactly this. */
export function unchangedOutcome(pair: Pair): PairOutcome {
  return { pair, status: 'unchanged', attempts: [], durationMs: 0, log: '', tail: [], kept: [] };
}

/** A pair not tried because its repo did not sync: the rule and the sentence why. */
export function skippedOutcome(pair: Pair, why: { readonly rule: string; readonly why: string }): PairOutcome {
  return { pair, status: 'skipped', rule: why.rule, attempts: [], durationMs: 0, log: '', tail: [why.why], kept: [] };
}

export { machine } from '../util/machine.js';

/**
 * Keeps each account's records true while the run goes: marks the pairs to deploy in progress first, then writes each
 * outcome as it settles (ok and no-op make the record current; failed or cancelled leave it not current).
 */
export class RecordKeeper {
  private readonly writes = new Map<string, RecordWrite>();
  private readonly owned = new Set<string>();
  private readonly broken = new Map<string, string>();
  private readonly pending: Promise<unknown>[] = [];

  constructor(
    private readonly accounts: Accounts,
    private readonly run: { id: string; branch: string; stage: string; by: string },
  ) {}

  /** Marks every pair that will deploy in progress, account by account at once; an account that cannot be written is noted. */
  async markAll(planned: readonly PlannedPair[]): Promise<void> {
    const now = Date.now();
    await Promise.all(
      planned.map(async (p) => {
        const table = await this.accounts.tables.get(p.pair.profile);
        if (!table) return;
        const w: RecordWrite = {
          pair: recordKey(p.pair, this.run.stage), fingerprint: p.fingerprint.ok ? p.fingerprint.value : '', parts: p.fingerprint.ok ? p.fingerprint.parts : undefined,
          commit: p.commit ?? '', branch: this.run.branch, by: this.run.by, run: this.run.id, seq: Math.max(now, (p.record?.seq ?? 0) + 1),
        };
        this.writes.set(p.pair.id, w);
        try {
          if (await table.mark(w)) this.owned.add(p.pair.id);
        } catch (e) {
          if (!this.broken.has(p.pair.profile)) this.broken.set(p.pair.profile, why(e));
        }
      }),
    );
  }

  /** Accounts whose table could not be written, with why; not those already named as unreadable (said once per account). */
  notes(named: ReadonlySet<string> = new Set()): string[] {
    return [...this.broken].filter(([p]) => !named.has(p)).map(([p, w]) => `uber: the deploy records of ${p} cannot be written (${w}); its services deploy, and deploy again next time.`);
  }

  /** Feed every deploy event here; outcomes are written as they settle. */
  onEvent(e: DeployEvent): void {
    if (e.kind === 'done') this.pending.push(this.settle(e.outcome).catch(() => undefined));
  }

  private async settle(o: PairOutcome): Promise<void> {
    const w = this.writes.get(o.pair.id);
    const table = await this.accounts.tables.get(o.pair.profile);
    if (!w || !table || this.broken.has(o.pair.profile)) return;
    const ok = o.status === 'ok' || o.status === 'no-op';
    const status = ok ? 'deployed' : o.status === 'cancelled' ? 'cancelled' : 'failed';
    if (this.owned.has(o.pair.id) && (await table.finish(w, status))) return;
    if (ok) await table.disown(w); // a newer run marked it meanwhile: its record wins unless it already claims other code
  }

  /** Waits for every outcome write; call after the runner returns. */
  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }
}
