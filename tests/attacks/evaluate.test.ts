import { describe, expect, it } from 'vitest';
import { chooseClassThresholds, evaluateAttacks, metricAttackRunner, REPORTED_FPRS, type MembershipSplit } from '../../src/core/attacks/evaluate';
import { METRIC_ATTACK_NAMES as ATTACK_NAMES, ATTACKS, type AttackName, type MetricAttack } from '../../src/core/attacks/registry';
import { correctnessSignal } from '../../src/core/attacks/signals';
import { accuracyAtThreshold, chooseThreshold } from '../../src/core/metrics/roc';
import { createRng } from '../../src/core/random';
import { binaryPredictions, overfitSplit, predictionsFromRows, predictionsWithAccuracy } from './prediction-fixtures';

const THRESHOLD_ATTACKS = ['loss', 'confidence', 'entropy', 'modified-entropy'] as const;

/** Members' scores then non-members', with the matching 0/1 mask. */
function concatenate(members: Float64Array, nonMembers: Float64Array) {
  return { scores: [...members, ...nonMembers], memberMask: [...members].map(() => 1).concat([...nonMembers].map(() => 0)) };
}

function mean(values: Float64Array): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('the correctness attack: accuracy = (1 + g)/2 on a balanced set', () => {
  // Yeom et al. (arXiv:1709.01604): with members = train, non-members = test and equal counts,
  // "member iff correct" gets TP = a (train records right) and TN = n − b (test records wrong),
  // so accuracy = (n + a − b)/(2n) = (1 + g)/2 with g = a/n − b/n.
  const SIZES = [1, 2, 3, 10, 57, 200, 1000];
  const CLASSES = [2, 3, 10];

  it('holds exactly over many seeded prediction sets of different sizes and accuracies', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = createRng(seed, 'property/correctness');
      const n = SIZES[seed % SIZES.length];
      const numClasses = CLASSES[seed % CLASSES.length];
      // Sweep the corners too: a perfect overfit (g = 1), an inverted one (g = −1), no gap.
      const corner = seed % 10;
      const trainCorrect = corner === 0 ? n : corner === 1 ? 0 : rng.nextInt(n + 1);
      const testCorrect = corner === 0 ? 0 : corner === 1 ? n : corner === 2 ? trainCorrect : rng.nextInt(n + 1);
      const target: MembershipSplit = {
        members: predictionsWithAccuracy(rng, n, numClasses, trainCorrect),
        nonMembers: predictionsWithAccuracy(rng, n, numClasses, testCorrect),
      };
      const trainAccuracy = mean(correctnessSignal(target.members));
      const testAccuracy = mean(correctnessSignal(target.nonMembers));
      expect(trainAccuracy).toBe(trainCorrect / n); // the fixture is what it claims
      expect(testAccuracy).toBe(testCorrect / n);
      const g = trainAccuracy - testAccuracy;

      const [result] = evaluateAttacks({ attacks: ['correctness'], target, seed });
      const context = `seed ${seed}, n ${n}, a ${trainCorrect}, b ${testCorrect}`;
      // Exactly, as a count of records: the float is the same division of the same integers.
      expect(result.accuracy, context).toBe((n + trainCorrect - testCorrect) / (2 * n));
      expect(result.accuracy, context).toBeCloseTo((1 + g) / 2, 14);
      expect(result.advantage, context).toBeCloseTo(Math.max(0, g), 14);
      expect(result.threshold).toBe(0.5);
    }
  });

  it('ignores the shadow model: its threshold is fixed', () => {
    const rng = createRng(3, 'correctness/shadow');
    const target: MembershipSplit = {
      members: predictionsWithAccuracy(rng, 40, 3, 36),
      nonMembers: predictionsWithAccuracy(rng, 40, 3, 28),
    };
    const shadow = overfitSplit(rng, 30);
    const withShadow = evaluateAttacks({ attacks: ['correctness'], target, shadow, seed: 1 })[0];
    const without = evaluateAttacks({ attacks: ['correctness'], target, seed: 1 })[0];
    expect(withShadow.accuracy).toBe(without.accuracy);
    expect(without.accuracy).toBe((1 + (36 - 28) / 40) / 2);
  });
});

