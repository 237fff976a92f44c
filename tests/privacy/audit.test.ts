import { describe, it, expect } from 'vitest';
import { empiricalEpsilon, heuristicEpsilon } from '../../src/core/privacy/audit';
import { clopperPearsonLower, clopperPearsonUpper } from '../../src/core/privacy/clopper-pearson';
import { createRng } from '../../src/core/random';

function uniformScores(count: number, stream: string): number[] {
  const rng = createRng(7, stream);
  return Array.from({ length: count }, () => rng.next());
}

describe('empiricalEpsilon', () => {
  it('is exactly 0 when members and non-members have the same scores', () => {
    const scores = uniformScores(500, 'same');
    const result = empiricalEpsilon({ memberScores: scores, nonMemberScores: scores, delta: 0 });
    expect(result.epsilon).toBe(0);
  });

  it('stays near 0 for two samples from one distribution', () => {
    const result = empiricalEpsilon({
      memberScores: uniformScores(2000, 'members'),
      nonMemberScores: uniformScores(2000, 'non-members'),
      delta: 1e-5,
    });
    expect(result.epsilon).toBeLessThan(0.15);
  });

  it('reaches, for perfectly separated scores, exactly the Clopper–Pearson limit log((a/2)^{1/n} / (1 − (a/2)^{1/m}))', () => {
    const members = [9, 8, 7, 6, 5, 4.5, 4.2, 4.1];
    const nonMembers = [3, 2, 1, 0, -1, -2];
    const result = empiricalEpsilon({ memberScores: members, nonMemberScores: nonMembers, delta: 0, confidence: 0.95 });
    const tprLower = 0.025 ** (1 / members.length);
    const fprUpper = 1 - 0.025 ** (1 / nonMembers.length);
    expect(result.threshold).toBe(4.1);
    expect(result.truePositives).toBe(8);
    expect(result.falsePositives).toBe(0);
    expect(result.tprLower).toBeCloseTo(tprLower, 12);
    expect(result.fprUpper).toBeCloseTo(fprUpper, 12);
    // Both sides of the bound: log(TPR/FPR) with n = 8, m = 6, and log(TNR/FNR); the larger wins.
    const expected = Math.max(Math.log(tprLower / fprUpper), Math.log((1 - fprUpper) / (1 - tprLower)));
    expect(result.epsilon).toBeCloseTo(expected, 12);
  });

  it('grows with the sample size for a perfect attack, as the intervals tighten', () => {
    let previous = 0;
    for (const n of [10, 100, 1000, 10000]) {
      const members = Array.from({ length: n }, (_, i) => 1 + i);
      const nonMembers = Array.from({ length: n }, (_, i) => -i);
      const { epsilon } = empiricalEpsilon({ memberScores: members, nonMemberScores: nonMembers, delta: 0 });
      // Perfect separation with n = m: ε = log((a/2)^{1/n} / (1 − (a/2)^{1/n})) ≈ log(n / log(40)).
      const limit = Math.log(0.025 ** (1 / n) / (1 - 0.025 ** (1 / n)));
      expect(epsilon).toBeCloseTo(limit, 8);
      expect(epsilon).toBeGreaterThan(previous);
      previous = epsilon;
    }
  });

  it('subtracts δ: a larger δ weakens the bound', () => {
    const members = Array.from({ length: 200 }, (_, i) => i);
    const nonMembers = Array.from({ length: 200 }, (_, i) => -1 - i);
    const strict = empiricalEpsilon({ memberScores: members, nonMemberScores: nonMembers, delta: 0 });
    const loose = empiricalEpsilon({ memberScores: members, nonMemberScores: nonMembers, delta: 0.1 });
    expect(loose.epsilon).toBeLessThan(strict.epsilon);
  });

  it('evaluates one given threshold (chosen on other data) with hand-computed counts', () => {
    // Members ≥ 0.5: 3 of 4; non-members ≥ 0.5: 1 of 4.
    const memberScores = [0.9, 0.8, 0.6, 0.2];
    const nonMemberScores = [0.7, 0.4, 0.3, 0.1];
    const result = empiricalEpsilon({ memberScores, nonMemberScores, delta: 0, confidence: 0.9, threshold: 0.5 });
    expect(result.truePositives).toBe(3);
    expect(result.falsePositives).toBe(1);
    const tprLower = clopperPearsonLower(3, 4, 0.9);
    const fprUpper = clopperPearsonUpper(1, 4, 0.9);
    expect(result.tprLower).toBe(tprLower);
    expect(result.fprUpper).toBe(fprUpper);
    expect(result.epsilon).toBe(Math.max(0, Math.log(tprLower / fprUpper), Math.log((1 - fprUpper) / (1 - tprLower))));
  });

  it('gives 0 for a weak attack on a few records', () => {
    // Four records a side cannot prove anything at 95 %: the intervals are too wide.
    const result = empiricalEpsilon({ memberScores: [0.9, 0.8, 0.6, 0.2], nonMemberScores: [0.7, 0.4, 0.3, 0.1], delta: 0 });
    expect(result.epsilon).toBe(0);
  });

  it('refuses bad inputs by name', () => {
    expect(() => empiricalEpsilon({ memberScores: [], nonMemberScores: [1], delta: 0 })).toThrow(/memberScores/);
    expect(() => empiricalEpsilon({ memberScores: [1], nonMemberScores: [NaN], delta: 0 })).toThrow(/nonMemberScores\[0\]/);
    expect(() => empiricalEpsilon({ memberScores: [1], nonMemberScores: [0], delta: 1 })).toThrow(/delta/);
    expect(() => empiricalEpsilon({ memberScores: [1], nonMemberScores: [0], delta: 0, confidence: 0 })).toThrow(/confidence/);
  });
});

describe('heuristicEpsilon at one calibrated decision rule', () => {
  it('matches the hand formula: log((TPR_lo − δ)/FPR_hi) with Clopper–Pearson ends (scipy beta.ppf)', () => {
    // 60 of 100 members and 10 of 100 non-members called members, δ = 0.
    // TPR_lo = beta.ppf(0.025, 60, 41) = 0.4972092; FPR_hi = beta.ppf(0.975, 11, 90) = 0.1762226.
    const bound = heuristicEpsilon({ truePositives: 60, members: 100, falsePositives: 10, nonMembers: 100 }, 0);
    expect(bound.tprLower).toBeCloseTo(0.4972091504, 8);
    expect(bound.fprUpper).toBeCloseTo(0.1762225977, 8);
    expect(bound.epsilon).toBeCloseTo(Math.log(bound.tprLower / bound.fprUpper), 12);
  });

  it('on a null setting with the threshold fixed in advance is positive in at most 5 % of 200 seeded runs', () => {
    let positive = 0;
    for (let run = 0; run < 200; run++) {
      const rng = createRng(run, 'heuristic/null');
      // Members and non-members from one distribution; the threshold (0.8) was fixed beforehand.
      let tp = 0;
      let fp = 0;
      for (let i = 0; i < 1000; i++) if (rng.next() >= 0.8) tp++;
      for (let i = 0; i < 1000; i++) if (rng.next() >= 0.8) fp++;
      if (heuristicEpsilon({ truePositives: tp, members: 1000, falsePositives: fp, nonMembers: 1000 }, 1e-5).epsilon > 0) positive++;
    }
    expect(positive).toBeLessThanOrEqual(10);
  });
});
