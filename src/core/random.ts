/**
 * Seeded randomness. Every random choice in the engine (the split, batch order, weight
 * initialisation, the random-guess attack) draws from a generator derived from the
 * experiment seed and a stage name, so a run is reproducible from its config alone and
 * adding a stage never shifts the numbers of another.
 */

/** A generator of uniform floats in [0, 1). */
export interface Rng {
  next(): number;
  /** An integer in [0, n). */
  nextInt(n: number): number;
  /** A 31-bit integer, for seeding TensorFlow.js initialisers and other generators. */
  nextSeed(): number;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * 32-bit FNV-1a followed by a murmur3 finaliser: four of these seed sfc32 from "seed:stream". Not
 * the lab's content hash (hash.ts): changing it would change every seeded number.
 */
function seedWord(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A generator for `stream` (a stage name such as "split" or "target/init") under `seed`. */
export function createRng(seed: number, stream = ''): Rng {
  const key = `${seed}:${stream}`;
  const next = sfc32(seedWord(key, 1), seedWord(key, 2), seedWord(key, 3), seedWord(key, 4));
  for (let i = 0; i < 12; i++) next(); // let the state mix before the first draw
  return {
    next,
    nextInt: (n) => Math.floor(next() * n),
    nextSeed: () => Math.floor(next() * 0x7fffffff),
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** The integers 0..n-1 in a seeded random order. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, rng);
}
