import { describe, it, expect } from 'vitest';
import {
  accuracyAtThreshold,
  bestAccuracy,
  chooseThreshold,
  computeAdvantage,
  computeAuc,
  computeRoc,
  tprAtFpr,
} from '../../src/core/metrics/roc';
import { createRng, permutation } from '../../src/core/random';

/** Members' scores then non-members', with the matching 0/1 mask. */
function labelled(members: number[], nonMembers: number[]) {
  return {
    scores: [...members, ...nonMembers],
    memberMask: [...members.map(() => 1), ...nonMembers.map(() => 0)],
  };
}

// Eight records used by several tests below. Sorted by score, descending:
//   0.95 m, 0.90 m, 0.80 n, 0.60 m, 0.50 n, 0.30 m, 0.20 n, 0.10 n      (P = N = 4)
// ROC points (fpr, tpr) after each threshold:
//   +Inf (0, 0)   .95 (0, .25)  .90 (0, .5)   .80 (.25, .5)  .60 (.25, .75)
//   .50 (.5, .75) .30 (.5, 1)   .20 (.75, 1)  .10 (1, 1)
const EIGHT = labelled([0.95, 0.9, 0.6, 0.3], [0.8, 0.5, 0.2, 0.1]);

describe('computeRoc', () => {
  it('gives one point per distinct score, thresholds descending from +Infinity', () => {
    // Descending: 0.8 m, 0.4 n, 0.35 m, 0.1 n → (0,0) (0,.5) (.5,.5) (.5,1) (1,1).
    const roc = computeRoc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(roc.positives).toBe(2);
    expect(roc.negatives).toBe(2);
  });

  it('groups tied scores into one diagonal step', () => {
    // Members [0.9, 0.5], non-members [0.5, 0.2]: the two 0.5s move together, (0,.5) → (.5,1).
    const { scores, memberMask } = labelled([0.9, 0.5], [0.5, 0.2]);
    const roc = computeRoc(scores, memberMask);
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 0.9, 0.5, 0.2]);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 0.5, 1, 1]);
  });

  it('accepts boolean masks and treats 0 and −0 as one score', () => {
    // 1 (member), then 0 and −0 together (one member, one non-member): (0,0) (0,.5) (1,1).
    const roc = computeRoc([0, -0, 1], [true, false, true]);
    expect(roc.thresholds.length).toBe(3);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 0.5, 1]);
  });

  it('refuses mismatched lengths, one-class sets, bad masks and NaN or infinite scores', () => {
    expect(() => computeRoc([0.1, 0.2], [1])).toThrow(RangeError);
    expect(() => computeRoc([0.1, 0.2], [1, 1])).toThrow(/at least one non-member/);
    expect(() => computeRoc([0.1, 0.2], [0, 0])).toThrow(/at least one member/);
    expect(() => computeRoc([], [])).toThrow(RangeError);
    expect(() => computeRoc([0.1, NaN], [1, 0])).toThrow(/scores\[1\] is NaN/);
    expect(() => computeRoc([0.1, Infinity], [1, 0])).toThrow(/finite/);
    expect(() => computeRoc([0.1, 0.2], [1, 2])).toThrow(/memberMask\[1\] is 2/);
  });
});

