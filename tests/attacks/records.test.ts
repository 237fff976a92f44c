import { describe, expect, it } from 'vitest';
import { breakdownAttack, flagAtFpr, misclassifiedMembers, mostExposedMembers, overlapAtFpr, rankScores } from '../../src/core/attacks/records';

describe('rankScores', () => {
  it('ranks highest first, ties share the best rank', () => {
    expect(Array.from(rankScores([0.2, 0.9, 0.5, 0.9, 0.1]))).toEqual([4, 1, 3, 1, 5]);
  });
  it('ranks within each class', () => {
    // class 0: 0.2, 0.5 → ranks 2, 1; class 1: 0.9, 0.1 → 1, 2; class 2: 0.3 → 1.
    expect(Array.from(rankScores([0.2, 0.9, 0.5, 0.1, 0.3], [0, 1, 0, 1, 2]))).toEqual([2, 1, 1, 2, 1]);
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

describe('overlap and exposure', () => {
  it('tallies members flagged by none, one, several or all attacks', () => {
    const member = [1, 1, 1, 1, 0, 0];
    const a = { name: 'a', memberScores: Float64Array.from([5, 5, 0, 0]), nonMemberScores: Float64Array.from([1, 1]) };
    const b = { name: 'b', memberScores: Float64Array.from([5, 0, 5, 0]), nonMemberScores: Float64Array.from([1, 1]) };
    const c = { name: 'c', memberScores: Float64Array.from([5, 5, 0, 0]), nonMemberScores: Float64Array.from([1, 1]) };
    const { tally, count } = overlapAtFpr([a, b, c], { member, label: [0, 0, 0, 0, 0, 0] }, 0);
    expect(Array.from(count)).toEqual([3, 2, 1, 0, 0, 0]);
    expect(tally).toEqual({ none: 1, one: 1, several: 1, all: 1 });
  });
  it('lists members most exposed first', () => {
    expect(mostExposedMembers([0.3, 0.9, 0.5, 0.99], [1, 1, 1, 0], 2)).toEqual([1, 2]);
  });
});
