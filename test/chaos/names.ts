// Generated hostile names: shell metacharacters, quotes, ${IFS}, command substitutions that would create canary files.
/** A small deterministic PRNG (mulberry32), so a failing name can be reproduced from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fragments that do something when a shell sees them; CANARY is replaced by a path to a file that must never appear. */
export const ATTACKS = [
  '$(touch${IFS}CANARY)', '`touch${IFS}CANARY`', ';touch${IFS}CANARY', '|touch${IFS}CANARY', '&&touch${IFS}CANARY',
  '||touch${IFS}CANARY', '$(touch$IFS"CANARY")', "';touch${IFS}CANARY;'", '";touch${IFS}CANARY;"', '>CANARY', '>>CANARY',
  '&touch${IFS}CANARY&', '{profile}', '{branch}', '{stage}', '${IFS}', '$HOME', '$((1+1))', '!!', '#', '%s', '{a,b}', '$0', '<(touch${IFS}CANARY)', '\'', '"', '=',
];
const PLAIN = ['feat', 'x', 'release', 'a1', 'ü', '日本', 'v2', 'hot-fix', 'we_ird', '+', ',', '%', '(', ')', '{', '}', '$', '&', ';', '|', '<', '>', '!', '#', '"', "'", '`'];

/** `count` names mixing plain parts, separators and attacks; canary(i) names the file attack i would create. */
export function hostileNames(count: number, seed: number, canary: (i: number) => string, opts: { slash: boolean }): string[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const parts: string[] = [];
    const n = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < n; k += 1) {
      parts.push(rnd() < 0.5 ? pick(ATTACKS).replaceAll('CANARY', canary(i)) : pick(PLAIN));
      if (k < n - 1) parts.push(opts.slash && rnd() < 0.3 ? '/' : pick(['-', '_', '', '.']));
    }
    out.push(parts.join(''));
  }
  return out;
}
