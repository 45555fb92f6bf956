// The probe bench's engine: N terminals run uber deploy/test/sync at seeded random moments on one project; then leases, state, run folders, reports and the workspace are checked.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { findOverlaps, readAuditAll, rotatedAudits, type AuditRecord } from '../../src/lease/audit.js';
import { readTestRun, type TestRun } from '../../src/report/run.js';
import { isRunId, runIdKind } from '../../src/run/id.js';
import { readLatest, type RunSummary } from '../../src/run/finish.js';
import { uberPaths } from '../../src/state/paths.js';
import { readState, type UberState } from '../../src/state/state.js';
import { holdsDir, locksDir } from '../../src/workspace/lockfiles.js';
import { makeChaosProject, type ChaosProject } from '../support/project.js';
import { killTagged, waitForNoTagged } from '../support/procs.js';
import { runUber } from '../support/uber.js';
import { prng } from '../../test/chaos/names.js';

export const PROFILES = ['ci-1', 'ci-2', 'ci-3'] as const;
const SPEC_FILES = 4;
const TESTS_PER_FILE = 2;


const COMMANDS: readonly (readonly string[])[] = [
  ['deploy', '--branch', 'main'],
  ['deploy', '--branch', 'feat-y'],
  ['test', '--parallel', '--reporter', 'dot'],
  ['test', '--parallel', '--reporter', 'dot'],
  ['sync', '--branch', 'main'],
  ['sync', '--branch', 'feat-y'],
];

export interface Step {
  readonly terminal: number;
  readonly delayMs: number;
  readonly args: readonly string[];
}

/** `runs` commands dealt round-robin to `terminals`, each after a random pause of up to `maxDelayMs`. */
export function planSteps(runs: number, terminals: number, seed: number, maxDelayMs = 1500): Step[][] {
  const rnd = prng(seed);
  const out: Step[][] = Array.from({ length: terminals }, () => []);
  for (let i = 0; i < runs; i++) {
    const terminal = i % terminals;
    out[terminal]!.push({ terminal, delayMs: Math.floor(rnd() * maxDelayMs), args: COMMANDS[Math.floor(rnd() * COMMANDS.length)]! });
  }
  return out;
}

/** One spec file: journals the tests repo's HEAD (and the run) when the file starts, at each test, and when it ends. */
function specSource(name: string): string {
  return `/* global describe, it, before, after */
// Probe spec: records the workspace repo's HEAD at start, per test and at end, tagged with the uber run.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
const head = () => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: process.env.CHAOS_SPEC_REPO, encoding: 'utf8' }).trim();
const log = (event, test) => appendFileSync(process.env.CHAOS_SPEC_JOURNAL, JSON.stringify({ event, run: process.env.UBER_RUN_ID ?? null, file: 'test/${name}', test: test ?? null, head: head(), pid: process.pid, time: Date.now() }) + '\\n');
describe('${name}', () => {
  before(() => log('start'));
  after(() => log('end'));
  for (let i = 1; i <= ${TESTS_PER_FILE}; i += 1) it('probe ' + i, async () => { log('test', 'probe ' + i); await new Promise((r) => setTimeout(r, 60)); });
});
`;
}

export interface Probe {
  readonly p: ChaosProject;
  readonly specJournal: string;
}

