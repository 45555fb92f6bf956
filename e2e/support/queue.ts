// Machines on one shared queue for e2e checks: project folders with the same suite, one dynalite for the pool table.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TAG_VAR } from './procs.js';

/** A spec file: `tests` tests that each journal their start and end and take `ms`. */
export interface SuiteFile {
  readonly tests: number;
  readonly ms: number;
  /** The first test SIGKILLs its worker the first time it runs anywhere (a marker file beside the journal). */
  readonly crashOnce?: boolean;
}

export interface JournalLine {
  readonly machine: string;
  readonly event: 'start' | 'end';
  readonly title: string;
  readonly pid: number;
}

const crashOnce = "const marker = process.env.QUEUE_JOURNAL + '.crashed'; if (!(await import('node:fs')).existsSync(marker)) { (await import('node:fs')).writeFileSync(marker, ''); process.kill(process.pid, 'SIGKILL'); } ";

/** One spec file's text: its tests journal to $QUEUE_JOURNAL, tagged with $QUEUE_MACHINE. */
export function specText(name: string, f: SuiteFile): string {
  return [
    "import { appendFileSync } from 'node:fs';",
    'const journal = (event, title) => appendFileSync(process.env.QUEUE_JOURNAL, JSON.stringify({ machine: process.env.QUEUE_MACHINE, event, title, pid: process.pid }) + "\\n");',
    `describe(${JSON.stringify(name)}, function () {`,
    '  this.timeout(60000);',
    ...Array.from({ length: f.tests }, (_, i) => `  it('t${i + 1}', async function () { journal('start', this.test.fullTitle()); ${f.crashOnce && i === 0 ? crashOnce : ''}await new Promise((r) => setTimeout(r, ${f.ms})); journal('end', this.test.fullTitle()); });`),
    '});',
    '',
  ].join('\n');
}

export interface Machine {
  readonly name: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface QueueSetup {
  readonly root: string;
  readonly journal: string;
  readonly machines: Machine[];
  /** Journal lines so far. */
  read(): JournalLine[];
}

/**
 * `names.length` machines: each a project folder with the suite (and the same timing history, when given), its own
 * test profiles (local leases on this host: disjoint, so two machines never need one account), and the pool profile.
 */
export function queueMachines(o: { names: readonly string[]; suite: Record<string, SuiteFile>; poolUrl: string; history?: Record<string, { ms: number; tests: Record<string, number> }>; env?: NodeJS.ProcessEnv }): QueueSetup {
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-queue-'));
  const journal = path.join(root, 'journal.jsonl');
  const machines = o.names.map((name, k) => {
    const dir = path.join(root, name);
    mkdirSync(path.join(dir, 'test'), { recursive: true });
    const profiles = [`${name}-1`, `${name}-2`];
    writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${profiles.join(', ')}]\ntest:\n  spec: ["test/*.spec.mjs"]\n`);
    for (const [file, f] of Object.entries(o.suite)) writeFileSync(path.join(dir, 'test', file), specText(file, f));
    if (o.history) {
      mkdirSync(path.join(dir, '.uber'), { recursive: true });
      writeFileSync(path.join(dir, '.uber', 'timings.json'), JSON.stringify({ version: 1, updatedAt: new Date(0).toISOString(), files: o.history }));
    }
    const aws = [...profiles.map((p) => `[profile ${p}]\nregion = eu-west-1\n`), `[profile pool]\nregion = eu-west-1\nendpoint_url = ${o.poolUrl}\n`].join('\n');
    writeFileSync(path.join(dir, 'aws-config'), aws);
    writeFileSync(path.join(dir, 'aws-credentials'), '[pool]\naws_access_key_id = AKIAPOOL\naws_secret_access_key = pool-secret\n');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
      QUEUE_JOURNAL: journal,
      QUEUE_MACHINE: name,
      [TAG_VAR]: `${path.basename(root)}-${name}-${k}`,
      ...o.env,
    };
    return { name, dir, env };
  });
  const read = (): JournalLine[] =>
    existsSync(journal)
      ? readFileSync(journal, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as JournalLine)
      : [];
  return { root, journal, machines, read };
}

/** How many times each test title appears with `event` in the journal. */
export function counts(lines: readonly JournalLine[], event: 'start' | 'end'): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines) if (l.event === event) out.set(l.title, (out.get(l.title) ?? 0) + 1);
  return out;
}
