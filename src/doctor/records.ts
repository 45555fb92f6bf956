// Doctor's records line: can each profile read and write its account's deploy record table (uber deploy's "only what changed")?
import { RecordTable } from '../deploy/records.js';
import { why } from '../dynamo/why.js';

export interface RecordsCheck {
  readonly table: string | false;
  readonly read: string;
  readonly write: string;
}

/** Never throws: problems are text. A table not created yet is fine (the first deploy creates it). */
export async function checkRecords(profile: string, table: string | false, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RecordsCheck> {
  if (table === false) return { table, read: 'off (deploy.recordTable: false)', write: 'off' };
  let t: RecordTable | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    t = new RecordTable(profile, table, env);
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)));
    return { table, ...(await Promise.race([t.probe(), late])) };
  } catch (e) {
    return { table, read: why(e), write: 'not tried' };
  } finally {
    clearTimeout(timer);
    t?.destroy();
  }
}

/** "records uber-deploys: readable, writable" or what is wrong. */
export function recordsLine(c: RecordsCheck): string {
  if (c.table === false) return 'records: off';
  const r = c.read === 'ok' ? 'readable' : `cannot be read (${c.read})`;
  const w = c.write === 'ok' ? 'writable' : c.write === 'not tried' ? '' : c.write.startsWith('not created') ? c.write : `cannot be written (${c.write})`;
  return `records ${c.table}: ${[r, w].filter(Boolean).join(', ')}`;
}
