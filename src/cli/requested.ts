// Which command a command line asks for, read before commander loads (main starts mocha early for `uber test`).

/** Global options that take a value, so their value is not mistaken for the command name. */
const GLOBAL_WITH_VALUE = new Set(['--config']);

/** The command named on the command line (the first word that is neither an option nor an option's value). */
export function requestedCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (GLOBAL_WITH_VALUE.has(a)) i += 1;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}