describe('computeAuc', () => {
  it('is 0.75 on the four-record example', () => {
    // Trapezoids: (0→0)·… = 0, (0→.5)·.5 = .25, (.5→1)·1 = .5 → 0.75.
    // Pairwise: 0.8 beats 0.4 and 0.1; 0.35 beats 0.1 only → 3 of 4 pairs.
    expect(computeAuc(computeRoc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]))).toBeCloseTo(0.75, 15);
  });

  it('gives ties half credit', () => {
    // Pairs (member, non-member): (.9,.5)=1 (.9,.2)=1 (.5,.5)=½ (.5,.2)=1 → 3.5/4 = 0.875.
    const { scores, memberMask } = labelled([0.9, 0.5], [0.5, 0.2]);
    expect(computeAuc(computeRoc(scores, memberMask))).toBeCloseTo(0.875, 15);
  });

  it('is 0.5 when every score is tied, 1 when separable, 0 when inverted', () => {
    expect(computeAuc(computeRoc([3, 3, 3, 3], [1, 0, 1, 0]))).toBe(0.5);
    expect(computeAuc(computeRoc([2, 1], [1, 0]))).toBe(1);
    expect(computeAuc(computeRoc([1, 2], [1, 0]))).toBe(0);
  });

  it('matches TensorFlow Privacy’s six-loss fixture (AUC 0.83)', () => {
    // Losses: members [.1 .2 1.3 .4 .5 .6], non-members [1.1 1.2 1.3 .4 1.5 1.6]; score = −loss.
    // Non-members with higher loss, per member: .1 → 6, .2 → 6, .4 → 5 + ½ (tie at .4),
    // .5 → 5, .6 → 5, 1.3 → 2 + ½ (tie at 1.3). Total 30 of 36 pairs = 0.8333…
    const members = [0.1, 0.2, 1.3, 0.4, 0.5, 0.6].map((loss) => -loss);
    const nonMembers = [1.1, 1.2, 1.3, 0.4, 1.5, 1.6].map((loss) => -loss);
    const { scores, memberMask } = labelled(members, nonMembers);
    expect(computeAuc(computeRoc(scores, memberMask))).toBeCloseTo(30 / 36, 12);
  });

  it('equals the Mann–Whitney pair count on random tied scores', () => {
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed, 'auc-property');
      const scores = Array.from({ length: 300 }, () => rng.nextInt(20)); // many ties
      const memberMask = Array.from({ length: 300 }, () => (rng.next() < 0.4 ? 1 : 0));
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < 300; i++) {
        if (memberMask[i] !== 1) continue;
        for (let j = 0; j < 300; j++) {
          if (memberMask[j] !== 0) continue;
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
      expect(computeAuc(computeRoc(scores, memberMask))).toBeCloseTo(wins / pairs, 12);
    }
  });

  it('is 0.8125 on the eight-record example', () => {
    // Members beat: .95 → 4, .90 → 4, .60 → 3, .30 → 2 non-members: 13/16.
    expect(computeAuc(computeRoc(EIGHT.scores, EIGHT.memberMask))).toBeCloseTo(13 / 16, 15);
  });
});

describe('tprAtFpr', () => {
  const roc = computeRoc(EIGHT.scores, EIGHT.memberMask);

  it('takes the largest TPR among points with FPR strictly below the budget', () => {
    expect(tprAtFpr(roc, 0.1)).toBe(0.5); // (0, .5) at threshold .90
    expect(tprAtFpr(roc, 0.49)).toBe(0.75);
    expect(tprAtFpr(roc, 1)).toBe(1); // (.5, 1) at threshold .30; (1, 1) itself is not below 1
  });

  it('leaves out a point whose FPR equals the budget exactly (<, as LiRA\'s code)', () => {
    // (.25, .75) at threshold .60 sits on a 25% budget: a strict "<" leaves it out, "≤" would give 0.75.
    expect(tprAtFpr(roc, 0.25)).toBe(0.5);
    expect(tprAtFpr(roc, 0.2500001)).toBe(0.75);
    expect(tprAtFpr(roc, 0.5)).toBe(0.75);
  });

  it('with 1,000 non-members allows no false positive at 0.1 % FPR', () => {
    // 5 members above every non-member, then 1 non-member, then 10 more members: "<" reads 5/20,
    // "≤" would have allowed the one false positive and read 15/20.
    const members = [...Array.from({ length: 5 }, (_, i) => 10 + i), ...Array.from({ length: 10 }, (_, i) => 5 + i / 100), ...Array.from({ length: 5 }, () => -1)];
    const nonMembers = [9, ...Array.from({ length: 999 }, (_, i) => i / 1000)];
    const big = labelled(members, nonMembers);
    expect(tprAtFpr(computeRoc(big.scores, big.memberMask), 0.001)).toBe(5 / 20);
  });

  it('is 0 when only (0, 0) qualifies', () => {
    // The top score is a non-member: (0,0) → (.5, 0) → (.5, 1) → (1, 1).
    const lowRoc = computeRoc([0.9, 0.5, 0.1], [0, 1, 0]);
    expect(tprAtFpr(lowRoc, 0.001)).toBe(0);
    expect(tprAtFpr(lowRoc, 0.5)).toBe(0);
    expect(tprAtFpr(lowRoc, 0.51)).toBe(1);
  });

  it('refuses a budget outside [0, 1]', () => {
    expect(() => tprAtFpr(roc, -0.1)).toThrow(RangeError);
    expect(() => tprAtFpr(roc, 0)).toThrow(RangeError);
    expect(() => tprAtFpr(roc, NaN)).toThrow(RangeError);
  });
});

