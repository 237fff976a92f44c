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
