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

/**
 * Layers of the ziggurat for N(0, 1) (Marsaglia & Tsang 2000, "The Ziggurat Method for Generating
 * Random Variables", J. Stat. Softw. 5(8), doi:10.18637/jss.v005.i08; their RNOR with 128 layers):
 * `bound[i]` is the 31-bit integer below which a draw in layer i is accepted at once, `width[i]`
 * turns such an integer into x, `height[i]` is the density e^{−x²/2} at the layer's edge.
 */
const ZIGGURAT = (() => {
  const bound = new Float64Array(128);
  const width = new Float64Array(128);
  const height = new Float64Array(128);
  const m1 = 2147483648;
  const volume = 9.91256303526217e-3;
  let d = 3.442619855899;
  let t = d;
  const q = volume / Math.exp(-0.5 * d * d);
  bound[0] = (d / q) * m1;
  bound[1] = 0;
  width[0] = q / m1;
  width[127] = d / m1;
  height[0] = 1;
  height[127] = Math.exp(-0.5 * d * d);
  for (let i = 126; i >= 1; i--) {
    d = Math.sqrt(-2 * Math.log(volume / d + Math.exp(-0.5 * d * d)));
    bound[i + 1] = (d / t) * m1;
    t = d;
    height[i] = Math.exp(-0.5 * d * d);
    width[i] = d / m1;
  }
  return { bound, width, height, tail: 3.442619855899 };
})();

/** A signed 32-bit integer from `rng` (its uniforms are multiples of 2^−32). */
function int32(rng: Rng): number {
  return (rng.next() * 4294967296) | 0;
}

/** One N(0, 1) draw by the ziggurat; the layer comes from a draw of its own (Doornik 2005's fix of the original's correlated bits). */
function ziggurat(rng: Rng): number {
  const { bound, width, height, tail } = ZIGGURAT;
  for (;;) {
    const j = int32(rng);
    const i = int32(rng) & 127;
    const x = j * width[i];
    if (Math.abs(j) < bound[i]) return x;
    if (i === 0) {
      // The tail beyond the base layer (Marsaglia 1964): x = −ln(U₁)/r accepted when −2 ln U₂ > x².
      let a: number;
      let b: number;
      do {
        a = -Math.log(1 - rng.next()) / tail;
        b = -Math.log(1 - rng.next());
      } while (b + b < a * a);
      return j > 0 ? tail + a : -tail - a;
    }
    if (height[i] + rng.next() * (height[i - 1] - height[i]) < Math.exp(-0.5 * x * x)) return x;
  }
}

/** `count` independent N(0, stddev²) draws from `rng`, as float32. */
export function gaussianArray(rng: Rng, count: number, stddev: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = stddev * ziggurat(rng);
  return out;
}
