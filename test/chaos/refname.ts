// git's branch-name rules (refs.c check_refname_format on refs/heads/NAME, plus --branch's own), for filtering names in bulk.
// eslint-disable-next-line no-control-regex -- git forbids control characters, so the rule names them
const BAD_CHAR = /[\x00-\x20\x7f~^:?*[\\]/;

/** Mirrors `git check-ref-format --branch NAME` for names without @{-N} shorthands. */
export function gitAcceptsBranch(name: string): boolean {
  if (name === '' || name.startsWith('-') || name === 'HEAD') return false;
  const full = `refs/heads/${name}`;
  if (full.endsWith('.') || full.includes('..') || full.includes('@{') || BAD_CHAR.test(full)) return false;
  return full.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}
