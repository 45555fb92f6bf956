// Whether an output gets colour codes: Node's own rules (FORCE_COLOR wins, then NO_COLOR, then a TTY), for every command.

/** The part of a stream that decides colour: a terminal gets colour, a pipe or file does not. */
export interface MaybeTty {
  readonly isTTY?: boolean | undefined;
}

/**
 * Colour on `stream`? As Node's tty.getColorDepth decides: FORCE_COLOR set wins ("", "1", "2", "3" or "true" turn colour
 * on, "0", "false" or anything else turn it off); else NO_COLOR (https://no-color.org, any non-empty value),
 * NODE_DISABLE_COLORS or TERM=dumb turn it off; else colour only on a TTY. CI alone never turns colour on for a pipe.
 */
export function wantsColour(stream: MaybeTty, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force);
  if (env.NO_COLOR || env.NODE_DISABLE_COLORS !== undefined || env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}
