// The one way to read a JSON file through a zod schema: missing, damaged (with why, in words), or the parsed value.
import { readFileSync } from 'node:fs';
import type * as z from 'zod';

export type JsonFile<T> =
  | { readonly kind: 'missing' }
  /**
   * `reason` reads after "it is damaged (…)": "it cannot be read (EACCES)" (stage read), "it is empty" or "it is not
   * valid JSON (cut short?)" (stage json), or the first schema issue as "path: message" (stage schema; `issue` holds
   * its path, "" at the top level, and zod's own message).
   */
  | { readonly kind: 'damaged'; readonly stage: 'read' | 'json' | 'schema'; readonly reason: string; readonly issue?: { readonly path: string; readonly message: string } | undefined }
  | { readonly kind: 'ok'; readonly value: T };

export function readJsonFile<S extends z.ZodType>(file: string, schema: S): JsonFile<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'damaged', stage: 'read', reason: `it cannot be read (${code ?? String(e)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'damaged', stage: 'json', reason: text.trim() === '' ? 'it is empty' : 'it is not valid JSON (cut short?)' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { kind: 'ok', value: parsed.data };
  const first = parsed.error.issues[0];
  const where = first?.path.join('.') ?? '';
  const message = first?.message ?? 'does not match';
  return { kind: 'damaged', stage: 'schema', reason: `${where || 'the top level'}: ${message.toLowerCase()}`, issue: { path: where, message } };
}
