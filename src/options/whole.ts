// The one whole-number parser for flags and variables: digits only, within bounds, else one sentence (exit 2).
import { UsageError } from '../errors.js';

/**
 * Parses `value` (a flag's text, an environment variable, or a number handed in by a caller) as a whole number
 * from min to max. `name` is what the user typed: "--jobs", or "CIRCLE_NODE_INDEX".
 */
export function parseWhole(name: string, value: string | number, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    const example = Math.min(max, Math.max(min, 2));
    const eg = name.startsWith('-') ? `${name} ${example}` : `${name}=${example}`;
    throw new UsageError('ERR_UBER_BAD_NUMBER', `${name} must be a whole number ${range}, not "${String(value)}"; e.g. ${eg}.`);
  }
  return n;
}
