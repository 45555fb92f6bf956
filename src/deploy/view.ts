// Picks the deploy view: a listr2 tree grouped by profile on a TTY, one plain line per change otherwise.
import type { Ctx } from '../context.js';
import type { Redactor } from '../redact.js';
import type { DeployEvent } from './events.js';
import type { Pair } from './plan.js';
import { listrView } from './view-listr.js';
import { plainView } from './view-plain.js';

export interface DeployView {
  onEvent(e: DeployEvent): void;
  /** Resolves once the view has drawn its last frame. */
  finish(): Promise<void>;
}

export function createView(ctx: Pick<Ctx, 'stderr' | 'interactive'>, pairs: readonly Pair[], profiles: readonly string[], redactor: Redactor): DeployView {
  return ctx.interactive ? listrView(ctx, pairs, profiles, redactor) : plainView(ctx, redactor);
}
