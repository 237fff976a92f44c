import { describe, expect, it } from 'vitest';
import { rmiaScores, type Population, type ReferenceOutputs } from '../../src/core/attacks/reference';
import { rmiaOnlineScores } from '../../src/core/attacks/rmia-online';
import { computeRoc, tprAtFpr } from '../../src/core/metrics/roc';
import { balancedMasks } from '../../src/core/models/references';
import { createRng, type Rng } from '../../src/core/random';

/** Two-class logits whose softmax gives p_0 = p exactly enough: [log p, log(1 − p)]. */
const rows = (ps: number[]) => Float32Array.from(ps.flatMap((p) => [Math.log(p), Math.log(1 - p)]));

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('rmiaOnlineScores', () => {
  // Record 0: target 0.8; A (IN) 0.6, B (OUT) 0.2 → Pr(x) = 0.4, ratio 2.
  // Record 1: target 0.3; A (OUT) 0.3, B (IN) 0.9 → Pr(x) = 0.6, ratio 0.5.
  // Population z0: target 0.5, both models 0.5 → ratio 1; z1: target 0.2, both 0.4 → ratio 0.5.
  const refs: ReferenceOutputs = {
    logits: [rows([0.6, 0.3]), rows([0.2, 0.9])],
    inMask: [Uint8Array.from([1, 0]), Uint8Array.from([0, 1])],
    labels: [0, 0],
    count: 2,
    numClasses: 2,
    queries: 1,
  };
  const target = { logits: rows([0.8, 0.3]) };
  const population: Population = { target: rows([0.5, 0.2]), references: [rows([0.5, 0.4]), rows([0.5, 0.4])], labels: [0, 0], count: 2 };

  it('counts the population records each record dominates by more than γ (hand-computed)', () => {
    // γ = 0.9: 2/0.9 beats both z; 0.5/0.9 ≈ 0.56 beats z1 (0.5) only.
    expect(Array.from(rmiaOnlineScores(target, refs, population, { gamma: 0.9 }))).toEqual([1, 0.5]);
    // γ = 2.5: 2/2.5 = 0.8 beats z1 only; 0.2 beats none.
    expect(Array.from(rmiaOnlineScores(target, refs, population, { gamma: 2.5 }))).toEqual([0.5, 0]);
  });

  it('refuses a record without an IN model, naming it', () => {
    const allOut = { ...refs, inMask: [Uint8Array.from([1, 0]), Uint8Array.from([1, 0])] };
    expect(() => rmiaOnlineScores(target, allOut, population, { gamma: 1 })).toThrow(/record 0 is IN for 2 of 2/);
  });

  it('beats offline RMIA at 1 % FPR on a LiRA-like setup (IN models shift the confidence)', () => {
    // Each record has its own difficulty d; OUT models give φ ~ N(d, 1), IN models N(d + 2, 1), and
    // the target trained on the first half. Offline RMIA must guess the IN side with a; online sees it.
    const rng = createRng(11, 'rmia-online-fixture');
    const count = 2000;
    const models = 8;
    const difficulty = Float64Array.from({ length: count }, () => 3 * gaussian(rng));
    const inMask = balancedMasks(count, models, rng);
    const logits = (phi: (i: number) => number, n: number) => {
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) out[2 * i] = phi(i);
      return out;
    };
    const member = Uint8Array.from({ length: count }, (_, i) => (i < count / 2 ? 1 : 0));
    const fixture: ReferenceOutputs = {
      logits: inMask.map((mask) => logits((i) => difficulty[i] + (mask[i] ? 2 : 0) + gaussian(rng), count)),
      inMask,
      labels: new Uint8Array(count),
      count,
      numClasses: 2,
      queries: 1,
    };
    const popCount = 1000;
    const popDifficulty = Float64Array.from({ length: popCount }, () => 3 * gaussian(rng));
    const pop: Population = {
      target: logits((j) => popDifficulty[j] + gaussian(rng), popCount),
      references: Array.from({ length: models }, () => logits((j) => popDifficulty[j] + gaussian(rng), popCount)),
      labels: new Uint8Array(popCount),
      count: popCount,
    };
    const targetLogits = { logits: logits((i) => difficulty[i] + (member[i] ? 2 : 0) + gaussian(rng), count) };
    const at1 = (scores: Float64Array) => tprAtFpr(computeRoc(scores, member), 0.01);
    const online = at1(rmiaOnlineScores(targetLogits, fixture, pop, { gamma: 1 }));
    const offline = at1(rmiaScores(targetLogits, fixture, pop, { a: 0.3, gamma: 1 }));
    expect(online).toBeGreaterThanOrEqual(offline);
    expect(online).toBeGreaterThan(0.02);
  });
});