describe('bestAccuracy and computeAdvantage', () => {
  it('read the eight-record example', () => {
    // (TP + TN)/8 along the points: 4 5 6 5 6 5 6 5 4 → best 6/8.
    // TPR − FPR along the points: 0 .25 .5 .25 .5 .25 .5 .25 0 → best 0.5.
    const roc = computeRoc(EIGHT.scores, EIGHT.memberMask);
    expect(bestAccuracy(roc)).toBe(0.75);
    expect(computeAdvantage(roc)).toBe(0.5);
  });

  it('count unbalanced sets by records, not by rates', () => {
    // One member at 0.9, three non-members at 0.1: "member iff ≥ 0.9" gets all 4 right.
    // With members [0.1], non-members [0.9, 0.8, 0.7]: best is calling nobody a member, 3/4.
    expect(bestAccuracy(computeRoc([0.9, 0.1, 0.1, 0.1], [1, 0, 0, 0]))).toBe(1);
    const inverted = computeRoc([0.1, 0.9, 0.8, 0.7], [1, 0, 0, 0]);
    expect(bestAccuracy(inverted)).toBe(0.75);
    expect(computeAdvantage(inverted)).toBe(0); // only (0,0) and (1,1) reach TPR = FPR
  });
});

describe('accuracyAtThreshold', () => {
  it('calls a record a member iff its score is at least the threshold', () => {
    // At 0.6: members .95 .9 .6 right, .3 wrong; non-members .8 wrong, .5 .2 .1 right → 6/8.
    expect(accuracyAtThreshold(EIGHT.scores, EIGHT.memberMask, 0.6)).toBe(0.75);
    // At +Infinity nobody is a member: the 4 non-members are right.
    expect(accuracyAtThreshold(EIGHT.scores, EIGHT.memberMask, Infinity)).toBe(0.5);
  });

  it('refuses NaN thresholds, empty sets and mismatched lengths', () => {
    expect(() => accuracyAtThreshold([0.1], [1], NaN)).toThrow(RangeError);
    expect(() => accuracyAtThreshold([], [], 0.5)).toThrow(RangeError);
    expect(() => accuracyAtThreshold([0.1, 0.2], [1], 0.5)).toThrow(RangeError);
  });
});

