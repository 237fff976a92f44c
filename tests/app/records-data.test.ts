import { describe, expect, it } from 'vitest';
import { chooseAttack, exposedMemberCards, rankableAttacks, thresholdAtFpr } from '../../src/app/records/records-data';
import type { AttackResult } from '../../src/core/attacks/evaluate';
import { exposeRecords } from '../../src/core/attacks/records';

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

  // What the Records view's worker computes for the view: every rankable attack at once, at 1 % FPR.
  const exposure = exposeRecords(rankableAttacks(input.attacks), records, 2, 0.01);
  const exposureOf = (name: string) => exposure.attacks.find((a) => a.name === name)!;

  it('exposes every rankable attack, so choosing another attack needs no new computation', () => {
    expect(exposure.attacks.map((a) => a.name)).toEqual(['loss', 'lira-online']);
    // At 1 % of 3 non-members no false positive is allowed. Loss (threshold 0.4) flags records 10 and 12;
    // LiRA (threshold 1) flags 11 and 12: 10 and 11 by one attack, 12 by both.
    expect(exposure.tally).toEqual({ none: 0, one: 2, several: 0, all: 1 });
  });

  it('lists members most exposed first, with ranks, flags and a changed order when the attack changes', () => {
    const byLoss = exposedMemberCards(input, loss, exposureOf('loss'));
    expect(byLoss.map((c) => c.poolIndex)).toEqual([10, 12]);
    expect(byLoss[0]).toMatchObject({ position: 0, label: 0, predicted: 0, score: 0.9, rank: 1, classRank: 1 });
    // Record 12 (0.5) is 2nd overall and 1st of class 1 (0.5 > 0.4 > 0.3 > 0.2); predicted 0, label 1.
    expect(byLoss[1]).toMatchObject({ poolIndex: 12, score: 0.5, rank: 2, classRank: 1, predicted: 0 });
    expect(byLoss[0].flaggedBy).toEqual(['loss']);
    expect(byLoss[1].flaggedBy).toEqual(['loss', 'lira-online']);
    expect(byLoss[0].inOut).toBeUndefined();
    const byLira = exposedMemberCards(input, lira, exposureOf('lira-online'));
    expect(byLira.map((c) => c.poolIndex)).toEqual([11, 12]);
    // Record 11 (3) is first overall and in class 1; record 12 (2) second of both.
    expect(byLira[0]).toMatchObject({ score: 3, rank: 1, classRank: 1, flaggedBy: ['lira-online'] });
    expect(byLira[1]).toMatchObject({ score: 2, rank: 2, classRank: 2 });
    // Record 11 is IN for model 2 (confidence 6) and OUT for model 1 (confidence 1).
    expect(byLira[0].inOut).toEqual({ in: [6], out: [1] });
  });

  it('refuses to draw one attack from another attack\'s exposure', () => {
    expect(() => exposedMemberCards(input, loss, exposureOf('lira-online'))).toThrow(/exposure of lira-online cannot draw loss/);
  });

  it('turns a hovered FPR into the score threshold of the chosen attack', () => {
    expect(thresholdAtFpr(exposureOf('loss'), 0)).toBeCloseTo(0.4, 12);
    expect(thresholdAtFpr(exposureOf('loss'), 0.34)).toBeCloseTo(0.3, 12);
    // FPR strictly below 100 %: all but the lowest non-member (0.1) may be flagged.
    expect(thresholdAtFpr(exposureOf('loss'), 1)).toBeCloseTo(0.1, 12);
    expect(thresholdAtFpr(exposureOf('lira-online'), 0.34)).toBeCloseTo(0.5, 12);
  });
});
