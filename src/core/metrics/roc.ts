/**
 * ROC curves and the figures read off them, for any membership score.
 *
 * One convention throughout: a HIGHER score means MORE likely a member, and a threshold t
 * predicts "member" iff score >= t. Members are the positives, non-members the negatives.
 */

export interface RocCurve {
  /** False-positive rates (non-members called members), non-decreasing from 0 to 1. */
  readonly fpr: Float64Array;
  /** True-positive rates (members called members), non-decreasing from 0 to 1. */
  readonly tpr: Float64Array;
  /**
   * Point i is what "member iff score >= thresholds[i]" gives. Strictly descending, one per
   * distinct score after thresholds[0] = +Infinity (nobody called a member, the point (0, 0)).
   */
  readonly thresholds: Float64Array;
  /** How many members (P) and non-members (N) the curve was computed from. */
  readonly positives: number;
  readonly negatives: number;
}

/** How many members (TP) and non-members (FP) score at or above each distinct score. */
interface ThresholdSweep {
  readonly thresholds: Float64Array;
  readonly truePositives: Float64Array;
  readonly falsePositives: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/** The mask as 0/1, refusing anything but true/false/1/0 so a typo'd label is not read as a member. */
function readMemberMask(memberMask: ArrayLike<boolean | number>): Uint8Array {
  const isMember = new Uint8Array(memberMask.length);
  for (let i = 0; i < memberMask.length; i++) {
    const value = memberMask[i];
    if (value === true || value === 1) isMember[i] = 1;
    else if (value !== false && value !== 0) {
      throw new RangeError(`memberMask[${i}] is ${String(value)}; it must be true/false or 1/0`);
    }
  }
  return isMember;
}

/** Every score finite: NaN would make the sort order, and so every figure, meaningless. */
function checkScores(scores: ArrayLike<number>, count: number): void {
  if (scores.length !== count) {
    throw new RangeError(`scores has ${scores.length} entries but memberMask has ${count}; they must match`);
  }
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (Number.isNaN(score)) throw new RangeError(`scores[${i}] is NaN; every score must be a number`);
    if (!Number.isFinite(score)) throw new RangeError(`scores[${i}] is ${score}; every score must be finite`);
  }
}

function countMembers(isMember: Uint8Array): number {
  let members = 0;
  for (let i = 0; i < isMember.length; i++) members += isMember[i];
  return members;
}

/** Walk the scores from highest to lowest, one step per distinct score (ties move together). */
function sweepThresholds(scores: ArrayLike<number>, memberMask: ArrayLike<boolean | number>): ThresholdSweep {
  const isMember = readMemberMask(memberMask);
  checkScores(scores, isMember.length);
  const positives = countMembers(isMember);
  const negatives = isMember.length - positives;
  if (positives === 0) throw new RangeError('an ROC curve needs at least one member; memberMask has none');
  if (negatives === 0) throw new RangeError('an ROC curve needs at least one non-member; memberMask has none');

  // Members' and non-members' scores sorted apart (the typed arrays' own numeric sort, no
  // comparator), then walked down together: each distinct score takes every member and non-member
  // that has it, whichever array holds them.
  const members = new Float64Array(positives);
  const nonMembers = new Float64Array(negatives);
  for (let i = 0, m = 0, n = 0; i < isMember.length; i++) {
    if (isMember[i] === 1) members[m++] = scores[i];
    else nonMembers[n++] = scores[i];
  }
  members.sort();
  nonMembers.sort();
  const thresholds = new Float64Array(isMember.length + 1);
  const truePositives = new Float64Array(isMember.length + 1);
  const falsePositives = new Float64Array(isMember.length + 1);
  thresholds[0] = Infinity;
  let points = 1;
  let tp = 0;
  let fp = 0;
  // Scores are finite (checked above), so −Infinity stands for an array walked to its end.
  for (let m = positives - 1, n = negatives - 1; m >= 0 || n >= 0; ) {
    const score = Math.max(m >= 0 ? members[m] : -Infinity, n >= 0 ? nonMembers[n] : -Infinity);
    for (; m >= 0 && members[m] === score; m--) tp++;
    for (; n >= 0 && nonMembers[n] === score; n--) fp++;
    thresholds[points] = score;
    truePositives[points] = tp;
    falsePositives[points] = fp;
    points++;
  }
  return {
    thresholds: thresholds.slice(0, points),
    truePositives: truePositives.slice(0, points),
    falsePositives: falsePositives.slice(0, points),
    positives,
    negatives,
  };
}

/**
 * The ROC curve of `scores` against `memberMask`, from (0, 0) to (1, 1), one point per distinct
 * score. Throws a RangeError on mismatched lengths, a NaN or infinite score, an invalid mask
 * value, or a set without both members and non-members.
 */
export function computeRoc(scores: ArrayLike<number>, memberMask: ArrayLike<boolean | number>): RocCurve {
  const sweep = sweepThresholds(scores, memberMask);
  const fpr = sweep.falsePositives.map((fp) => fp / sweep.negatives);
  const tpr = sweep.truePositives.map((tp) => tp / sweep.positives);
  return { fpr, tpr, thresholds: sweep.thresholds, positives: sweep.positives, negatives: sweep.negatives };
}

