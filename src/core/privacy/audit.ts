/**
 * Auditing DP empirically: a membership attack that tells members from non-members too well is
 * itself a proof that ε is at least so large. (ε, δ)-DP forces every test to satisfy
 *   TPR ≤ e^ε · FPR + δ   and   TNR ≤ e^ε · FNR + δ,
 * so an observed (TPR, FPR) pair gives ε ≥ max(log((TPR − δ)/FPR), log((1 − FPR − δ)/(1 − TPR))).
 * Jagielski, Ullman & Oprea, "Auditing Differentially Private Machine Learning", arXiv:2006.07709;
 * Nasr, Song, Thakurta, Papernot & Carlini, "Adversary Instantiation", arXiv:2101.04535.
 *
 * Rates measured on finite samples are noisy, so the bound uses the pessimistic ends of exact
 * Clopper–Pearson intervals: the lower end for TPR and the upper end for FPR (then 1 − TPR_lower
 * bounds FNR from above and 1 − FPR_upper bounds TNR from below). With confidence c each end
 * holds with probability ≥ 1 − (1 − c)/2, so both hold together with probability ≥ c.
 *
 * Convention, as in metrics/roc.ts: a HIGHER score means MORE likely a member, and threshold t
 * predicts "member" iff score ≥ t.
 *
 * Caveat: taking the best of many thresholds on the same scores is optimistic (a multiple-
 * comparisons effect: in simulations with true ε = 0 the maximised bound came out positive in
 * 8–12 % of runs at "95 %"); the audits above pick the threshold on separate data. The pipeline
 * therefore uses heuristicEpsilon with the decisions the attack already made at the threshold it
 * got from shadow or reference calibration, which never sees the target's membership.
 *
 * Even so, this is a HEURISTIC for one trained model: Clopper–Pearson treats records as
 * independent trials, but they all come from one training run, so the interval ignores the
 * randomness of training. A bound that holds over one run is the one-run audit (one-run-audit.ts).
 */
import { clopperPearsonLower, clopperPearsonUpper } from './clopper-pearson';

export interface AuditInput {
  /** Attack scores of records that were in the training set. */
  readonly memberScores: ArrayLike<number>;
  /** Attack scores of records that were not. */
  readonly nonMemberScores: ArrayLike<number>;
  /** The δ of the guarantee being audited, in [0, 1). */
  readonly delta: number;
  /** Confidence of the Clopper–Pearson intervals, in (0, 1); default 0.95. */
  readonly confidence?: number;
  /** Evaluate only this threshold (chosen on independent data) instead of the best of all. */
  readonly threshold?: number;
}

export interface EmpiricalEpsilon {
  /** The lower bound on ε, ≥ 0 (0 when no threshold gives evidence). */
  readonly epsilon: number;
  /**
   * The threshold whose bound was largest. When epsilon is 0 no threshold gave evidence and this
   * is merely the least bad one (+Infinity, "nobody is a member", if all were -Infinity).
   */
  readonly threshold: number;
  /** Clopper–Pearson lower bound on the TPR at that threshold. */
  readonly tprLower: number;
  /** Clopper–Pearson upper bound on the FPR at that threshold. */
  readonly fprUpper: number;
  /** Members and non-members at or above the threshold. */
  readonly truePositives: number;
  readonly falsePositives: number;
}

function sortedDescending(scores: ArrayLike<number>, name: string): Float64Array {
  if (scores.length === 0) throw new RangeError(`${name} must not be empty`);
  const sorted = Float64Array.from(scores);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) throw new RangeError(`${name}[${i}] is ${sorted[i]}; scores must be finite`);
  }
  return sorted.sort().reverse();
}

/** The ε lower bound from one (TPR lower, FPR upper) pair, unclamped (may be negative or -Infinity). */
function epsilonFromRates(tprLower: number, fprUpper: number, delta: number): number {
  // ε ≥ log((TPR − δ)/FPR)   (arXiv:2006.07709, Section 3; arXiv:2101.04535, Section 3)
  const fromPositives = tprLower > delta ? Math.log((tprLower - delta) / fprUpper) : -Infinity;
  // ε ≥ log((TNR − δ)/FNR) with TNR ≥ 1 − FPR_upper and FNR ≤ 1 − TPR_lower   (same references)
  const trueNegativeLower = 1 - fprUpper;
  const fromNegatives = trueNegativeLower > delta ? Math.log((trueNegativeLower - delta) / (1 - tprLower)) : -Infinity;
  return Math.max(fromPositives, fromNegatives);
}

