/**
 * The special functions the privacy accountant and the audit need, in plain double precision:
 * log-space sums, log erfc, log Γ, and the regularized incomplete beta function with its inverse.
 *
 * Everything works in log space where a quantity can under- or overflow: the accountant sums
 * terms like exp(i²/(2σ²)) that overflow long before their logarithm does.
 */

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** log(exp(a) + exp(b)) without overflow; -Infinity is the log of zero. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(Math.min(a, b) - high));
}

/**
 * A running sum of signed terms, each given as sign · exp(logAbs). Series with alternating signs
 * (the generalized binomial series of a fractional Rényi order) need subtraction in log space;
 * keeping sign and magnitude apart makes the order of the terms irrelevant.
 */
export class SignedLogSum {
  private logAbs = -Infinity;
  private sign: 1 | -1 = 1;

  add(sign: 1 | -1, logAbsTerm: number): void {
    if (logAbsTerm === -Infinity) return;
    if (this.logAbs === -Infinity) {
      this.logAbs = logAbsTerm;
      this.sign = sign;
    } else if (sign === this.sign) {
      this.logAbs = logAddExp(this.logAbs, logAbsTerm);
    } else if (logAbsTerm > this.logAbs) {
      // The new term dominates: the sum takes its sign.
      this.logAbs = logAbsTerm + Math.log1p(-Math.exp(this.logAbs - logAbsTerm));
      this.sign = sign;
    } else {
      // log1p(-1) = -Infinity when the two cancel exactly, which is the log of zero.
      this.logAbs = this.logAbs + Math.log1p(-Math.exp(logAbsTerm - this.logAbs));
    }
  }

  /** The log of the sum, which must not be negative (NaN if it is: a numerical failure). */
  logValue(): number {
    if (this.logAbs === -Infinity) return -Infinity;
    return this.sign === 1 ? this.logAbs : NaN;
  }
}

/** erfc(x) = 1 − erf(x) for 0 ≤ x, by the all-positive series of erf (no cancellation inside erf). */
function erfcBySeries(x: number): number {
  // erf(x) = (2/√π) e^{−x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))   (Abramowitz & Stegun 7.1.6)
  const twoXSquared = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= twoXSquared / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/**
 * log of the continued-fraction factor K(x) in erfc(x) = e^{−x²} K(x) / √π, for x ≥ 3, where
 * K(x) = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))   (Abramowitz & Stegun 7.1.14).
 * Evaluated backwards from a fixed depth, which converges quickly this far from the origin.
 */
function logErfcContinuedFraction(x: number): number {
  let tail = x;
  for (let k = 120; k >= 1; k--) tail = x + k / 2 / tail;
  return -x * x - LOG_SQRT_PI - Math.log(tail);
}

/** log(erfc(x)) for every real x, finite far into the tail (erfc(40) ≈ 1e−697 underflows). */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return -Infinity;
  if (x < 0) {
    // erfc(−y) = 2 − erfc(y) ∈ (1, 2]: no precision is at stake.
    return x === -Infinity ? Math.LN2 : Math.log(2 - Math.exp(logErfc(-x)));
  }
  return x < 3 ? Math.log(erfcBySeries(x)) : logErfcContinuedFraction(x);
}

/** erfc(x), underflowing to 0 only where the true value does. */
export function erfc(x: number): number {
  return Math.exp(logErfc(x));
}

/**
 * log Γ(x) for x > 0: the Stirling series at x + shift ≥ 15, shifted back by the recurrence
 * Γ(x + 1) = x Γ(x). The truncation error of the series there is below 1e−15.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  if (x === Infinity) return Infinity;
  let shiftLog = 0;
  let z = x;
  while (z < 15) {
    shiftLog += Math.log(z);
    z += 1;
  }
  const inverse = 1 / z;
  const inverseSquared = inverse * inverse;
  // ln Γ(z) = (z − ½) ln z − z + ½ ln 2π + 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷)   (DLMF 5.11.1)
  const series = inverse * (1 / 12 - inverseSquared * (1 / 360 - inverseSquared * (1 / 1260 - inverseSquared / 1680)));
  return (z - 0.5) * Math.log(z) - z + HALF_LOG_TWO_PI + series - shiftLog;
}

/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * The continued fraction of I_x(a, b) (DLMF 8.17.22), by the modified Lentz method. Converges
 * fast for x < (a + 1)/(a + b + 2); the caller uses the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
 * otherwise.
 */
function incompleteBetaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let fraction = d;
  for (let m = 1; m <= 100_000; m++) {
    const twoM = 2 * m;
    // Even step: d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)).
    let coefficient = (m * (b - m) * x) / ((a + twoM - 1) * (a + twoM));
    d = 1 + coefficient * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    fraction *= d * c;
    // Odd step: d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
    coefficient = (-(a + m) * (a + b + m) * x) / ((a + twoM) * (a + twoM + 1));
    d = 1 + coefficient * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const change = d * c;
    fraction *= change;
    if (Math.abs(change - 1) < 1e-16) return fraction;
  }
  return fraction;
}

/** I_x(a, b), the regularized incomplete beta function: the CDF of Beta(a, b) at x. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`regularizedIncompleteBeta: a and b must be > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * incompleteBetaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * incompleteBetaContinuedFraction(1 - x, b, a)) / b;
}

/** The density of Beta(a, b) at x ∈ (0, 1): the derivative of I_x(a, b), used for Newton steps. */
function betaDensity(x: number, a: number, b: number): number {
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta(a, b));
}

/**
 * The x with I_x(a, b) = p: the p-quantile of Beta(a, b). Newton's method kept inside a shrinking
 * bracket (a step that leaves the bracket is replaced by bisection), so it always converges and
 * usually does so in a handful of steps.
 */
export function inverseRegularizedIncompleteBeta(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`inverseRegularizedIncompleteBeta: p must be in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  let low = 0;
  let high = 1;
  let x = a / (a + b);
  for (let iteration = 0; iteration < 300; iteration++) {
    const error = regularizedIncompleteBeta(x, a, b) - p;
    if (error === 0) return x;
    if (error < 0) low = x;
    else high = x;
    const density = betaDensity(x, a, b);
    let next = density > 0 && Number.isFinite(density) ? x - error / density : NaN;
    if (!(next > low && next < high)) next = 0.5 * (low + high);
    if (Math.abs(next - x) <= 1e-15 * Math.max(x, 1e-300) || next === low || next === high) return next;
    x = next;
  }
  return x;
}