/** One project: repo "orders" (main, feat-y) on a file:// remote, three plain profiles, the fixture sls, probe specs; synced once. */
export async function buildProbe(): Promise<Probe> {
  const p = makeChaosProject({ repos: [{ name: 'orders', branches: ['feat-y'] }], profiles: [...PROFILES] });
  const specJournal = path.join(p.root, 'spec-journal.jsonl');
  writeFileSync(
    path.join(p.dir, 'uber.config.yaml'),
    JSON.stringify(
      {
        workspace: './repos',
        profiles: PROFILES,
        repos: [{ name: 'orders', url: p.url('orders'), services: ['services/a/serverless.yml'] }],
        deploy: { command: 'sls deploy --stage {stage} --aws-profile {profile}', concurrency: 3, perProfile: 1, recordTable: false, lockTimeout: 300 },
        test: { spec: ['test/*.spec.mjs'], leaseTimeout: 300 },
        sync: { waitForTests: 2 },
      },
      null,
      2,
    ),
  );
  mkdirSync(path.join(p.dir, 'test'));
  for (let i = 1; i <= SPEC_FILES; i++) writeFileSync(path.join(p.dir, 'test', `f${i}.spec.mjs`), specSource(`f${i}.spec.mjs`));
  Object.assign(p.env, { CHAOS_SPEC_JOURNAL: specJournal, CHAOS_SPEC_REPO: path.join(p.workspace, 'orders'), SLS_FIXTURE_SLEEP_MS: '150' });
  const first = await runUber(['sync', '--branch', 'main'], { cwd: p.dir, env: p.env, timeoutMs: 120_000 });
  if (first.code !== 0) throw new Error(`the first uber sync failed (${first.code}): ${first.stderr}`);
  return { p, specJournal };
}

export interface Ran {
  readonly terminal: number;
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly stderr: string;
}

/** Runs every terminal's steps at once (each terminal one command at a time, like a shell). */
export async function runTerminals(probe: Probe, steps: Step[][], timeoutMs = 600_000): Promise<Ran[]> {
  const ran: Ran[] = [];
  await Promise.all(
    steps.map(async (list) => {
      for (const s of list) {
        await pause(s.delayMs);
        const startedAt = Date.now();
        const r = await runUber(s.args, { cwd: probe.p.dir, env: probe.p.env, timeoutMs });
        ran.push({ terminal: s.terminal, args: s.args, code: r.code, signal: r.signal, startedAt, endedAt: Date.now(), stderr: r.stderr });
      }
    }),
  );
  return ran;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

interface Interval {
  readonly profile: string;
  readonly start: number;
  readonly end: number;
  readonly what: string;
  readonly kind: 'test' | 'deploy';
}

/** Independent of uber's findOverlaps: every pair of intervals on one profile, compared directly (no dedupe, no sweep). */
export function pairwiseOverlaps(list: readonly Interval[], toleranceMs = 1): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (a.profile !== b.profile || a.what === b.what) continue;
      const ms = Math.min(a.end, b.end) - Math.max(a.start, b.start);
      if (ms > toleranceMs) out.push(`${a.profile}: ${a.kind} ${a.what} and ${b.kind} ${b.what} overlap ${ms.toFixed(1)} ms`);
    }
  }
  return out;
}

/** Every audit record: the live log and its rotations. */
export function allAudit(p: ChaosProject): { records: AuditRecord[]; torn: number } {
  const file = uberPaths(p.dir).audit;
  const records: AuditRecord[] = [];
  let torn = 0;
  for (const f of [...rotatedAudits(file), file]) {
    const r = readAuditAll(f);
    records.push(...r.records);
    torn += r.torn;
  }
  return { records, torn };
}

/** The overlap checks on a set of audit records plus the fixture sls's own deploy times (an independent witness). */
export function overlapChecks(records: readonly AuditRecord[], slsDeploys: readonly Interval[]): Check[] {
  const uberSays = findOverlaps(records);
  const asIntervals: Interval[] = records.map((r) => ({ profile: r.profile, start: r.start, end: r.end, what: `lease ${r.leaseId}`, kind: r.kind ?? 'test' }));
  const pairwise = pairwiseOverlaps(asIntervals);
  const testLeases = asIntervals.filter((x) => x.kind === 'test');
  const slsVsTests = pairwiseOverlaps([...testLeases, ...slsDeploys]).filter((l) => / deploy sls /.test(l));
  const kinds = (k: string): number => records.filter((r) => (r.kind ?? 'test') === k).length;
  return [
    { name: 'audit: no overlapping holds (uber findOverlaps)', ok: uberSays.length === 0, detail: `${records.length} leases (${kinds('test')} test, ${kinds('deploy')} deploy); ${uberSays.length} overlaps` },
    { name: 'audit: no overlapping holds (pairwise, independent)', ok: pairwise.length === 0, detail: pairwise.length === 0 ? `${asIntervals.length} intervals compared pairwise` : pairwise.slice(0, 5).join('; ') },
    {
      name: "sls journal: no deploy ran inside a test's lease",
      ok: slsVsTests.length === 0,
      detail: slsVsTests.length === 0 ? `${slsDeploys.length} sls runs vs ${testLeases.length} test leases` : slsVsTests.slice(0, 5).join('; '),
    },
  ];
}

