import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/random';
import { breakdownAttack, exposeRecords, flagAtFpr, flagThreshold, misclassifiedMembers, mostExposedMembers, rankScores } from '../../src/core/attacks/records';

describe('rankScores', () => {
  it('ranks highest first, ties share the best rank', () => {
    expect(Array.from(rankScores([0.2, 0.9, 0.5, 0.9, 0.1]))).toEqual([4, 1, 3, 1, 5]);
  });
  it('ranks within each class', () => {
    // class 0: 0.2, 0.5 → ranks 2, 1; class 1: 0.9, 0.1 → 1, 2; class 2: 0.3 → 1.
    expect(Array.from(rankScores([0.2, 0.9, 0.5, 0.1, 0.3], [0, 1, 0, 1, 2]))).toEqual([2, 1, 1, 2, 1]);
  });
  it('agrees with counting by hand on random scores with ties, zeros of both signs and extremes', () => {
    const rng = createRng(3, 'rank-oracle');
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rng.next() * 300);
      const pool = [0, -0, 1, -1, 0.5, 1e300, -1e300, Number.MIN_VALUE];
      const scores = Array.from({ length: n }, () => (rng.next() < 0.4 ? pool[Math.floor(rng.next() * pool.length)] : rng.next() * 4 - 2));
      const label = Array.from({ length: n }, () => Math.floor(rng.next() * 4));
      const member = Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
      // 1 + how many score strictly higher (in the same class): the definition itself, O(n²).
      const byHand = (within?: number[]) => scores.map((s, i) => 1 + scores.filter((t, j) => t > s && (!within || within[j] === within[i])).length);
      expect(Array.from(rankScores(scores)), `trial ${trial}`).toEqual(byHand());
      expect(Array.from(rankScores(scores, label)), `trial ${trial}`).toEqual(byHand(label));
      const limit = Math.floor(rng.next() * 30);
      const everyMember = scores.flatMap((_, i) => (member[i] ? [i] : [])).sort((a, b) => scores[b] - scores[a] || a - b);
      expect(mostExposedMembers(scores, member, limit), `trial ${trial}`).toEqual(everyMember.slice(0, limit));
    }
  });
});

