import { describe, expect, it } from 'vitest';
import {
  bootstrapIntervals,
  formatWithInterval,
  isWiderThanFigure,
  percentileInterval,
  rocTprBand,
  tprAtFprIntervalOf,
} from '../../src/core/metrics/intervals';
import { computeAuc, computeRoc } from '../../src/core/metrics/roc';
import { standardNormal } from '../../src/core/defenses/sampling';
import { createRng } from '../../src/core/random';

const called = (members: number[], nonMembers: number[], t: number) => [...members, ...nonMembers].map((s) => (s >= t ? 1 : 0));

describe('tprAtFprInterval (Clopper–Pearson on TP out of P)', () => {
  it('is [0.0022, 0.0130] for 6 of 1,000 members before the first false positive (scipy beta.ppf)', () => {
    // 6 members above every non-member, the other 994 below all of them.
    const members = [...Array.from({ length: 6 }, (_, i) => 100 + i), ...Array.from({ length: 994 }, () => -100)];
    const nonMembers = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const interval = tprAtFprIntervalOf(members, nonMembers, 0.001);
    // scipy.stats.beta.ppf(0.025, 6, 995) = 0.0022049825, beta.ppf(0.975, 7, 994) = 0.0130134233
    expect(interval.lower).toBeCloseTo(0.0022049825, 8);
    expect(interval.upper).toBeCloseTo(0.0130134233, 8);
  });

  it('reads the point the strict budget picks: a point on the budget is left out', () => {
    // P = N = 4, EIGHT of roc.test.ts: (.25, .75) sits on a 25% budget, so the point is (0, .5): 2 of 4.
    const interval = tprAtFprIntervalOf([0.95, 0.9, 0.6, 0.3], [0.8, 0.5, 0.2, 0.1], 0.25);
    // scipy.stats.beta.ppf(0.025, 2, 3) = 0.0675859865, beta.ppf(0.975, 3, 2) = 0.9324140135
    expect(interval.lower).toBeCloseTo(0.0675859865, 8);
    expect(interval.upper).toBeCloseTo(0.9324140135, 8);
  });
});

describe('bootstrapIntervals', () => {
  it('is a single point when members and non-members are separated', () => {
    const members = [5, 6, 7, 8];
    const nonMembers = [1, 2, 3];
    const out = bootstrapIntervals({ memberScores: members, nonMemberScores: nonMembers, calledMember: called(members, nonMembers, 4), seed: 1 });
    expect(out.auc).toEqual({ lower: 1, upper: 1 });
    expect(out.advantage).toEqual({ lower: 1, upper: 1 });
    expect(out.accuracy).toEqual({ lower: 1, upper: 1 });
  });

  it('counts ties half, as the AUC does: all-tied scores give AUC exactly 0.5 in every resample', () => {
    const out = bootstrapIntervals({ memberScores: [1, 1, 1], nonMemberScores: [1, 1], calledMember: [1, 1, 1, 1, 1], seed: 2 });
    expect(out.auc).toEqual({ lower: 0.5, upper: 0.5 });
  });

  it('is reproducible per seed and changes with it', () => {
    const rng = createRng(5, 'boot/data');
    const members = Array.from({ length: 200 }, () => standardNormal(rng) + 0.5);
    const nonMembers = Array.from({ length: 200 }, () => standardNormal(rng));
    const input = { memberScores: members, nonMemberScores: nonMembers, calledMember: called(members, nonMembers, 0.25) };
    expect(bootstrapIntervals({ ...input, seed: 3 })).toEqual(bootstrapIntervals({ ...input, seed: 3 }));
    expect(bootstrapIntervals({ ...input, seed: 3 }).auc).not.toEqual(bootstrapIntervals({ ...input, seed: 4 }).auc);
  });

  it('covers the true AUC Φ(d/√2) of two Gaussians in about 95 % of 100 seeded data sets', () => {
    // Members ~ N(d, 1), non-members ~ N(0, 1): AUC = Φ(d/√2) = 0.6915 at d = 0.707.
    const d = Math.SQRT1_2;
    const trueAuc = 0.6914624612740131; // Φ(0.5)
    let covered = 0;
    for (let run = 0; run < 100; run++) {
      const rng = createRng(run, 'boot/coverage');
      const members = Array.from({ length: 150 }, () => standardNormal(rng) + d);
      const nonMembers = Array.from({ length: 150 }, () => standardNormal(rng));
      const { auc } = bootstrapIntervals({ memberScores: members, nonMemberScores: nonMembers, calledMember: called(members, nonMembers, d / 2), seed: run });
      const point = computeAuc(computeRoc([...members, ...nonMembers], called(members, nonMembers, Infinity).map((_, i) => (i < 150 ? 1 : 0))));
      expect(auc.lower).toBeLessThanOrEqual(point);
      expect(auc.upper).toBeGreaterThanOrEqual(point);
      if (auc.lower <= trueAuc && trueAuc <= auc.upper) covered++;
    }
    // Binomial(100, 0.95) lies in [88, 100] with probability > 0.999; a percentile bootstrap may undercover slightly.
    expect(covered).toBeGreaterThanOrEqual(85);
  });

  it('refuses empty sides and mismatched decisions', () => {
    expect(() => bootstrapIntervals({ memberScores: [], nonMemberScores: [1], calledMember: [0], seed: 0 })).toThrow(/at least one member/);
    expect(() => bootstrapIntervals({ memberScores: [1], nonMemberScores: [1], calledMember: [0], seed: 0 })).toThrow(/calledMember has 1/);
  });
});

describe('percentileInterval, formatting and the wide-interval mark', () => {
  it('takes the nearest ranks 5 and 196 of 200 at 95 %', () => {
    const values = Float64Array.from({ length: 200 }, (_, i) => 199 - i);
    expect(percentileInterval(values, 0.95)).toEqual({ lower: 4, upper: 195 });
  });

  it('prints 0.006 [0.002, 0.013] and marks a figure whose interval is wider than itself', () => {
    expect(formatWithInterval(0.006, { lower: 0.0022, upper: 0.013 })).toBe('0.006 [0.002, 0.013]*');
    expect(formatWithInterval(0.6, { lower: 0.55, upper: 0.65 })).toBe('0.600 [0.550, 0.650]');
    expect(isWiderThanFigure(0, { lower: 0, upper: 0.004 })).toBe(true);
    expect(isWiderThanFigure(0.5, { lower: 0.4, upper: 0.6 })).toBe(false);
  });
});

describe('rocTprBand', () => {
  it('puts the Clopper–Pearson interval of TP out of P around each point (scipy beta.ppf)', () => {
    const band = rocTprBand([[0, 0], [0.25, 0.5], [1, 1]], 4);
    expect(band[0]).toEqual([0, 0, expect.closeTo(0.6023646, 6)]); // beta.ppf(0.975, 1, 4)
    expect(band[1][0]).toBe(0.25);
    expect(band[1][1]).toBeCloseTo(0.0675859865, 8); // beta.ppf(0.025, 2, 3)
    expect(band[1][2]).toBeCloseTo(0.9324140135, 8);
    expect(band[2]).toEqual([1, expect.closeTo(0.3976354, 6), 1]);
    expect(() => rocTprBand([[0, 0]], 0)).toThrow(RangeError);
  });
});