/** A cache of one-sided Clopper–Pearson bounds by success count: many thresholds share counts. */
function boundCache(trials: number, bound: (successes: number) => number): (successes: number) => number {
  const cache = new Float64Array(trials + 1).fill(NaN);
  return (successes) => {
    if (Number.isNaN(cache[successes])) cache[successes] = bound(successes);
    return cache[successes];
  };
}

/** The empirical lower bound on ε from an attack's scores, maximised over thresholds. */
export function empiricalEpsilon(input: AuditInput): EmpiricalEpsilon {
  const members = sortedDescending(input.memberScores, 'memberScores');
  const nonMembers = sortedDescending(input.nonMemberScores, 'nonMemberScores');
  const { delta } = input;
  const confidence = input.confidence ?? 0.95;
  if (!(delta >= 0 && delta < 1)) throw new RangeError(`delta must be in [0, 1), got ${delta}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (input.threshold !== undefined && Number.isNaN(input.threshold)) throw new RangeError('threshold must be a number, got NaN');

  const tprLowerOf = boundCache(members.length, (k) => clopperPearsonLower(k, members.length, confidence));
  const fprUpperOf = boundCache(nonMembers.length, (k) => clopperPearsonUpper(k, nonMembers.length, confidence));
  const evaluate = (threshold: number, truePositives: number, falsePositives: number) => {
    const tprLower = tprLowerOf(truePositives);
    const fprUpper = fprUpperOf(falsePositives);
    return { epsilon: epsilonFromRates(tprLower, fprUpper, delta), threshold, tprLower, fprUpper, truePositives, falsePositives };
  };

  if (input.threshold !== undefined) {
    const t = input.threshold;
    const result = evaluate(t, countAtOrAbove(members, t), countAtOrAbove(nonMembers, t));
    return { ...result, epsilon: Math.max(0, result.epsilon) };
  }

  // Sweep every distinct score from the top: "member iff score ≥ s" covers every possible split.
  let best = evaluate(Infinity, 0, 0);
  let m = 0;
  let n = 0;
  while (m < members.length || n < nonMembers.length) {
    const threshold = Math.max(m < members.length ? members[m] : -Infinity, n < nonMembers.length ? nonMembers[n] : -Infinity);
    while (m < members.length && members[m] >= threshold) m++;
    while (n < nonMembers.length && nonMembers[n] >= threshold) n++;
    const candidate = evaluate(threshold, m, n);
    if (candidate.epsilon > best.epsilon) best = candidate;
  }
  return { ...best, epsilon: Math.max(0, best.epsilon) };
}

/** How many of the descending scores are ≥ t. */
function countAtOrAbove(descending: Float64Array, t: number): number {
  let count = 0;
  while (count < descending.length && descending[count] >= t) count++;
  return count;
}

/** What the heuristic bound is, in one sentence for results.json, the CLI and the app. */
export const HEURISTIC_EPSILON_NOTE =
  'heuristic for one trained model: ε ≥ log((TPR − δ)/FPR) at the threshold the attack chose without the target\'s membership, ' +
  'with 95 % Clopper–Pearson ends that treat the records as independent trials (they come from one training run); ' +
  'not a certified audit — the one-run audit is';

export interface CalledCounts {
  /** Members the attack called members, out of `members`. */
  readonly truePositives: number;
  readonly members: number;
  /** Non-members the attack called members, out of `nonMembers`. */
  readonly falsePositives: number;
  readonly nonMembers: number;
}

/**
 * The heuristic ε lower bound at ONE decision rule fixed before looking at the target's membership
 * (the attack's calibrated threshold, per class or global): no maximisation, so no
 * multiple-comparisons inflation. See the file comment for why it is still only a heuristic.
 */
export function heuristicEpsilon(counts: CalledCounts, delta: number, confidence = 0.95): EmpiricalEpsilon {
  const { truePositives, members, falsePositives, nonMembers } = counts;
  if (!(delta >= 0 && delta < 1)) throw new RangeError(`delta must be in [0, 1), got ${delta}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const tprLower = clopperPearsonLower(truePositives, members, confidence);
  const fprUpper = clopperPearsonUpper(falsePositives, nonMembers, confidence);
  return { epsilon: Math.max(0, epsilonFromRates(tprLower, fprUpper, delta)), threshold: NaN, tprLower, fprUpper, truePositives, falsePositives };
}
