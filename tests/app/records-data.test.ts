import { describe, expect, it } from 'vitest';
import { chooseAttack, exposedMemberCards, rankableAttacks, thresholdAtFpr } from '../../src/app/records/records-data';
import type { AttackResult } from '../../src/core/attacks/evaluate';

/** Just the fields the Records view reads. */
const attack = (name: string, members: number[], nonMembers: number[], threshold = 0) =>
  ({ name, memberScores: Float64Array.from(members), nonMemberScores: Float64Array.from(nonMembers), threshold }) as unknown as AttackResult;

describe('the Records view model', () => {
  // 3 members (pool 10, 11, 12) then 3 non-members (20, 21, 22).
  const records = {
    poolIndex: Int32Array.from([10, 11, 12, 20, 21, 22]),
    member: Uint8Array.from([1, 1, 1, 0, 0, 0]),
    label: Uint8Array.from([0, 1, 1, 0, 1, 1]),
    predicted: Uint8Array.from([0, 1, 0, 0, 1, 1]),
  };
  const loss = attack('loss', [0.9, 0.2, 0.5], [0.1, 0.3, 0.4]);
  const lira = attack('lira-online', [0.1, 3, 2], [0, 0.5, 1]);
  const input = {
    attacks: [attack('random', [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]), loss, lira],
    records,
    references: {
      inMasks: [Uint8Array.from([1, 0, 1, 0, 1, 0]), Uint8Array.from([0, 1, 0, 1, 0, 1])],
      confidence: [Float32Array.from([5, 1, 4, 0, 2, 0]), Float32Array.from([-1, 6, -2, 1, 0, 3])],
    },
  };

  it('skips the coin, and falls back from an unknown choice to the first non-baseline attack', () => {
    expect(rankableAttacks(input.attacks).map((a) => a.name)).toEqual(['loss', 'lira-online']);
    expect(chooseAttack(input.attacks, undefined)?.name).toBe('loss');
    expect(chooseAttack(input.attacks, 'lira-online')?.name).toBe('lira-online');
    expect(chooseAttack(input.attacks, 'nope')?.name).toBe('loss');
  });

  it('lists members most exposed first, with ranks, flags and a changed order when the attack changes', () => {
    const byLoss = exposedMemberCards(input, loss, 2);
    expect(byLoss.map((c) => c.poolIndex)).toEqual([10, 12]);
    expect(byLoss[0]).toMatchObject({ position: 0, label: 0, predicted: 0, score: 0.9, rank: 1, classRank: 1 });
    // Record 12 (0.5) is 2nd overall and 1st of class 1 (0.5 > 0.4 > 0.3 > 0.2); predicted 0, label 1.
    expect(byLoss[1]).toMatchObject({ poolIndex: 12, rank: 2, classRank: 1, predicted: 0 });
    // At 1 % FPR of 3 non-members no false positive is allowed: flagged iff above every non-member's score.
    expect(byLoss[0].flaggedBy).toEqual(['loss']);
    expect(byLoss[0].inOut).toBeUndefined();
    const byLira = exposedMemberCards(input, lira, 2);
    expect(byLira.map((c) => c.poolIndex)).toEqual([11, 12]);
    expect(byLira[0].flaggedBy).toEqual(['lira-online']);
    // Record 11 is IN for model 2 (confidence 6) and OUT for model 1 (confidence 1).
    expect(byLira[0].inOut).toEqual({ in: [6], out: [1] });
  });

  it('turns a hovered FPR into the score threshold of the chosen attack', () => {
    expect(thresholdAtFpr(loss, records.member, 0)).toBeCloseTo(0.4, 12);
    expect(thresholdAtFpr(loss, records.member, 0.34)).toBeCloseTo(0.3, 12);
    // FPR strictly below 100 %: all but the lowest non-member (0.1) may be flagged.
    expect(thresholdAtFpr(loss, records.member, 1)).toBeCloseTo(0.1, 12);
  });
});
