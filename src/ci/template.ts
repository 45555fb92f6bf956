// Fills templates/circleci/config.yml: tokens from the options, one timings restore per container.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, parseDocument, visit, type Document } from 'yaml';

/** templates/ sits two folders above this file both in src/ci and dist/ci. */
export const TEMPLATE_FILE = fileURLToPath(new URL('../../templates/circleci/config.yml', import.meta.url));
/** The single pipelined job (`uber run`), written by `uber ci circleci --pipelined`. */
export const PIPELINED_TEMPLATE_FILE = fileURLToPath(new URL('../../templates/circleci/pipelined.yml', import.meta.url));

export const GENERATED_MARK = 'Written by `uber ci circleci`';

const NODE_TOKEN = '__UBER_NODE__';

function replaceTokens(text: string, tokens: Record<string, string>): string {
  return text.replace(/__UBER_[A-Z]+__/g, (t) => tokens[t] ?? t);
}

/** Repeats every job step that mentions __UBER_NODE__ once per test container index. */
function expandPerNode(doc: Document, parallelism: number): void {
  const jobs = doc.get('jobs', true);
  if (!isMap(jobs)) throw new Error('templates/circleci/config.yml has no jobs');
  for (const pair of jobs.items) {
    const steps = isMap(pair.value) ? pair.value.get('steps', true) : undefined;
    if (!isSeq(steps)) continue;
    const out: unknown[] = [];
    for (const item of steps.items) {
      if (!JSON.stringify(item).includes(NODE_TOKEN)) {
        out.push(item);
        continue;
      }
      for (let k = 0; k < parallelism; k++) {
        const plain = JSON.parse(replaceTokens(JSON.stringify((item as { toJSON(): unknown }).toJSON()), { [NODE_TOKEN]: String(k) })) as unknown;
        const node = doc.createNode(plain);
        if (k === 0 && isMap(item) && item.commentBefore) node.commentBefore = item.commentBefore.replace(/__UBER_NODE__/g, 'k');
        out.push(node);
      }
    }
    steps.items = out;
  }
}

/** The template with every token filled; `numbers` become YAML integers, the rest strings; `edit` changes the result. */
export function fillTemplate(text: string, tokens: Record<string, string>, numbers: Record<string, number>, parallelism: number, header: string, edit?: (doc: Document) => void): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`templates/circleci/config.yml is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  expandPerNode(doc, parallelism);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const n = numbers[node.value];
      if (n !== undefined) node.value = n;
      else if (node.value.includes('__UBER_')) node.value = replaceTokens(node.value, tokens);
    },
  });
  edit?.(doc);
  doc.commentBefore = header;
  const left = /__UBER_[A-Z]+__/.exec(doc.toString({ lineWidth: 0 }).replace(/^#.*$/gm, ''));
  if (left) throw new Error(`templates/circleci/config.yml still has ${left[0]} after filling it`);
  return doc.toString({ lineWidth: 0 });
}

export function readTemplate(pipelined = false): string {
  return readFileSync(pipelined ? PIPELINED_TEMPLATE_FILE : TEMPLATE_FILE, 'utf8');
}