describe('thresholds come from the shadow split', () => {
  // Loss attack on two classes, label 0: the score is log p_y.
  // Shadow: members p_y [.9 .8], non-members [.3 .2] → cut midway between log .8 and log .3,
  // i.e. at p_y = √(.8·.3) ≈ 0.49.
  const shadow: MembershipSplit = { members: binaryPredictions([0.9, 0.8]), nonMembers: binaryPredictions([0.3, 0.2]) };
  const shadowThreshold = (Math.log(0.8) + Math.log(0.3)) / 2;

  it('applies the shadow’s threshold, not the target’s own best one', () => {
    // Target: members [.45 .4], non-members [.1 .05]. Perfectly separable on its own (a cut
    // between log .4 and log .1), but all four fall below the shadow's cut at p_y ≈ 0.49.
    const target: MembershipSplit = { members: binaryPredictions([0.45, 0.4]), nonMembers: binaryPredictions([0.1, 0.05]) };
    const [result] = evaluateAttacks({ attacks: ['loss'], target, shadow, seed: 1 });
    expect(result.threshold).toBeCloseTo(shadowThreshold, 14);
    const targetOwn = concatenate(result.memberScores, result.nonMemberScores);
    expect(chooseThreshold(targetOwn.scores, targetOwn.memberMask)).toBeCloseTo((Math.log(0.4) + Math.log(0.1)) / 2, 14);
    expect(result.accuracy).toBe(0.5); // everybody called a non-member
    expect(result.bestAccuracy).toBe(1); // the oracle figure uses the target's own best cut
    expect(result.auc).toBe(1);
    expect(result.advantage).toBe(1);
  });

  it('gives partial credit when the shadow’s cut falls inside the target’s members', () => {
    // Target members [.95 .45]: only .95 clears p_y ≈ 0.49; non-members [.1 .05] are both right.
    const target: MembershipSplit = { members: binaryPredictions([0.95, 0.45]), nonMembers: binaryPredictions([0.1, 0.05]) };
    const [result] = evaluateAttacks({ attacks: ['loss'], target, shadow, seed: 1 });
    expect(result.accuracy).toBe(0.75);
    expect(result.bestAccuracy).toBe(1);
  });

  it('matches chooseThreshold on the shadow scores and accuracyAtThreshold on the target, for every threshold attack', () => {
    const rng = createRng(9, 'evaluate/consistency');
    const shadowSplit = overfitSplit(rng, 150);
    const target = overfitSplit(rng, 120);
    const results = evaluateAttacks({ attacks: [...THRESHOLD_ATTACKS], target, shadow: shadowSplit, seed: 2, thresholdScope: 'global' });
    for (const result of results) {
      const attack = ATTACKS[result.name] as MetricAttack;
      const shadowScored = concatenate(attack.score(shadowSplit.members, rng), attack.score(shadowSplit.nonMembers, rng));
      expect(result.threshold, result.name).toBe(chooseThreshold(shadowScored.scores, shadowScored.memberMask));
      const targetScored = concatenate(result.memberScores, result.nonMemberScores);
      expect(result.accuracy, result.name).toBe(accuracyAtThreshold(targetScored.scores, targetScored.memberMask, result.threshold));
      expect(Array.from(result.memberScores), result.name).toEqual(Array.from(attack.score(target.members, rng)));
      expect(result.auc, result.name).toBeGreaterThan(0.7);
      expect(result.accuracy, result.name).toBeLessThanOrEqual(result.bestAccuracy);
    }
  });
});

describe('evaluateAttacks input checks', () => {
  const rng = createRng(4, 'evaluate/checks');
  const target = overfitSplit(rng, 20);

  it('throws for a threshold attack without a shadow, naming the attack', () => {
    for (const name of THRESHOLD_ATTACKS) {
      expect(() => evaluateAttacks({ attacks: [name], target, seed: 1 }), name).toThrow(
        new RegExp(`attack "${name}" picks its threshold on a shadow model`),
      );
    }
    // Even when a baseline comes first: the whole request is refused up front.
    expect(() => evaluateAttacks({ attacks: ['random', 'loss'], target, seed: 1 })).toThrow(/shadow/);
  });

  it('runs the baselines without a shadow', () => {
    const results = evaluateAttacks({ attacks: ['random', 'correctness'], target, seed: 1 });
    expect(results.map((result) => result.name)).toEqual(['random', 'correctness']);
  });

  it('throws on duplicated and unknown attack names', () => {
    expect(() => evaluateAttacks({ attacks: ['random', 'random'], target, seed: 1 })).toThrow(/attack "random" is listed twice/);
    expect(() => evaluateAttacks({ attacks: ['lira' as AttackName], target, seed: 1 })).toThrow(/unknown attack "lira"/);
    expect(() => evaluateAttacks({ attacks: ['random', 'lira' as AttackName], target, seed: 1 })).toThrow(RangeError);
  });

  it('throws on a non-finite seed', () => {
    expect(() => evaluateAttacks({ attacks: ['random'], target, seed: NaN })).toThrow(/seed is NaN/);
    expect(() => evaluateAttacks({ attacks: ['random'], target, seed: Infinity })).toThrow(/seed/);
  });

  it('returns nothing for no attacks', () => {
    expect(evaluateAttacks({ attacks: [], target, seed: 1 })).toEqual([]);
  });
});

