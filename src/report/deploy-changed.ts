// What "only what changed" says on screen: the plan (--dry-run), the unchanged count, and accounts whose records cannot be used.
import type { Ctx } from '../context.js';
import type { ChangedPlan } from '../deploy/changed.js';
import { serviceName } from '../deploy/format.js';
import { columns } from '../util/format.js';

/** --dry-run: what would deploy and why, per pair; --json puts the same on stdout. */
export function printPlan(ctx: Pick<Ctx, 'stderr' | 'stdout'>, plan: ChangedPlan, json: boolean): void {
  for (const n of plan.notes) ctx.stderr.write(`${n}\n`);
  const rows = plan.pairs.map((p) => [p.action === 'deploy' ? 'deploy' : 'unchanged', p.pair.profile, serviceName(p.pair), p.why]);
  for (const line of columns(rows, { left: true })) ctx.stderr.write(`${line}\n`);
  const n = plan.pairs.filter((p) => p.action === 'deploy').length;
  ctx.stderr.write(`dry run: ${n} would deploy, ${plan.pairs.length - n} unchanged; nothing was deployed.\n`);
  if (json) {
    const pairs = plan.pairs.map((p) => ({ profile: p.pair.profile, repo: p.pair.repo, service: p.pair.service, status: p.action, why: p.why, fingerprint: p.fingerprint.ok ? p.fingerprint.value : null }));
    ctx.stdout.write(`${JSON.stringify({ dryRun: true, pairs }, null, 2)}\n`);
  }
}

/** Before the deploys: the accounts whose records cannot be read, once each, and how many pairs are skipped. */
export function printSkips(ctx: Pick<Ctx, 'stderr'>, plan: ChangedPlan): void {
  for (const n of plan.notes) ctx.stderr.write(`${n}\n`);
  const same = plan.pairs.filter((p) => p.action === 'unchanged');
  if (same.length === 0) return;
  const byProfile = new Map<string, number>();
  for (const p of same) byProfile.set(p.pair.profile, (byProfile.get(p.pair.profile) ?? 0) + 1);
  ctx.stderr.write(`unchanged (the account already runs this fingerprint; --force deploys anyway): ${[...byProfile].map(([p, k]) => `${p} ${k}`).join(', ')}\n`);
}
