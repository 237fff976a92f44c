import { describe, expect, it } from 'vitest';
import { ATTACK_NAMES, ATTACKS, METRIC_ATTACK_NAMES, getAttack, isAttackName, type MetricAttack } from '../../src/core/attacks/registry';
import type { Predictions } from '../../src/core/attacks/signals';
import { computeAuc, computeRoc } from '../../src/core/metrics/roc';
import { createRng } from '../../src/core/random';
import { overfitSplit, predictionsFromRows, predictionsWithTrueProbability } from './prediction-fixtures';

/** AUC of `scores(members)` against `scores(nonMembers)`, members positive. */
function aucOf(memberScores: Float64Array, nonMemberScores: Float64Array): number {
  const scores = new Float64Array(memberScores.length + nonMemberScores.length);
  scores.set(memberScores);
  scores.set(nonMemberScores, memberScores.length);
  const mask = new Uint8Array(scores.length).fill(1, 0, memberScores.length);
  return computeAuc(computeRoc(scores, mask));
}

const SIGNAL_ATTACKS = METRIC_ATTACK_NAMES.filter((name) => name !== 'random');
const metric = (name: (typeof METRIC_ATTACK_NAMES)[number]) => ATTACKS[name] as MetricAttack;

describe('the attack registry', () => {
  it('has one entry per name, keyed by its own name', () => {
    expect(Object.keys(ATTACKS).sort()).toEqual([...ATTACK_NAMES].sort());
    for (const name of ATTACK_NAMES) expect(ATTACKS[name].name).toBe(name);
  });

  it('gives every attack a label, an explanation and arXiv references that the explanation cites', () => {
    for (const name of ATTACK_NAMES) {
      const attack = ATTACKS[name];
      expect(attack.label.length, name).toBeGreaterThan(0);
      expect(attack.explanation.length, name).toBeGreaterThan(80);
      for (const reference of attack.references) {
        expect(reference, name).toMatch(/^\d{4}\.\d{4,5}$/);
        expect(attack.explanation, name).toContain(`arXiv:${reference}`);
      }
    }
  });

  it('marks random and correctness as baselines with a fixed 0.5 threshold, the rest as threshold attacks', () => {
    expect(ATTACKS.random).toMatchObject({ kind: 'baseline', fixedThreshold: 0.5 });
    expect(ATTACKS.correctness).toMatchObject({ kind: 'baseline', fixedThreshold: 0.5 });
    for (const name of ['loss', 'confidence', 'entropy', 'modified-entropy'] as const) {
      expect(ATTACKS[name].kind, name).toBe('threshold');
    }
    expect(ATTACKS.ml.kind).toBe('model');
    for (const name of ['lira-online', 'lira-offline', 'rmia', 'similarity'] as const) expect(ATTACKS[name].kind, name).toBe('reference');
  });

  it('looks attacks up by name and refuses unknown names, listing the known ones', () => {
    expect(getAttack('loss')).toBe(ATTACKS.loss);
    expect(isAttackName('modified-entropy')).toBe(true);
    expect(isAttackName('Loss')).toBe(false);
    expect(isAttackName(3)).toBe(false);
    expect(() => getAttack('lira')).toThrow(/unknown attack "lira"; known attacks: random, correctness, loss/);
    expect(() => getAttack('toString')).toThrow(RangeError);
  });
});

describe('score convention: higher = more likely a member', () => {
  const rng = createRng(1, 'registry/convention');

  it('scores a confident right answer above a hesitant one, for every signal attack', () => {
    // Record 0: p_y = .9 and right; record 1: p_y = .3 and wrong (argmax is class 1).
    const predictions = predictionsFromRows(
      [
        [0.9, 0.05, 0.05],
        [0.3, 0.6, 0.1],
      ],
      [0, 0],
    );
    for (const name of SIGNAL_ATTACKS) {
      const scores = metric(name).score(predictions, rng);
      expect(scores[0], name).toBeGreaterThan(scores[1]);
    }
  });

  it('gives AUC well above 0.5 for every signal attack when members have lower loss', () => {
    const split = overfitSplit(createRng(2, 'registry/overfit'), 400);
    for (const name of SIGNAL_ATTACKS) {
      const attack = metric(name);
      const auc = aucOf(attack.score(split.members, rng), attack.score(split.nonMembers, rng));
      // Correctness sees only right/wrong (most non-members here are still right), so its margin is
      // the smallest: its AUC is (1 + g)/2 with g ≈ 0.19 on this fixture.
      expect(auc, name).toBeGreaterThan(name === 'correctness' ? 0.55 : 0.7);
    }
  });

  it('gives AUC exactly 1 for the loss attack when every member has a lower loss', () => {
    const members = predictionsWithTrueProbability(createRng(3, 'm'), 50, 4, 0.8, 1);
    const nonMembers = predictionsWithTrueProbability(createRng(3, 'n'), 50, 4, 0.1, 0.79);
    expect(aucOf(metric('loss').score(members, rng), metric('loss').score(nonMembers, rng))).toBe(1);
  });

  it('gives a certain right answer a score of +0, not −0, where the score is a negated signal', () => {
    const certain = predictionsFromRows([[1, 0]], [0]);
    for (const name of ['loss', 'entropy', 'modified-entropy'] as const) {
      expect(Object.is(metric(name).score(certain, rng)[0], 0), name).toBe(true);
    }
  });

  it('keeps scores finite on one-hot and exact-zero outputs', () => {
    const degenerate = predictionsFromRows(
      [
        [1, 0, 0],
        [1, 0, 0],
        [0, 0.5, 0.5],
      ],
      [0, 2, 0],
    );
    for (const name of METRIC_ATTACK_NAMES) {
      for (const score of metric(name).score(degenerate, rng)) expect(Number.isFinite(score), name).toBe(true);
    }
  });

  it('validates predictions in every attack, the random one included', () => {
    const bad: Predictions = { probabilities: Float64Array.from([0.5, NaN]), labels: [0], count: 1, numClasses: 2 };
    for (const name of METRIC_ATTACK_NAMES) expect(() => metric(name).score(bad, rng), name).toThrow(RangeError);
  });
});

describe('the random attack', () => {
  const predictions = predictionsWithTrueProbability(createRng(4, 'random/fixture'), 1000, 3, 0, 1);

  it('is reproducible per seed and differs between seeds', () => {
    const a = metric('random').score(predictions, createRng(11, 'attack/random'));
    const b = metric('random').score(predictions, createRng(11, 'attack/random'));
    const c = metric('random').score(predictions, createRng(12, 'attack/random'));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('draws one uniform score in [0, 1) per record, ignoring the predictions', () => {
    const scores = metric('random').score(predictions, createRng(5));
    expect(scores.length).toBe(1000);
    for (const score of scores) expect(score >= 0 && score < 1).toBe(true);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(mean).toBeCloseTo(0.5, 1);
  });

  it('has AUC ≈ 0.5 on a large sample, even against a badly overfit model', () => {
    // 10 000 members and 10 000 non-members: the AUC's standard error is about 0.004.
    const split = overfitSplit(createRng(6, 'random/overfit'), 10_000, 4);
    const rng = createRng(6, 'attack/random');
    const auc = aucOf(metric('random').score(split.members, rng), metric('random').score(split.nonMembers, rng));
    expect(Math.abs(auc - 0.5)).toBeLessThan(0.02);
  });
});