describe('AttackResult shape', () => {
  const rng = createRng(5, 'evaluate/shape');
  const shadow = overfitSplit(rng, 60);
  const target = overfitSplit(rng, 80);
  const results = evaluateAttacks({ attacks: [...ATTACK_NAMES], target, shadow, seed: 3 });

  it('keeps the order asked for', () => {
    expect(results.map((result) => result.name)).toEqual([...ATTACK_NAMES]);
    const reversed = evaluateAttacks({ attacks: [...ATTACK_NAMES].reverse(), target, shadow, seed: 3 });
    expect(reversed.map((result) => result.name)).toEqual([...ATTACK_NAMES].reverse());
  });

  it('reports TPR at FPR under the keys "0.001", "0.01", "0.1", non-decreasing', () => {
    expect(REPORTED_FPRS).toEqual(['0.001', '0.01', '0.1']);
    for (const result of results) {
      expect(Object.keys(result.tprAtFpr), result.name).toEqual(['0.001', '0.01', '0.1']);
      const [low, mid, high] = REPORTED_FPRS.map((key) => result.tprAtFpr[key]);
      expect(0 <= low && low <= mid && mid <= high && high <= 1, result.name).toBe(true);
    }
  });

  it('gives an ROC curve from [0, 0] to [1, 1], monotone in both rates', () => {
    for (const result of results) {
      expect(result.roc[0], result.name).toEqual([0, 0]);
      expect(result.roc[result.roc.length - 1], result.name).toEqual([1, 1]);
      for (let i = 1; i < result.roc.length; i++) {
        expect(result.roc[i][0]).toBeGreaterThanOrEqual(result.roc[i - 1][0]);
        expect(result.roc[i][1]).toBeGreaterThanOrEqual(result.roc[i - 1][1]);
      }
    }
  });

  it('returns one finite score per target record and an interval around every figure', () => {
    for (const result of results) {
      expect(result.memberScores.length).toBe(80);
      expect(result.nonMemberScores.length).toBe(80);
      for (const score of [...result.memberScores, ...result.nonMemberScores]) expect(Number.isFinite(score)).toBe(true);
      // Each interval holds its figure here (the percentile bootstrap need not in general, the CP interval of the same count must).
      const i = result.intervals!;
      for (const [figure, interval] of [[result.auc, i.auc], [result.accuracy, i.accuracy], [result.advantage, i.advantage], [result.tprAtFpr['0.01'], i.tprAtFpr['0.01']]] as const) {
        expect(interval.lower, result.name).toBeLessThanOrEqual(figure + 1e-12);
        expect(interval.upper, result.name).toBeGreaterThanOrEqual(figure - 1e-12);
      }
    }
  });
});