/**
 * Area under the curve by the trapezoid rule. Because tied scores form one diagonal step, this is
 * exactly the Mann–Whitney probability that a random member outscores a random non-member, ties
 * counted half (Hanley & McNeil 1982, doi:10.1148/radiology.143.1.7063747).
 */
export function computeAuc(roc: RocCurve): number {
  let area = 0;
  for (let i = 1; i < roc.fpr.length; i++) {
    area += ((roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1])) / 2;
  }
  return area;
}

/**
 * TPR at a low FPR (Carlini et al., arXiv:2112.03570): the largest TPR among the curve's points
 * whose FPR is STRICTLY BELOW `maxFpr`, with no interpolation. This is the convention of LiRA's
 * released code (`tpr[np.where(fpr < .001)[0][-1]]`) and so of the papers' tables: with 1,000
 * non-members a 0.1 % budget allows no false positive at all, where "at most" would allow one.
 * (0, 0) always qualifies (maxFpr > 0), so the answer is 0 when no threshold reaches a member first.
 */
export function tprAtFpr(roc: RocCurve, maxFpr: number): number {
  if (!(maxFpr > 0 && maxFpr <= 1)) throw new RangeError(`maxFpr is ${maxFpr}; it must lie in (0, 1]`);
  return roc.tpr[lastPointBelowFpr(roc, maxFpr)];
}

/** The index of the curve's last point with FPR < maxFpr (TPR is non-decreasing, so its TPR is the largest). */
export function lastPointBelowFpr(roc: RocCurve, maxFpr: number): number {
  let last = 0;
  for (let i = 0; i < roc.fpr.length && roc.fpr[i] < maxFpr; i++) last = i;
  return last;
}

/** Correct calls at point i, as a whole number: (TP + TN). Rounding undoes the rates' division. */
function correctAt(roc: RocCurve, i: number): number {
  return Math.round(roc.tpr[i] * roc.positives) + Math.round((1 - roc.fpr[i]) * roc.negatives);
}

/** The oracle accuracy: max over thresholds of (TP + TN) / (P + N), the threshold picked on the answers. */
export function bestAccuracy(roc: RocCurve): number {
  let best = 0;
  for (let i = 0; i < roc.fpr.length; i++) best = Math.max(best, correctAt(roc, i));
  return best / (roc.positives + roc.negatives);
}

/** Membership advantage max(TPR − FPR) over thresholds (Yeom et al., arXiv:1709.01604); 0 at worst. */
export function computeAdvantage(roc: RocCurve): number {
  let best = 0;
  for (let i = 0; i < roc.fpr.length; i++) best = Math.max(best, roc.tpr[i] - roc.fpr[i]);
  return best;
}

/** The fraction of records classified right by "member iff score >= threshold". */
export function accuracyAtThreshold(
  scores: ArrayLike<number>,
  memberMask: ArrayLike<boolean | number>,
  threshold: number,
): number {
  if (Number.isNaN(threshold)) throw new RangeError('threshold is NaN; it must be a number');
  const isMember = readMemberMask(memberMask);
  checkScores(scores, isMember.length);
  if (isMember.length === 0) throw new RangeError('accuracy needs at least one record; scores is empty');
  let correct = 0;
  for (let i = 0; i < isMember.length; i++) {
    if ((scores[i] >= threshold ? 1 : 0) === isMember[i]) correct++;
  }
  return correct / isMember.length;
}

/**
 * The threshold that maximises accuracy on these (shadow) scores, to be applied to new ones.
 *
 * Among thresholds with the best accuracy, the highest wins (fewest records called members), so
 * the choice is deterministic. The value returned is the MIDPOINT between the chosen distinct
 * score and the next lower distinct score, not the score itself: new scores that fall in the gap
 * are then split evenly instead of all going to the non-member side. The two edge cases keep the
 * same rule: +Infinity when calling nobody a member is best, −Infinity when calling everybody is.
 */
export function chooseThreshold(scores: ArrayLike<number>, memberMask: ArrayLike<boolean | number>): number {
  const sweep = sweepThresholds(scores, memberMask);
  let best = 0;
  let bestCorrect = -1;
  for (let i = 0; i < sweep.thresholds.length; i++) {
    const correct = sweep.truePositives[i] + sweep.negatives - sweep.falsePositives[i];
    if (correct > bestCorrect) {
      best = i;
      bestCorrect = correct;
    }
  }
  if (best === 0) return Infinity;
  if (best === sweep.thresholds.length - 1) return -Infinity;
  const upper = sweep.thresholds[best];
  const lower = sweep.thresholds[best + 1];
  // Halved before adding so huge scores cannot overflow; between adjacent doubles the midpoint
  // may round down onto `lower`, which would let the lower group in, so fall back to `upper`.
  const midpoint = upper / 2 + lower / 2;
  return midpoint > lower ? midpoint : upper;
}