describe('flagAtFpr', () => {
  // 4 members then 10 non-members; non-member scores 0..9.
  const scores = [9.5, 8.5, 3, 12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const member = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  it('at 0 %: only what beats every non-member', () => {
    const { flagged, threshold } = flagAtFpr(scores, member, 0);
    expect(threshold).toBe(9);
    expect(Array.from(flagged.subarray(0, 4))).toEqual([1, 0, 0, 1]);
    expect(flagged.subarray(4).every((f) => f === 0)).toBe(true);
  });
  it('at 10 %: no non-member, since 1 of 10 is not strictly below 10 % (LiRA\'s convention)', () => {
    const { flagged, threshold } = flagAtFpr(scores, member, 0.1);
    expect(threshold).toBe(9);
    expect(Array.from(flagged.subarray(0, 4))).toEqual([1, 0, 0, 1]);
  });
  it('at 15 %: one non-member may be flagged (1 of 10 is below 15 %, 2 are not)', () => {
    const { flagged, threshold } = flagAtFpr(scores, member, 0.15);
    expect(threshold).toBe(8);
    expect(Array.from(flagged)).toEqual([1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
  it('refuses a set without non-members', () => {
    expect(() => flagAtFpr([1, 2], [1, 1], 0.01)).toThrow(/needs non-members/);
  });
});

describe('breakdownAttack', () => {
  it('gives per-class and by-correctness figures, null where a side is missing', () => {
    // 3 members, 3 non-members; class 0: m 0.9, 0.4 vs nm 0.5 → AUC 1/2; class 1: m 0.8 vs nm 0.1, 0.2 → AUC 1.
    const attack = { name: 'loss', memberScores: Float64Array.from([0.9, 0.8, 0.4]), nonMemberScores: Float64Array.from([0.5, 0.1, 0.2]) };
    const records = { member: [1, 1, 1, 0, 0, 0], label: [0, 1, 0, 0, 1, 1], predicted: [0, 1, 1, 0, 0, 1] };
    const b = breakdownAttack(attack, records, 3);
    expect(b.byClass[0]).toMatchObject({ label: 0, members: 2, nonMembers: 1, auc: 0.5 });
    expect(b.byClass[1]).toMatchObject({ label: 1, members: 1, nonMembers: 2, auc: 1, tprAt1PctFpr: 1 });
    expect(b.byClass[2]).toEqual({ label: 2, members: 0, nonMembers: 0 });
    // Correct: members 0.9, 0.8 vs non-members 0.5, 0.2 → AUC 1. Misclassified: member 0.4 vs 0.1 → AUC 1.
    expect(b.byCorrectness?.correct).toMatchObject({ members: 2, nonMembers: 2, auc: 1 });
    expect(b.byCorrectness?.misclassified).toMatchObject({ members: 1, nonMembers: 1, auc: 1 });
    expect(misclassifiedMembers(records)).toBe(1);
  });
});

describe('flagThreshold', () => {
  // flagAtFpr's fixture above: non-member scores 9..0, highest first.
  const descending = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
  it('gives flagAtFpr\'s thresholds from sorted scores', () => {
    expect(flagThreshold(descending, 0)).toBe(9);
    expect(flagThreshold(descending, 0.1)).toBe(9);
    expect(flagThreshold(descending, 0.15)).toBe(8);
    // FPR strictly below 100 %: all but the lowest non-member may be flagged.
    expect(flagThreshold(descending, 1)).toBe(0);
  });
  it('refuses an FPR outside [0, 1] and an empty set', () => {
    expect(() => flagThreshold(descending, 1.5)).toThrow(/fpr must lie in \[0, 1\], got 1.5/);
    expect(() => flagThreshold([], 0.01)).toThrow(/needs non-members/);
  });
});

describe('overlap and exposure', () => {
  // 4 members then 2 non-members, classes alternating; at FPR 0 the threshold is the top non-member score, 1.
  const member = [1, 1, 1, 1, 0, 0];
  const label = [0, 1, 0, 1, 0, 1];
  const a = { name: 'a', memberScores: Float64Array.from([5, 5, 0, 0]), nonMemberScores: Float64Array.from([1, 1]) };
  const b = { name: 'b', memberScores: Float64Array.from([5, 0, 5, 0]), nonMemberScores: Float64Array.from([1, 1]) };
  const c = { name: 'c', memberScores: Float64Array.from([5, 5, 0, 0]), nonMemberScores: Float64Array.from([1, 1]) };

  it('tallies members flagged by none, one, several or all attacks', () => {
    // Flags: a and c [1, 1, 0, 0], b [1, 0, 1, 0] → members flagged 3, 2, 1, 0 times.
    expect(exposeRecords([a, b, c], { member, label }, 4, 0).tally).toEqual({ none: 1, one: 1, several: 1, all: 1 });
  });

  it('lists each attack\'s most exposed members with ranks, class ranks and the attacks that flag them', () => {
    const exposure = exposeRecords([a, b, c], { member, label }, 2, 0);
    expect(exposure.attacks.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    // Under a: records 0 and 1 tie at 5 (rank 1 both, ties by position); each is first of its class.
    expect(exposure.attacks[0].members).toEqual([
      { position: 0, rank: 1, classRank: 1, flaggedBy: ['a', 'b', 'c'] },
      { position: 1, rank: 1, classRank: 1, flaggedBy: ['a', 'c'] },
    ]);
    // Under b: records 0 and 2 (both class 0) tie at 5; record 2 is flagged by b alone.
    expect(exposure.attacks[1].members).toEqual([
      { position: 0, rank: 1, classRank: 1, flaggedBy: ['a', 'b', 'c'] },
      { position: 2, rank: 1, classRank: 1, flaggedBy: ['b'] },
    ]);
    expect(Array.from(exposure.attacks[2].nonMemberScoresDescending)).toEqual([1, 1]);
  });

  it('ranks as rankScores and flags as flagAtFpr on a larger set (independent per-attack computation)', () => {
    // 6 members, 5 non-members, 3 classes; FPR 0.25 allows one non-member (1 of 5 < 25 %, 2 are not).
    const records = { member: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], label: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1] };
    const x = { name: 'x', memberScores: Float64Array.from([0.3, 0.9, 0.1, 0.7, 0.7, 0.2]), nonMemberScores: Float64Array.from([0.8, 0.05, 0.6, 0.4, 0.65]) };
    const y = { name: 'y', memberScores: Float64Array.from([2, -1, 3, 0, 1, 4]), nonMemberScores: Float64Array.from([0.5, 2.5, -2, 1.5, 0]) };
    const exposure = exposeRecords([x, y], records, 3, 0.25);
    // x: threshold 0.65 (second-highest non-member) → members 0.9, 0.7, 0.7 flagged. Ranks: 0.9 → 1, 0.8 → 2, 0.7 → 3 (twice);
    // record 3 is 2nd of class 0 (after a non-member's 0.8), record 4 2nd of class 1 (after record 1's 0.9).
    expect(exposure.attacks[0].members).toEqual([
      { position: 1, rank: 1, classRank: 1, flaggedBy: ['x'] },
      { position: 3, rank: 3, classRank: 2, flaggedBy: ['x'] },
      { position: 4, rank: 3, classRank: 2, flaggedBy: ['x'] },
    ]);
    // y: threshold 1.5 → members 0, 2, 5 flagged; record 5 (4) is 1st, record 2 (3) 2nd, record 0 (2) 4th after the non-member's 2.5.
    expect(exposure.attacks[1].members).toEqual([
      { position: 5, rank: 1, classRank: 1, flaggedBy: ['y'] },
      { position: 2, rank: 2, classRank: 2, flaggedBy: ['y'] },
      { position: 0, rank: 4, classRank: 1, flaggedBy: ['y'] },
    ]);
    expect(exposure.attacks[1].members.map((m) => m.rank)).toEqual(exposure.attacks[1].members.map((m) => rankScores([2, -1, 3, 0, 1, 4, 0.5, 2.5, -2, 1.5, 0])[m.position]));
    // Members flagged: record 0 (y), 1 (x), 2 (y), 3 (x), 4 (x), 5 (y): each by exactly one.
    expect(exposure.tally).toEqual({ none: 0, one: 6, several: 0, all: 0 });
  });

  it('names an attack whose scores do not cover the records', () => {
    const short = { name: 'short', memberScores: Float64Array.from([1]), nonMemberScores: Float64Array.from([0]) };
    expect(() => exposeRecords([a, short], { member, label }, 2, 0.01)).toThrow(/attack short: 2 scores for 6 records/);
  });

  it('lists members most exposed first', () => {
    expect(mostExposedMembers([0.3, 0.9, 0.5, 0.99], [1, 1, 1, 0], 2)).toEqual([1, 2]);
  });
});
