/**
 * The one-run privacy audit of Steinke, Nasr & Jagielski, "Privacy Auditing with One (1) Training
 * Run", arXiv:2305.08846. m canaries are each put into the training set by an independent fair
 * coin; after training, the auditor guesses IN for some canaries, OUT for others and abstains on
 * the rest. Under (ε, δ)-DP the guesses behave no better than ε-randomised response, so
 *   P[at least v of r guesses right] ≤ β + α·δ·2m   (their Theorem 5.2, as in their Algorithm's code),
 * with q = e^ε/(1 + e^ε), β = P[Binomial(r, q) ≥ v] and α = max_{1≤i≤v} P[v − i ≤ Binomial(r, q) < v]/i.
 * The lower bound on ε is the largest ε whose p-value is still below 1 − confidence.
 *
 * One trained model is enough, and the bound holds at the stated confidence over the coins alone:
 * no assumption that records are independent trials of anything but those coins.
 */
import { logGamma } from './special';

export interface OneRunAuditInput {
  /** Membership score of each canary (higher = more likely IN), e.g. minus the loss on its (wrong) label. */
  readonly scores: ArrayLike<number>;
  /** 1 where the canary's coin put it into the training set. */
  readonly included: ArrayLike<number>;
  /** k₊: guess IN for the k₊ highest scores. */
  readonly guessesIn: number;
  /** k₋: guess OUT for the k₋ lowest scores. */
  readonly guessesOut: number;
  /** δ of the guarantee being audited. */
  readonly delta: number;
  /** Confidence of the lower bound, e.g. 0.95. */
  readonly confidence: number;
}

export interface OneRunAuditResult {
  /** m: canaries. */
  readonly canaries: number;
  readonly guessesIn: number;
  readonly guessesOut: number;
  /** v: right guesses among the k₊ + k₋. */
  readonly correct: number;
  /** ε ≥ this with probability ≥ confidence over the canaries' coins (0: no evidence). */
  readonly epsilonLowerBound: number;
  readonly confidence: number;
  readonly delta: number;
}

function logBinomialPmf(k: number, n: number, logQ: number, log1mQ: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * logQ + (n - k) * log1mQ;
}

/**
 * The p-value of v or more right guesses out of r under (ε, δ)-DP with m canaries
 * (arXiv:2305.08846, Theorem 5.2): β + α·δ·2m, capped at 1.
 */
export function oneRunPValue(canaries: number, guesses: number, correct: number, epsilon: number, delta: number): number {
  const [m, r, v] = [canaries, guesses, correct];
  if (![m, r, v].every(Number.isInteger) || !(0 <= v && v <= r && r <= m)) {
    throw new RangeError(`need whole numbers 0 <= correct <= guesses <= canaries, got ${v}, ${r}, ${m}`);
  }
  if (!(epsilon >= 0)) throw new RangeError(`epsilon must be >= 0, got ${epsilon}`);
  if (!(delta >= 0 && delta <= 1)) throw new RangeError(`delta must be in [0, 1], got ${delta}`);
  // q = e^ε/(1 + e^ε): the accuracy of ε-DP randomised response, in logs.
  const logQ = -Math.log1p(Math.exp(-epsilon));
  const log1mQ = -epsilon + logQ;
  const pmf = (k: number) => Math.exp(logBinomialPmf(k, r, logQ, log1mQ));
  let beta = 0;
  for (let k = v; k <= r; k++) beta += pmf(k);
  let alpha = 0;
  let below = 0;
  for (let i = 1; i <= v; i++) {
    below += pmf(v - i); // P[v − i ≤ Binomial(r, q) < v]
    alpha = Math.max(alpha, below / i);
  }
  return Math.min(1, beta + alpha * delta * 2 * m);
}

/**
 * The largest ε whose p-value stays below 1 − confidence: a lower bound on ε at that confidence.
 * 0 when even ε = 0 is not rejected. Bisection to 1e−6 (the p-value grows with ε).
 */
export function oneRunEpsilonLowerBound(canaries: number, guesses: number, correct: number, delta: number, confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const level = 1 - confidence;
  const rejected = (epsilon: number) => oneRunPValue(canaries, guesses, correct, epsilon, delta) < level;
  if (!rejected(0)) return 0;
  let low = 0;
  let high = 1;
  while (rejected(high)) {
    low = high;
    high *= 2;
    if (high > 1e3) return low; // every guess right with huge r: ε beyond anything meaningful
  }
  while (high - low > 1e-6) {
    const middle = (low + high) / 2;
    if (rejected(middle)) low = middle;
    else high = middle;
  }
  return low;
}

/**
 * +1 (guess IN) for the k₊ highest scores, −1 (guess OUT) for the k₋ lowest, 0 (abstain) for the
 * rest. Ties are broken by index so the guesses are deterministic.
 */
export function guessCanaries(scores: ArrayLike<number>, guessesIn: number, guessesOut: number): Int8Array {
  const m = scores.length;
  if (!Number.isInteger(guessesIn) || !Number.isInteger(guessesOut) || guessesIn < 0 || guessesOut < 0 || guessesIn + guessesOut > m) {
    throw new RangeError(`guessesIn (${guessesIn}) and guessesOut (${guessesOut}) must be whole numbers adding up to at most the ${m} canaries`);
  }
  for (let i = 0; i < m; i++) if (!Number.isFinite(scores[i])) throw new RangeError(`scores[${i}] is ${scores[i]}; canary scores must be finite`);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const guesses = new Int8Array(m);
  for (let k = 0; k < guessesIn; k++) guesses[order[k]] = 1;
  for (let k = 0; k < guessesOut; k++) guesses[order[m - 1 - k]] = -1;
  return guesses;
}

/** Guess, count the right guesses, and bound ε (arXiv:2305.08846). */
export function runOneRunAudit(input: OneRunAuditInput): OneRunAuditResult {
  const { scores, included, guessesIn, guessesOut, delta, confidence } = input;
  if (included.length !== scores.length) throw new RangeError(`included has ${included.length} entries but scores has ${scores.length}`);
  const guesses = guessCanaries(scores, guessesIn, guessesOut);
  let correct = 0;
  for (let i = 0; i < guesses.length; i++) {
    if ((guesses[i] === 1 && included[i] === 1) || (guesses[i] === -1 && included[i] !== 1)) correct++;
  }
  return {
    canaries: scores.length,
    guessesIn,
    guessesOut,
    correct,
    epsilonLowerBound: oneRunEpsilonLowerBound(scores.length, guessesIn + guessesOut, correct, delta, confidence),
    confidence,
    delta,
  };
}