describe('chooseThreshold', () => {
  it('picks the highest best-accuracy score and returns the midpoint to the next lower score', () => {
    // Accuracy 6/8 at .90, .60 and .30; the highest, .90, wins; the next lower score is .80.
    const threshold = chooseThreshold(EIGHT.scores, EIGHT.memberMask);
    expect(threshold).toBeCloseTo(0.85, 15);
    expect(accuracyAtThreshold(EIGHT.scores, EIGHT.memberMask, threshold)).toBe(0.75);
  });

  it('generalises to new scores that fall in the gap', () => {
    // Shadow: members [.9 .8], non-members [.2 .1] → cut between .8 and .2, at 0.5.
    const shadow = labelled([0.9, 0.8], [0.2, 0.1]);
    const threshold = chooseThreshold(shadow.scores, shadow.memberMask);
    expect(threshold).toBeCloseTo(0.5, 15);
    // Target scores sit inside the shadow's gap; 0.5 still separates them, 0.8 would not.
    const target = labelled([0.7, 0.6], [0.4, 0.3]);
    expect(accuracyAtThreshold(target.scores, target.memberMask, threshold)).toBe(1);
    expect(accuracyAtThreshold(target.scores, target.memberMask, 0.8)).toBe(0.5);
  });

  it('returns +Infinity when calling nobody a member is best, −Infinity when calling everybody is', () => {
    // Members [.1], non-members [.9 .8]: nobody-a-member gets 2/3, better than any cut.
    expect(chooseThreshold([0.1, 0.9, 0.8], [1, 0, 0])).toBe(Infinity);
    // Members [.9 .8], non-members [.95]: everybody-a-member gets 2/3, better than any cut.
    expect(chooseThreshold([0.9, 0.8, 0.95], [1, 1, 0])).toBe(-Infinity);
  });

  it('stays strictly above the lower score even between adjacent doubles', () => {
    const lower = 1;
    const upper = 1 + Number.EPSILON; // the next double after 1: no double lies between
    const threshold = chooseThreshold([upper, lower], [1, 0]);
    expect(threshold).toBeGreaterThan(lower);
    expect(accuracyAtThreshold([upper, lower], [1, 0], threshold)).toBe(1);
  });

  it('is deterministic and validates like computeRoc', () => {
    expect(chooseThreshold(EIGHT.scores, EIGHT.memberMask)).toBe(chooseThreshold(EIGHT.scores, EIGHT.memberMask));
    expect(() => chooseThreshold([0.1, NaN], [1, 0])).toThrow(/NaN/);
    expect(() => chooseThreshold([0.1], [1])).toThrow(/non-member/);
  });
});

// Seven records with ties across the classes, P = 3, N = 4. Sorted by score, descending:
//   0.9 m | 0.5 m, 0.5 m, 0.5 n | 0.2 n | 0.1 n, 0.1 n
// ROC points (fpr, tpr): +Inf (0, 0)  .9 (0, 1/3)  .5 (1/4, 1)  .2 (1/2, 1)  .1 (1, 1)
const TIED = labelled([0.9, 0.5, 0.5], [0.5, 0.2, 0.1, 0.1]);

describe('every figure on a fixture with ties across members and non-members', () => {
  const roc = computeRoc(TIED.scores, TIED.memberMask);

  it('moves each tied group as one step', () => {
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 0.9, 0.5, 0.2, 0.1]);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 0.25, 0.5, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 1 / 3, 1, 1, 1]);
  });

  it('has AUC 11/12', () => {
    // Pairs: .9 beats all 4 non-members; each .5 member ties the .5 (½) and beats .2, .1, .1 → 3.5.
    // (4 + 3.5 + 3.5)/12 = 11/12. Trapezoids: ¼·(⅓ + 1)/2 + ¼·2/2 + ½·2/2 = 1/6 + ¼ + ½.
    expect(computeAuc(roc)).toBeCloseTo(11 / 12, 15);
  });

  it('reads TPR at FPR off the points without interpolating inside a tied group', () => {
    // A 10% budget cannot take part of the .5 group: only (0, ⅓) qualifies, not a point on the diagonal.
    expect(tprAtFpr(roc, 0.1)).toBe(1 / 3);
    expect(tprAtFpr(roc, 0.2499)).toBe(1 / 3);
    expect(tprAtFpr(roc, 0.25)).toBe(1 / 3);
    expect(tprAtFpr(roc, 0.26)).toBe(1);
    expect(tprAtFpr(roc, 0.001)).toBe(1 / 3);
  });

  it('has best accuracy 6/7 and advantage 3/4', () => {
    // TP + TN along the points: 0+4, 1+4, 3+3, 3+2, 3+0 → 6 of 7.
    // TPR − FPR: 0, ⅓, ¾, ½, 0 → ¾.
    expect(bestAccuracy(roc)).toBe(6 / 7);
    expect(computeAdvantage(roc)).toBe(0.75);
  });

  it('chooses a threshold below the whole tied group, midway to the next score', () => {
    const threshold = chooseThreshold(TIED.scores, TIED.memberMask);
    expect(threshold).toBeCloseTo(0.35, 15); // between .5 and .2
    expect(accuracyAtThreshold(TIED.scores, TIED.memberMask, threshold)).toBe(6 / 7);
    // At the tied score itself the whole group is in: the same accuracy; just above it, none of it.
    expect(accuracyAtThreshold(TIED.scores, TIED.memberMask, 0.5)).toBe(6 / 7);
    expect(accuracyAtThreshold(TIED.scores, TIED.memberMask, 0.5000001)).toBe(5 / 7);
  });
});

