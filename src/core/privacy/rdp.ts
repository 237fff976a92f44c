/**
 * Rényi differential privacy (RDP) of the sampled Gaussian mechanism: each record joins a step
 * independently with probability q (Poisson sampling), the summed gradients get Gaussian noise of
 * standard deviation σ times the clipping norm. This is the accountant behind DP-SGD.
 *
 * Mironov, Talwar & Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
 * arXiv:1908.10530. For each order α > 1 the mechanism is (α, log(A_α)/(α − 1))-RDP, where A_α is
 * computed exactly at integer orders (Section 3.3) and by a convergent two-sided series at
 * fractional ones (Section 3.4). RDP composes by addition over steps (Mironov, arXiv:1702.07476,
 * Proposition 1).
 */
import { SignedLogSum, logAddExp, logErfc } from './special';

/**
 * A rich default grid: fine steps where small budgets are optimal, integers to 63, then sparse
 * large orders for the loose regime (few steps, small σ) where the optimum sits high.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10), // 1.1, 1.2, …, 10.9
  ...Array.from({ length: 53 }, (_, i) => 11 + i), // 11, 12, …, 63
  80, 96, 128, 192, 256, 384, 512, 1024,
]);

/** The grid of TF Privacy's `compute_dp_sgd_privacy` (v0.8+), for reproducing its published figures. */
export const TF_PRIVACY_ORDERS: readonly number[] = Object.freeze([
  1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5,
  ...Array.from({ length: 59 }, (_, i) => 5 + i), // 5, 6, …, 63
  128, 256, 512,
]);

/** The grid of TF Privacy's MNIST tutorial and its 2019 README (1.1 … 10.9 by 0.1, then 12 … 63). */
export const TF_TUTORIAL_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
]);

/** Terms below e^{−30} relative to 1 no longer move a log-sum (A_α ≥ 1). */
const NEGLIGIBLE_LOG_TERM = -30;
/** A hard stop for the fractional-order series; it is reached only for σ far below any DP use. */
const MAX_SERIES_TERMS = 2_000_000;

/** log A_α at an integer order: A_α = Σ_{i=0}^{α} C(α,i) (1−q)^{α−i} q^i exp((i² − i)/(2σ²)). */
function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  // arXiv:1908.10530, Section 3.3 (all terms positive, so a plain log-sum-exp).
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logBinomial = 0; // log C(α, 0)
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinomial += Math.log(alpha - i + 1) - Math.log(i);
    const logTerm = logBinomial + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * sigma * sigma);
    logA = logAddExp(logA, logTerm);
  }
  return logA;
}

/**
 * log A_α at a fractional order, as the sum of two series over i ≥ 0 with generalized binomial
 * coefficients C(α, i), each term weighted by a Gaussian tail split at z₀ = σ² log(1/q − 1) + ½.
 */
function logAFractionalOrder(q: number, sigma: number, alpha: number): number {
  // arXiv:1908.10530, Section 3.4: A_α = Σ_i C(α,i) [ q^i (1−q)^{α−i} e^{(i²−i)/(2σ²)} ½erfc((i − z₀)/(√2σ))
  //                                              + q^{α−i} (1−q)^i e^{((α−i)²−(α−i))/(2σ²)} ½erfc((z₀ − (α−i))/(√2σ)) ].
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const twoSigmaSquared = 2 * sigma * sigma;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const sum = new SignedLogSum();
  let logAbsBinomial = 0; // log |C(α, 0)|
  let sign: 1 | -1 = 1;
  for (let i = 0; i < MAX_SERIES_TERMS; i++) {
    if (i > 0) {
      // C(α, i) = C(α, i − 1) · (α − i + 1)/i: the sign flips each time α − i + 1 is negative.
      const factor = alpha - i + 1;
      logAbsBinomial += Math.log(Math.abs(factor)) - Math.log(i);
      if (factor < 0) sign = sign === 1 ? -1 : 1;
    }
    const j = alpha - i;
    const logTerm0 =
      logAbsBinomial + i * logQ + j * log1mQ + (i * i - i) / twoSigmaSquared + Math.log(0.5) + logErfc((i - z0) / sqrt2Sigma);
    const logTerm1 =
      logAbsBinomial + j * logQ + i * log1mQ + (j * j - j) / twoSigmaSquared + Math.log(0.5) + logErfc((z0 - j) / sqrt2Sigma);
    sum.add(sign, logTerm0);
    sum.add(sign, logTerm1);
    // Past the order the terms only shrink; stop once both are negligible.
    if (i > alpha && Math.max(logTerm0, logTerm1) < NEGLIGIBLE_LOG_TERM) break;
  }
  return sum.logValue();
}

/** RDP ε(α) of ONE step of the sampled Gaussian mechanism. */
export function rdpOfSampledGaussian(q: number, sigma: number, alpha: number): number {
  checkOrder(alpha);
  if (q === 0) return 0; // Nobody's data is ever used.
  if (sigma === 0) return Infinity; // No noise: no privacy.
  // Without subsampling it is the Gaussian mechanism: ε(α) = α/(2σ²)   (Mironov, arXiv:1702.07476, Proposition 7).
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (alpha === Infinity) return Infinity;
  const logA = Number.isInteger(alpha) ? logAIntegerOrder(q, sigma, alpha) : logAFractionalOrder(q, sigma, alpha);
  if (Number.isNaN(logA)) throw new Error(`RDP series failed to converge at q=${q}, σ=${sigma}, α=${alpha}`);
  // ε(α) = log(A_α)/(α − 1)   (arXiv:1908.10530, Definition 3 and Theorem 4); A_α ≥ 1 in exact arithmetic.
  return Math.max(0, logA / (alpha - 1));
}

export interface SampledGaussianSteps {
  /** Probability that a record joins a step, in [0, 1]. */
  readonly samplingRate: number;
  /** Noise standard deviation over the clipping norm, ≥ 0. */
  readonly noiseMultiplier: number;
  /** How many steps are composed, ≥ 0 (need not be an integer for "what if" curves). */
  readonly steps: number;
}

/**
 * RDP of `steps` compositions of the sampled Gaussian mechanism at each order: steps · ε₁(α),
 * by the additive composition of RDP (Mironov, arXiv:1702.07476, Proposition 1).
 */
export function computeRdp(mechanism: SampledGaussianSteps, orders: readonly number[] = DEFAULT_RDP_ORDERS): Float64Array {
  const { samplingRate, noiseMultiplier, steps } = mechanism;
  if (!(samplingRate >= 0 && samplingRate <= 1)) throw new RangeError(`samplingRate must be in [0, 1], got ${samplingRate}`);
  if (!(noiseMultiplier >= 0)) throw new RangeError(`noiseMultiplier must be >= 0, got ${noiseMultiplier}`);
  if (!(steps >= 0) || !Number.isFinite(steps)) throw new RangeError(`steps must be a finite number >= 0, got ${steps}`);
  if (orders.length === 0) throw new RangeError('orders must not be empty');
  const rdp = new Float64Array(orders.length);
  for (let k = 0; k < orders.length; k++) {
    // 0 · Infinity would be NaN; zero steps cost nothing whatever the mechanism.
    rdp[k] = steps === 0 ? 0 : steps * rdpOfSampledGaussian(samplingRate, noiseMultiplier, orders[k]);
  }
  return rdp;
}

function checkOrder(alpha: number): void {
  if (!(alpha > 1)) throw new RangeError(`RDP orders must be > 1, got ${alpha}`);
}
