// `uber doctor`: every profile resolves (credentials, region) and no two profiles are one account; exit 1 when not.
import { doctor } from '../doctor/doctor.js';
import { recordsLine } from '../doctor/records.js';
import { EXIT, UsageError } from '../errors.js';
import { PROFILES_HELP } from '../options/profiles.js';
import type { Register } from './program.js';

export const registerDoctor: Register = (program, ctx, result) => {
  program
    .command('doctor')
    .description('check that profiles exist, resolve (credentials, region) and map to distinct accounts')
    .option('--profiles <list>', PROFILES_HELP)
    .option('--json', 'print the checks as JSON on stdout')
    .option('--timeout <seconds>', 'how long to wait for credentials and STS per profile', '4')
    .action(async (_opts: unknown, cmd: import('commander').Command) => {
      const opts = cmd.optsWithGlobals<{ profiles?: string; json?: boolean; timeout: string; config?: string }>();
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('ERR_UBER_USAGE', `--timeout "${opts.timeout}" is not a positive number of seconds; pass e.g. --timeout 4.`);
      const { ok, checks, duplicates: dups, records } = await doctor(ctx, { profiles: opts.profiles, config: opts.config, timeoutMs: timeoutS * 1000 });
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify({ ok, profiles: checks.map(({ identity: _i, ...c }, i) => ({ ...c, records: records[i] ?? null })), duplicates: dups }, null, 2)}\n`);
      } else {
        for (const [i, c] of checks.entries()) {
          const status = c.problems.length > 0 ? 'FAIL' : dups.some((g) => g.includes(c.profile)) ? 'DUP ' : 'ok  ';
          ctx.stdout.write(`${status} ${c.profile}  region ${c.region ?? '(none)'}  ${c.shown ?? ''}${c.problems.length ? `  — ${c.problems.join('; ')}` : ''}\n`);
          const r = records[i];
          if (r) ctx.stdout.write(`     ${recordsLine(r)}\n`);
        }
      }
      for (const g of dups) ctx.stderr.write(`uber: profiles ${g.join(', ')} are the same account; tests leasing them would share it: give each profile its own account.\n`);
      const bad = checks.filter((c) => c.problems.length > 0);
      if (bad.length > 0) ctx.stderr.write(`uber: ${bad.length} profile${bad.length > 1 ? 's' : ''} cannot be used: ${bad.map((c) => c.profile).join(', ')}.\n`);
      result.code = dups.length > 0 || bad.length > 0 ? EXIT.failed : EXIT.ok;
    });
};
