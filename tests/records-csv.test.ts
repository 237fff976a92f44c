import { describe, expect, it } from 'vitest';
import type { ExperimentResult } from '../src/core/experiment';
import { breakdownOf, toRecordsCsv } from '../src/core/results';

/** Only the fields records.csv and the breakdown read. */
function result(predicted?: number[]): ExperimentResult {
  return {
    dataset: { name: 'tiny', poolSize: 10, shape: [1, 1, 1], numClasses: 2 },
    records: {
      poolIndex: Int32Array.from([7, 3, 9, 1]),
      member: Uint8Array.from([1, 1, 0, 0]),
      label: Uint8Array.from([0, 1, 0, 1]),
      ...(predicted ? { predicted: Uint8Array.from(predicted) } : {}),
    },
    attacks: [
      { name: 'loss', memberScores: Float64Array.from([-0.1, -2]), nonMemberScores: Float64Array.from([-1, -3]) },
      { name: 'quantile', memberScores: Float64Array.from([0.5, 0.5]), nonMemberScores: Float64Array.from([-1, 2]) },
    ],
  } as unknown as ExperimentResult;
}

describe('records.csv', () => {
  it('has index, member, label, predicted, then each attack\'s score, rank and in-class rank', () => {
    const lines = toRecordsCsv(result([0, 0, 0, 1])).trim().split('\n');
    expect(lines[0]).toBe('index,member,label,predicted,loss,loss_rank,loss_class_rank,quantile,quantile_rank,quantile_class_rank');
    expect(lines).toHaveLength(5);
    // loss: −0.1 > −1 > −2 > −3 → ranks 1, 3, 2, 4; class 0 holds records 7 (−0.1) and 9 (−1), class 1 holds 3 (−2) and 1 (−3).
    // quantile: 2 > 0.5 = 0.5 > −1 → ranks 2, 2, 4, 1 (ties share the best rank).
    expect(lines[1]).toBe('7,1,0,0,-0.1,1,1,0.5,2,1');
    expect(lines[2]).toBe('3,1,1,0,-2,3,1,0.5,2,2');
    expect(lines[3]).toBe('9,0,0,0,-1,2,2,-1,4,2');
    expect(lines[4]).toBe('1,0,1,1,-3,4,2,2,1,1');
  });

  it('leaves predicted empty when the run did not keep it', () => {
    expect(toRecordsCsv(result()).split('\n')[1]).toBe('7,1,0,,-0.1,1,1,0.5,2,1');
  });
});

describe('the breakdown in results.json', () => {
  it('gives per-class figures and counts misclassified members', () => {
    const breakdown = breakdownOf(result([0, 0, 0, 1]))!;
    expect(breakdown.misclassifiedMembers).toBe(1);
    const loss = breakdown.attacks[0];
    // Class 0: member −0.1 vs non-member −1 → AUC 1; class 1: member −2 vs non-member −3 → AUC 1.
    expect(loss.byClass.map((c) => c.auc)).toEqual([1, 1]);
    // Misclassified: only member 3 (label 1, predicted 0); no misclassified non-member → no AUC.
    expect(loss.byCorrectness?.misclassified).toEqual({ members: 1, nonMembers: 0 });
  });
});