/** The fixture sls's start/end lines, paired by pid: when a deploy really ran in each profile. */
export function slsIntervals(p: ChaosProject): Interval[] {
  const starts = new Map<number, { time: number; key: string }>();
  const out: Interval[] = [];
  for (const l of p.journal()) {
    if (l.event === 'start') starts.set(l.pid, { time: l.time, key: l.key });
    else if (l.event === 'end' && starts.has(l.pid)) {
      const s = starts.get(l.pid)!;
      out.push({ profile: s.key.split('@')[1] ?? '', start: s.time, end: l.time, what: `sls pid ${l.pid}`, kind: 'deploy' });
    }
  }
  return out;
}

export interface SpecLine {
  readonly event: 'start' | 'test' | 'end';
  readonly run: string | null;
  readonly file: string;
  readonly test?: string | null;
  readonly head: string;
}

export function readSpecJournal(file: string): SpecLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SpecLine);
}

/** No repo moved while a test run held it: every HEAD a run's specs saw, start to end, is one commit. */
export function headCheck(lines: readonly SpecLine[]): Check {
  const byRun = new Map<string, Set<string>>();
  for (const l of lines) byRun.set(l.run ?? '(no run)', (byRun.get(l.run ?? '(no run)') ?? new Set()).add(l.head));
  const moved = [...byRun].filter(([, heads]) => heads.size > 1);
  return {
    name: "workspace: no repo's HEAD moved under a test run",
    ok: moved.length === 0 && !byRun.has('(no run)'),
    detail: moved.length === 0 ? `${byRun.size} test runs, ${lines.length} HEAD readings` : moved.map(([run, h]) => `${run} saw ${[...h].map((x) => x.slice(0, 8)).join(' → ')}`).join('; '),
  };
}

interface Finished {
  readonly id: string;
  readonly summary: RunSummary;
}

/** Run folders: each has a valid summary.json (or names the live run that owns it). */
function runFolders(p: ChaosProject): { finished: Finished[]; problems: string[] } {
  const dir = uberPaths(p.dir).runs;
  const finished: Finished[] = [];
  const problems: string[] = [];
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    if (id.endsWith('.json')) continue;
    if (!isRunId(id)) {
      problems.push(`${id}: not a run id`);
      continue;
    }
    const file = path.join(dir, id, 'summary.json');
    if (!existsSync(file)) {
      problems.push(`${id}: no summary.json (an unfinished run, yet every uber process has ended)`);
      continue;
    }
    try {
      const s = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
      const valid = s.id === id && s.kind === runIdKind(id) && typeof s.ok === 'boolean' && typeof s.interrupted === 'boolean' && Number.isFinite(s.startedAt) && s.endedAt >= s.startedAt;
      if (valid) finished.push({ id, summary: s });
      else problems.push(`${id}: summary.json does not describe this run`);
    } catch (e) {
      problems.push(`${id}: summary.json does not parse (${(e as Error).message})`);
    }
  }
  return { finished, problems };
}

function newest(list: readonly Finished[]): Finished | undefined {
  return [...list].sort((a, b) => a.summary.endedAt - b.summary.endedAt || a.id.localeCompare(b.id)).at(-1);
}

/** Profiles each deploy run leased (its deploy lines in the audit), and the run that leased each profile last. */
function deployLeases(records: readonly AuditRecord[]): { byRun: Map<string, Set<string>>; lastByProfile: Map<string, AuditRecord> } {
  const byRun = new Map<string, Set<string>>();
  const lastByProfile = new Map<string, AuditRecord>();
  for (const r of records) {
    if (r.kind !== 'deploy' || !r.run) continue;
    byRun.set(r.run, (byRun.get(r.run) ?? new Set()).add(r.profile));
    const cur = lastByProfile.get(r.profile);
    if (!cur || r.start > cur.start) lastByProfile.set(r.profile, r);
  }
  return { byRun, lastByProfile };
}

