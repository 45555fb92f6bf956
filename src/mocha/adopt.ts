// The first module a warm mocha worker loads (src/mocha/warm.ts): the environment and folder uber planned, which the
// worker could not inherit because it started before the plan. Anywhere else (no plan file named) it does nothing.
import { readFileSync } from 'node:fs';

/** Names the plan file in the environment of the workers started before the plan. */
export const PLAN_FILE_ENV = 'UBER_WARM_PLAN';

/** What a warm worker needs of uber's plan: the environment's changes since mocha started, and the test folder. */
export interface WarmPlan {
  readonly set: Record<string, string>;
  readonly unset: readonly string[];
  readonly cwd: string;
}

/** Puts this process where the plan says: its environment's changes, then its folder (mocha's process does it too). */
export function applyPlan(plan: WarmPlan, env: NodeJS.ProcessEnv = process.env): void {
  for (const k of plan.unset) delete env[k];
  Object.assign(env, plan.set);
  if (process.cwd() !== plan.cwd) process.chdir(plan.cwd);
}

/** Applies the plan named by PLAN_FILE_ENV to this process (once: the variable goes with it). */
export function adoptPlan(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[PLAN_FILE_ENV];
  if (!file) return;
  delete env[PLAN_FILE_ENV];
  applyPlan(JSON.parse(readFileSync(file, 'utf8')) as WarmPlan, env);
}

adoptPlan();
