/**
 * Draws from the distributions the defenses need, on the engine's seeded generators (random.ts),
 * so every defended run is reproducible from its config.
 */
import type { Rng } from '../random';

/** A standard normal draw by the Box–Muller transform (Box & Muller 1958, Ann. Math. Stat. 29(2)). */
export function standardNormal(rng: Rng): number {
  // 1 − u lies in (0, 1], so the logarithm is finite.
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000, ACM TOMS 26(3); shape < 1 boosted by U^(1/shape)). */
export function gamma(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError(`gamma: shape must be > 0, got ${shape}`);
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function beta(a: number, b: number, rng: Rng): number {
  const x = gamma(a, rng);
  const y = gamma(b, rng);
  // Both tiny (α → 0 puts all mass at 0 and 1): fall back to a fair coin between the ends.
  return x + y > 0 ? x / (x + y) : rng.next() < 0.5 ? 0 : 1;
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

/**
 * `count` independent N(0, stddev²) draws from `rng`, as float32, by the ziggurat: for DP-SGD's
 * 10^5 draws a step, where standardNormal's log, sqrt and cos per draw cost as much as the step's
 * clipped sum. standardNormal keeps its own stream of draws (the defenses' seeded figures rest on it).
 */
export function gaussianArray(rng: Rng, count: number, stddev: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = stddev * ziggurat(rng);
  return out;
}