/**
 * Every profile a finished deploy run leased is in state.json with no deploying mark left, recorded by the run that leased it
 * last, or by a deploy run that finished after that lease ended (a refused deploy records its profiles unhealthy without leasing).
 * `finishedDeploys`: run id → endedAt.
 */
export function stateChecks(state: UberState | undefined, records: readonly AuditRecord[], finishedDeploys: ReadonlyMap<string, number>): Check {
  const { byRun, lastByProfile } = deployLeases(records);
  const problems: string[] = [];
  let profiles = 0;
  for (const [run, set] of byRun) {
    if (!finishedDeploys.has(run)) continue;
    for (const profile of set) {
      profiles += 1;
      const rec = state?.profiles[profile];
      const lastLease = lastByProfile.get(profile)!;
      const last = lastLease.run;
      const later = rec?.runId !== undefined && rec.runId !== last && (finishedDeploys.get(rec.runId) ?? -Infinity) >= lastLease.end;
      if (!rec) problems.push(`${profile} (deployed by ${run}) is missing from state.json`);
      else if (rec.deploying) problems.push(`${profile} still carries a deploying mark of ${rec.deploying.runId}`);
      else if (rec.runId !== last && !later) problems.push(`${profile} is recorded by ${rec.runId ?? '(no run)'}, but ${last} deployed into it last`);
      else if (!state.deploys.some((d) => d.profile === profile && d.runId === rec.runId)) problems.push(`${profile}: no pair record of ${rec.runId}`);
    }
  }
  return {
    name: "state.json: every finished deploy's profiles recorded (none lost)",
    ok: state !== undefined || byRun.size === 0 ? problems.length === 0 : false,
    detail: problems.length === 0 ? `${byRun.size} deploy runs leased ${profiles} run×profile pairs; all in state` : [...new Set(problems)].slice(0, 6).join('; '),
  };
}

