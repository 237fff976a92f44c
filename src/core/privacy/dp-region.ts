/**
 * What a DP guarantee promises on an ROC curve: every membership test against an (ε, δ)-DP
 * training run has TPR ≤ min(e^ε·FPR + δ, 1 − e^(−ε)·(1 − δ − FPR)) (Kairouz, Oh & Viswanath,
 * arXiv:1311.0776, Theorem 2.1), and against a μ-GDP one TPR ≤ Φ(Φ⁻¹(FPR) + μ) (Dong, Roth & Su,
 * "Gaussian Differential Privacy", arXiv:1905.02383, Definition 2.6). Drawn on the attack's
 * log-log ROC, they show the gap between what DP-SGD promises and what attacks achieve.
 */
import { erfc } from './special';

export type RocPoint = readonly [fpr: number, tpr: number];

/** Φ(x), the standard normal distribution function, from erfc (exact in the tails). */
export function normalCdf(x: number): number {
  return erfc(-x / Math.SQRT2) / 2;
}

/** Φ⁻¹(p) by bisection on Φ: slow but exact to the last bit, and only a few hundred points are drawn. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must lie in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let low = -40;
  let high = 40;
  for (let i = 0; i < 200 && high - low > 0; i++) {
    const middle = (low + high) / 2;
    if (middle === low || middle === high) break;
    if (normalCdf(middle) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The largest TPR an (ε, δ)-DP test can reach at `fpr` (arXiv:1311.0776, Theorem 2.1). */
export function dpRegionTpr(fpr: number, epsilon: number, delta: number): number {
  if (!(fpr >= 0 && fpr <= 1)) throw new RangeError(`fpr must lie in [0, 1], got ${fpr}`);
  if (!(epsilon >= 0)) throw new RangeError(`epsilon must be >= 0, got ${epsilon}`);
  if (!(delta >= 0 && delta <= 1)) throw new RangeError(`delta must lie in [0, 1], got ${delta}`);
  // TPR ≤ e^ε·FPR + δ   and   1 − TPR ≥ e^(−ε)·(1 − δ − FPR)   (both hypotheses' errors bounded)
  return Math.min(1, Math.exp(epsilon) * fpr + delta, 1 - Math.exp(-epsilon) * (1 - delta - fpr));
}

/** The μ-GDP trade-off: the largest TPR at `fpr`, Φ(Φ⁻¹(FPR) + μ) (arXiv:1905.02383, Definition 2.6). */
export function gdpTpr(fpr: number, mu: number): number {
  if (!(fpr >= 0 && fpr <= 1)) throw new RangeError(`fpr must lie in [0, 1], got ${fpr}`);
  if (!(mu >= 0)) throw new RangeError(`mu must be >= 0, got ${mu}`);
  if (fpr === 0 || fpr === 1) return fpr;
  return normalCdf(normalQuantile(fpr) + mu);
}

/**
 * μ of DP-SGD with Poisson sampling rate q, noise multiplier σ and T steps by the central limit
 * theorem of Dong, Roth & Su (arXiv:1905.02383, Corollary 5.4; Bu et al., arXiv:1911.11607):
 * μ = q·√(T·(e^(1/σ²) − 1)). An asymptotic approximation (q√T fixed, T → ∞), not a certificate.
 */
export function dpSgdGdpMu(samplingRate: number, noiseMultiplier: number, steps: number): number {
  if (!(samplingRate > 0 && samplingRate <= 1)) throw new RangeError(`samplingRate must lie in (0, 1], got ${samplingRate}`);
  if (!(noiseMultiplier > 0)) throw new RangeError(`noiseMultiplier must be > 0, got ${noiseMultiplier}`);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`steps must be a whole number >= 1, got ${steps}`);
  return samplingRate * Math.sqrt(steps * Math.expm1(1 / noiseMultiplier ** 2));
}

/** `count` FPRs spaced evenly in log between `from` and 1, for a log-log chart. */
export function logSpacedFprs(from = 1e-5, count = 120): number[] {
  if (!(from > 0 && from < 1) || count < 2) throw new RangeError('logSpacedFprs: need 0 < from < 1 and at least 2 points');
  const step = -Math.log10(from) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? 1 : 10 ** (Math.log10(from) + i * step)));
}

export interface GuaranteeCurves {
  /** The (ε, δ) region's upper edge. */
  readonly region: readonly RocPoint[];
  /** The μ-GDP trade-off curve, where μ is known. */
  readonly gdp?: readonly RocPoint[];
}

/** The curves the ROC chart draws for a DP-SGD target, at the given FPRs. */
export function guaranteeCurves(guarantee: { epsilon: number; delta: number; mu?: number }, fprs: readonly number[] = logSpacedFprs()): GuaranteeCurves {
  return {
    region: fprs.map((fpr): RocPoint => [fpr, dpRegionTpr(fpr, guarantee.epsilon, guarantee.delta)]),
    ...(guarantee.mu !== undefined ? { gdp: fprs.map((fpr): RocPoint => [fpr, gdpTpr(fpr, guarantee.mu as number)]) } : {}),
  };
}