describe('the random attack through evaluateAttacks', () => {
  it('is reproducible per seed, and independent of the other attacks listed', () => {
    const rng = createRng(6, 'evaluate/random');
    const shadow = overfitSplit(rng, 30);
    const target = overfitSplit(rng, 50);
    const alone = evaluateAttacks({ attacks: ['random'], target, seed: 8 })[0];
    const again = evaluateAttacks({ attacks: ['random'], target, seed: 8 })[0];
    const withOthers = evaluateAttacks({ attacks: ['loss', 'entropy', 'random'], target, shadow, seed: 8 })[2];
    const otherSeed = evaluateAttacks({ attacks: ['random'], target, seed: 9 })[0];
    expect(Array.from(again.memberScores)).toEqual(Array.from(alone.memberScores));
    expect(Array.from(withOthers.memberScores)).toEqual(Array.from(alone.memberScores));
    expect(Array.from(withOthers.nonMemberScores)).toEqual(Array.from(alone.nonMemberScores));
    expect(Array.from(otherSeed.memberScores)).not.toEqual(Array.from(alone.memberScores));
  });

  it('has accuracy and AUC ≈ 0.5 on a large overfit sample', () => {
    const target = overfitSplit(createRng(7, 'evaluate/random-large'), 10_000, 4);
    const [result] = evaluateAttacks({ attacks: ['random'], target, seed: 1 });
    // Standard errors: accuracy ≈ 0.0035, AUC ≈ 0.004 at 20 000 records.
    expect(Math.abs(result.accuracy - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(result.auc - 0.5)).toBeLessThan(0.02);
    expect(result.threshold).toBe(0.5);
  });
});

describe('per-class thresholds (Song & Mittal, arXiv:2003.10595)', () => {
  // Two classes whose confidence lives on different scales. Shadow and target alike:
  //   class 0: members p_max = .95, non-members .90;  class 1: members .70, non-members .60.
  // One global threshold can separate only one class (best: 3 of 4 right); one per class, all 4.
  const rows = (ps: number[], labels: number[]) => predictionsFromRows(ps.map((p, i) => (labels[i] === 0 ? [p, 1 - p] : [1 - p, p])), labels);
  const split = () => ({ members: rows([0.95, 0.7], [0, 1]), nonMembers: rows([0.9, 0.6], [0, 1]) });

  it('chooses one threshold per class on the shadow and applies each to its class', () => {
    const [perClass] = evaluateAttacks({ attacks: ['confidence'], target: split(), shadow: split(), seed: 0 });
    const [global] = evaluateAttacks({ attacks: ['confidence'], target: split(), shadow: split(), seed: 0, thresholdScope: 'global' });
    expect(perClass.accuracy).toBe(1);
    expect(global.accuracy).toBe(0.75);
    const logit = (p: number) => Math.log(p / (1 - p));
    // Midpoints between each class's member and non-member scores.
    expect(perClass.classThresholds?.[0]).toBeCloseTo((logit(0.95) + logit(0.9)) / 2, 12);
    expect(perClass.classThresholds?.[1]).toBeCloseTo((logit(0.7) + logit(0.6)) / 2, 12);
    expect(global.classThresholds).toBeUndefined();
    expect(perClass.calledMembers).toEqual({ truePositives: 2, falsePositives: 0 });
    // The ROC, and so AUC and TPR at FPR, do not depend on the thresholds.
    expect(perClass.auc).toBe(global.auc);
  });

  it('leaves the loss attack global, and falls back to the global threshold for a class with one side only', () => {
    const [loss] = evaluateAttacks({ attacks: ['loss'], target: split(), shadow: split(), seed: 0 });
    expect(loss.classThresholds).toBeUndefined();
    expect(chooseClassThresholds(Float64Array.from([3, 2, 1]), [1, 0, 1], [0, 0, 1], 3, 7)).toEqual([2.5, 7, 7]);
  });
});

describe('metricAttackRunner: one attack a call, for the pipeline to yield in between', () => {
  it('gives each attack exactly what evaluateAttacks gives it, in any order', () => {
    const rng = createRng(21, 'evaluate/runner');
    const input = { attacks: ATTACK_NAMES, target: overfitSplit(rng, 80), shadow: overfitSplit(rng, 60), seed: 4 };
    const together = evaluateAttacks(input);
    const run = metricAttackRunner(input);
    for (const name of [...ATTACK_NAMES].reverse()) expect(run(name)).toEqual(together[ATTACK_NAMES.indexOf(name)]);
  });

  it('checks its input once, up front, and refuses an attack it was not checked for', () => {
    const rng = createRng(22, 'evaluate/runner');
    const target = overfitSplit(rng, 20);
    // A threshold attack with no shadow fails when the runner is made, not at its turn.
    expect(() => metricAttackRunner({ attacks: ['random', 'loss'], target, seed: 1 })).toThrow();
    const run = metricAttackRunner({ attacks: ['random'], target, seed: 1 });
    expect(() => run('loss')).toThrow(/not one of the attacks/);
  });
});