function counts(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/**
 * Nothing reported passed that did not run: each passed file (or unit of a split file) needs its own start and end line in
 * the spec journal of that run, and each passed test its own line (same run, file, title).
 */
export function passedCheck(runs: readonly { id: string; record: TestRun }[], lines: readonly SpecLine[]): Check {
  const ends = counts(lines.filter((l) => l.event === 'end').map((l) => `${l.run} ${l.file}`));
  const starts = counts(lines.filter((l) => l.event === 'start').map((l) => `${l.run} ${l.file}`));
  const ranTests = counts(lines.filter((l) => l.event === 'test').map((l) => `${l.run} ${l.file} ${l.test}`));
  const wrong: string[] = [];
  let files = 0;
  let tests = 0;
  for (const { id, record } of runs) {
    const passedFiles = counts(record.files.filter((f) => f.state === 'passed').map((f) => `${id} ${f.file}`));
    for (const [key, n] of passedFiles) {
      files += n;
      if ((starts.get(key) ?? 0) < n || (ends.get(key) ?? 0) < n) wrong.push(`${key}: ${n} passed, ${starts.get(key) ?? 0} started, ${ends.get(key) ?? 0} ended`);
    }
    const passedTests = counts(record.tests.filter((t) => t.state === 'passed').map((t) => `${id} ${t.file} ${t.title}`));
    for (const [key, n] of passedTests) {
      tests += n;
      if ((ranTests.get(key) ?? 0) < n) wrong.push(`${key}: passed ${n}×, ran ${ranTests.get(key) ?? 0}×`);
    }
  }
  return {
    name: "reports: nothing 'passed' that did not run",
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? `${files} passed files/units and ${tests} passed tests in ${runs.length} test runs, each journaled by the spec` : wrong.slice(0, 5).join('; '),
  };
}

/** Everything checked after the terminals ended. */
export async function checkAll(probe: Probe, ran: readonly Ran[]): Promise<Check[]> {
  const { p } = probe;
  const paths = uberPaths(p.dir);
  const checks: Check[] = [];
  const left = await waitForNoTagged(p.tag, 10_000);
  checks.push({ name: 'processes: none alive', ok: left.length === 0, detail: left.length === 0 ? 'none' : left.map((x) => `${x.pid} ${x.cmd}`).join('; ') });

  const audit = allAudit(p);
  checks.push(...overlapChecks(audit.records, slsIntervals(p)));
  checks.push({ name: 'audit: no torn lines', ok: audit.torn === 0, detail: `${audit.torn} torn` });

  const { finished, problems } = runFolders(p);
  checks.push({ name: 'runs: every run folder finished with a valid summary.json', ok: problems.length === 0, detail: problems.length === 0 ? `${finished.length} run folders` : problems.slice(0, 5).join('; ') });
  const ranOk = (cmd: string): number => ran.filter((r) => r.args[0] === cmd && r.code === 0).length;
  const kindCount = (k: string): number => finished.filter((f) => f.summary.kind === k).length;
  checks.push({
    name: 'runs: a folder for every deploy and test that succeeded',
    ok: kindCount('deploy') >= ranOk('deploy') && kindCount('test') >= ranOk('test'),
    detail: `deploy ${kindCount('deploy')} folders / ${ranOk('deploy')} exit 0; test ${kindCount('test')} folders / ${ranOk('test')} exit 0`,
  });
  const pointers: string[] = [];
  for (const kind of [undefined, 'deploy', 'test'] as const) {
    const want = newest(kind ? finished.filter((f) => f.summary.kind === kind) : finished);
    let got: string | undefined;
    try {
      got = readLatest(paths, kind)?.id;
    } catch (e) {
      got = `damaged: ${(e as Error).message}`;
    }
    if (got !== want?.id) pointers.push(`latest${kind ? `-${kind}` : ''}.json → ${got ?? 'none'}, newest finished is ${want?.id ?? 'none'}`);
  }
  checks.push({ name: 'runs: latest.json points at the newest finished run', ok: pointers.length === 0, detail: pointers.length === 0 ? `latest → ${newest(finished)?.id ?? 'none'}` : pointers.join('; ') });

  let state: UberState | undefined;
  let stateProblem = '';
  try {
    state = readState(paths.state);
    if (existsSync(paths.state)) JSON.parse(readFileSync(paths.state, 'utf8'));
  } catch (e) {
    stateProblem = (e as Error).message;
  }
  if (stateProblem) checks.push({ name: 'state.json parses', ok: false, detail: stateProblem });
  else checks.push({ name: 'state.json parses', ok: true, detail: state ? `${Object.keys(state.profiles).length} profiles, ${state.deploys.length} pair records` : 'no deploy ran' });
  const finishedDeploys = new Map(finished.filter((f) => f.summary.kind === 'deploy').map((f) => [f.id, f.summary.endedAt]));
  checks.push(stateChecks(state, audit.records, finishedDeploys));

  const lines = readSpecJournal(probe.specJournal);
  const testRuns = finished
    .filter((f) => f.summary.kind === 'test' && existsSync(path.join(paths.runs, f.id, 'reports', 'tests.json')))
    .map((f) => {
      try {
        return { id: f.id, record: readTestRun(path.join(paths.runs, f.id, 'reports', 'tests.json')) };
      } catch {
        return { id: f.id, record: undefined };
      }
    });
  const unreadable = testRuns.filter((r) => !r.record).map((r) => r.id);
  checks.push({ name: "reports: every test run's tests.json reads", ok: unreadable.length === 0, detail: unreadable.length === 0 ? `${testRuns.length} records` : unreadable.join(', ') });
  checks.push(passedCheck(testRuns.flatMap((r) => (r.record ? [{ id: r.id, record: r.record }] : [])), lines));
  checks.push(headCheck(lines));

  const leftovers = [
    ...p.leases().map((f) => `lease ${f}`),
    ...(existsSync(holdsDir(paths)) ? readdirSync(holdsDir(paths)).map((f) => `hold ${f}`) : []),
    ...(existsSync(locksDir(paths)) ? readdirSync(locksDir(paths)).filter((f) => f.endsWith('.lock')).map((f) => `sync lock ${f}`) : []),
    ...p.tempLeft().map((f) => `temp ${f}`),
  ];
  const stateLock = readdirSync(paths.root).filter((f) => f.endsWith('.lock'));
  leftovers.push(...stateLock.map((f) => `lock ${f}`));
  checks.push({ name: 'leftovers: no lock, hold, temp HOME or uber-* folder', ok: leftovers.length === 0, detail: leftovers.length === 0 ? 'none' : [...new Set(leftovers)].slice(0, 8).join('; ') });
  return checks;
}

/** Negative controls: the checkers must fail on a crafted overlapping audit and a crafted moved HEAD. */
export function negativeControls(): Check[] {
  const base = { pid: 1, host: 'x', ended: 'released' as const };
  const crafted: AuditRecord[] = [
    { ...base, leaseId: 't1', profile: 'ci-1', file: 'a', test: 'a', kind: 'test', start: 1000, end: 2000, run: 'r1' },
    { ...base, leaseId: 't2', profile: 'ci-1', file: 'b', test: 'b', kind: 'test', start: 1500, end: 2500, run: 'r2' },
    { ...base, leaseId: 'd1', profile: 'ci-2', file: null, test: null, kind: 'deploy', start: 1000, end: 3000, run: 'r3' },
    { ...base, leaseId: 't3', profile: 'ci-2', file: 'c', test: 'c', kind: 'test', start: 2900, end: 3100, run: 'r4' },
  ];
  const sls: Interval[] = [{ profile: 'ci-1', start: 1800, end: 1900, what: 'sls pid 7', kind: 'deploy' }];
  const got = overlapChecks(crafted, sls);
  const head = headCheck([
    { event: 'start', run: 'r1', file: 'test/a', head: 'aaaa' },
    { event: 'end', run: 'r1', file: 'test/a', head: 'bbbb' },
  ]);
  const passed = passedCheck([{ id: 'r9', record: { files: [{ file: 'test/x', state: 'passed' }], tests: [] } as unknown as TestRun }], []);
  const lost = stateChecks(undefined, crafted, new Map([['r3', 3000]]));
  return [
    ...got.map((c) => ({ name: `negative control: ${c.name} fails on a crafted overlap`, ok: !c.ok, detail: c.detail })),
    { name: 'negative control: HEAD check fails on a moved HEAD', ok: !head.ok, detail: head.detail },
    { name: "negative control: 'passed' check fails on a file that never ran", ok: !passed.ok, detail: passed.detail },
    { name: 'negative control: state check fails on a lost profile', ok: !lost.ok, detail: lost.detail },
  ];
}

/** A terse line per command kind: how many, exit codes. */
export function tally(ran: readonly Ran[]): string[] {
  const by = new Map<string, Ran[]>();
  for (const r of ran) by.set(r.args.slice(0, r.args[0] === 'test' ? 1 : 3).join(' '), [...(by.get(r.args.slice(0, r.args[0] === 'test' ? 1 : 3).join(' ')) ?? []), r]);
  return [...by].map(([cmd, list]) => {
    const codes = new Map<string, number>();
    for (const r of list) codes.set(String(r.code ?? r.signal), (codes.get(String(r.code ?? r.signal)) ?? 0) + 1);
    const ms = list.map((r) => r.endedAt - r.startedAt).sort((a, b) => a - b);
    return `${cmd.padEnd(24)} ${String(list.length).padStart(3)} runs  exit ${[...codes].map(([c, n]) => `${c}×${n}`).join(' ')}  median ${ms[Math.floor(ms.length / 2)]} ms`;
  });
}

/** Kills whatever a failed check left alive, then removes the project. */
export function disposeProbe(probe: Probe | undefined): void {
  if (!probe) return;
  killTagged(probe.p.tag);
  probe.p.cleanup();
}
