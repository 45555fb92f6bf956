// The README stays true: every config key in the schema is documented, with its default.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

/** Every leaf key path of a zod object schema, arrays of objects shown as `key[].child`. */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodArray && s.element instanceof z.ZodObject) return keyPaths(s.element, `${prefix}[]`);
  if (!(s instanceof z.ZodObject)) return [prefix];
  return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('documents every config key of the schema', () => {
    const keys = keyPaths(configSchema);
    assert.ok(keys.length >= 15, `found only ${keys.length} keys`);
    for (const key of keys) assert.ok(readme.includes(`| \`${key}\` |`), `README's config reference lacks ${key}`);
  });

  it('shows the two commands', () => {
    assert.ok(readme.includes('npm ci && npm run demo'));
    assert.ok(readme.includes('npm ci && npm test'));
  });
});