describe('properties on random tied scores', () => {
  function randomSet(seed: number) {
    const rng = createRng(seed, 'roc-properties');
    const count = 20 + rng.nextInt(200);
    const scores = Array.from({ length: count }, () => rng.nextInt(15) / 4 - 1); // many ties
    const memberMask = Array.from({ length: count }, (_, i) => (i === 0 ? 1 : i === 1 ? 0 : rng.next() < 0.3 ? 1 : 0));
    return { scores, memberMask, rng };
  }

  it('bestAccuracy is the best accuracyAtThreshold over the curve’s thresholds, and chooseThreshold reaches it', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const { scores, memberMask } = randomSet(seed);
      const roc = computeRoc(scores, memberMask);
      const accuracies = Array.from(roc.thresholds, (t) => accuracyAtThreshold(scores, memberMask, t));
      expect(bestAccuracy(roc), `seed ${seed}`).toBeCloseTo(Math.max(...accuracies), 14);
      const threshold = chooseThreshold(scores, memberMask);
      expect(accuracyAtThreshold(scores, memberMask, threshold), `seed ${seed}`).toBeCloseTo(bestAccuracy(roc), 14);
    }
  });

  it('the curve does not depend on the order of the records', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { scores, memberMask, rng } = randomSet(seed);
      const order = Array.from(permutation(scores.length, rng));
      const a = computeRoc(scores, memberMask);
      const b = computeRoc(order.map((i) => scores[i]), order.map((i) => memberMask[i]));
      expect(Array.from(b.fpr)).toEqual(Array.from(a.fpr));
      expect(Array.from(b.tpr)).toEqual(Array.from(a.tpr));
    }
  });

  it('AUC is unchanged by a monotone transform and becomes 1 − AUC when scores are negated', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { scores, memberMask } = randomSet(seed);
      const auc = computeAuc(computeRoc(scores, memberMask));
      expect(computeAuc(computeRoc(scores.map((s) => Math.exp(3 * s)), memberMask))).toBeCloseTo(auc, 12);
      expect(computeAuc(computeRoc(scores.map((s) => 0 - s), memberMask))).toBeCloseTo(1 - auc, 12);
    }
  });

  it('advantage is 2·bestAccuracy − 1 on a balanced set', () => {
    // With P = N, (TP + TN)/(2N) = (1 + TPR − FPR)/2 at every point, so the maxima match.
    for (let seed = 1; seed <= 10; seed++) {
      const rng = createRng(seed, 'roc-balanced');
      const n = 5 + rng.nextInt(100);
      const scores = Array.from({ length: 2 * n }, () => rng.nextInt(10));
      const memberMask = scores.map((_, i) => (i < n ? 1 : 0));
      const roc = computeRoc(scores, memberMask);
      expect(computeAdvantage(roc)).toBeCloseTo(2 * bestAccuracy(roc) - 1, 14);
    }
  });
});
