import { describe, expect, it } from 'vitest';
import {
  leaveOneOut,
  liraOfflineScores,
  liraOnlineScores,
  logitScaledConfidence,
  logitsOfReleased,
  RELEASED_FLOOR,
  rmiaScores,
  similarityScores,
  type ReferenceOutputs,
} from '../../src/core/attacks/reference';
import { logSoftmaxOf, softmaxOf, softmaxRows } from '../../src/core/math/softmax';
import { computeAuc, computeRoc } from '../../src/core/metrics/roc';
import { balancedMasks } from '../../src/core/models/references';
import { createRng, type Rng } from '../../src/core/random';

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Two-class logits [φ, 0] with label 0, so φ is exactly the logit-scaled confidence. Each record
 * has its own difficulty d: OUT models give φ ~ N(d, 1), IN models N(d + 3, 1).
 */
function fixture(seed: number, count = 200, models = 16) {
  const rng = createRng(seed, 'reference-fixture');
  const difficulty = Float64Array.from({ length: count }, () => 4 * gaussian(rng));
  const inMask = balancedMasks(count, models, rng);
  const logitsOf = (phi: (i: number) => number) => {
    const logits = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) logits[2 * i] = phi(i);
    return logits;
  };
  const refs: ReferenceOutputs = {
    logits: inMask.map((mask) => logitsOf((i) => difficulty[i] + (mask[i] ? 3 : 0) + gaussian(rng))),
    inMask,
    labels: new Uint8Array(count),
    count,
    numClasses: 2,
    queries: 1,
  };
  // The target trained on the first half of the records.
  const member = Uint8Array.from({ length: count }, (_, i) => (i < count / 2 ? 1 : 0));
  const target = { logits: logitsOf((i) => difficulty[i] + (member[i] ? 3 : 0) + gaussian(rng)) };
  return { refs, target, member, difficulty };
}

const auc = (scores: Float64Array, member: Uint8Array) => computeAuc(computeRoc(scores, member));

describe('balancedMasks', () => {
  it('puts every record IN for exactly half of the models, reproducibly', () => {
    const masks = balancedMasks(300, 8, createRng(1, 'masks'));
    for (let i = 0; i < 300; i++) expect(masks.reduce((n, m) => n + m[i], 0)).toBe(4);
    expect(balancedMasks(300, 8, createRng(1, 'masks'))).toEqual(masks);
    expect(balancedMasks(300, 8, createRng(2, 'masks'))).not.toEqual(masks);
  });
});

describe('logitScaledConfidence', () => {
  it('is log(p/(1 − p)) and stays finite where p rounds to 1', () => {
    const logits = Float32Array.from([2, 0, -1, 50, 0, 0]);
    const phi = logitScaledConfidence(logits, [0, 0], 2, 3);
    const p = Math.exp(2) / (Math.exp(2) + 1 + Math.exp(-1));
    expect(phi[0]).toBeCloseTo(Math.log(p / (1 - p)), 12);
    expect(phi[1]).toBeCloseTo(50 - Math.log(2), 10);
  });
});

describe('the signal memos', () => {
  it('read labels by content: the same labels in a new array reuse the figures, other labels do not', () => {
    const logits = Float32Array.from([2, 0, -1, 0.5, 1, 0]);
    const first = logitScaledConfidence(logits, Uint8Array.from([0, 1]), 2, 3);
    expect(logitScaledConfidence(logits, Uint8Array.from([0, 1]), 2, 3)).toBe(first);
    const other = logitScaledConfidence(logits, Uint8Array.from([1, 1]), 2, 3);
    const p = Math.exp(0) / (Math.exp(2) + Math.exp(0) + Math.exp(-1));
    expect(other[0]).toBeCloseTo(Math.log(p / (1 - p)), 12);
    expect(other[1]).toBe(first[1]);
  });

  it('give a reference set rebuilt around the same arrays the same scores as the first', () => {
    const { refs, target } = fixture(9, 60, 8);
    const first = liraOnlineScores(target, refs, { fixedVariance: false });
    const rebuilt = { ...refs, labels: Uint8Array.from(refs.labels as Uint8Array), inMask: refs.inMask.map((m) => Uint8Array.from(m)) };
    expect(liraOnlineScores(target, rebuilt, { fixedVariance: false })).toEqual(first);
    expect(leaveOneOut(rebuilt, 2)).toBe(leaveOneOut(refs, 2));
    // A changed mask is another set: its fits differ.
    const changed = { ...rebuilt, inMask: rebuilt.inMask.map((m, k) => (k === 0 ? Uint8Array.from(m, (v) => 1 - v) : m)) };
    expect(liraOnlineScores(target, changed, { fixedVariance: false })).not.toEqual(first);
  });
});

describe('reference attacks', () => {
  it('separate members when per-record difficulty hides them from a global threshold', () => {
    const { refs, target, member } = fixture(3);
    const raw = logitScaledConfidence(target.logits, refs.labels, refs.count, 2);
    const online = liraOnlineScores(target, refs, { fixedVariance: false });
    const offline = liraOfflineScores(target, refs, { fixedVariance: true });
    const similarity = similarityScores(target, refs);
    // The raw confidence (what the loss attack sees) is swamped by the difficulty spread.
    expect(auc(raw, member)).toBeLessThan(0.75);
    expect(auc(online, member)).toBeGreaterThan(0.9);
    expect(auc(offline, member)).toBeGreaterThan(0.85);
    expect(auc(similarity, member)).toBeGreaterThan(0.85);
  });

  it('runs offline LiRA and RMIA with no IN model at all; online LiRA refuses', () => {
    const { refs, target, member } = fixture(4);
    const outOnly: ReferenceOutputs = {
      ...refs,
      logits: refs.logits.filter((_, m) => m % 2 === 0).map((l, k) => {
        // Replace IN outputs by OUT-like ones: these models never saw any record.
        const out = new Float32Array(l);
        refs.inMask[2 * k].forEach((m, i) => (out[2 * i] -= m ? 3 : 0));
        return out;
      }),
      inMask: refs.inMask.filter((_, m) => m % 2 === 0).map((mask) => new Uint8Array(mask.length)),
    };
    expect(auc(liraOfflineScores(target, outOnly, { fixedVariance: true }), member)).toBeGreaterThan(0.85);
    const population = { target: target.logits.slice(0, 40), references: outOnly.logits.map((l) => l.slice(0, 40)), labels: new Uint8Array(20), count: 20 };
    // Offline RMIA separates too (its exact values are checked by hand below).
    expect(auc(rmiaScores(target, outOnly, population, { a: 0.3, gamma: 1 }), member)).toBeGreaterThan(0.6);
    expect(() => liraOnlineScores(target, outOnly, { fixedVariance: true })).toThrow(/needs both IN and OUT models/);
  });

  it('leave-one-out hands back the held model as target', () => {
    const { refs } = fixture(5);
    const held = leaveOneOut(refs, 2);
    expect(held.target.logits).toBe(refs.logits[2]);
    expect(held.members).toBe(refs.inMask[2]);
    expect(held.refs.logits).toHaveLength(15);
    expect(held.refs.logits.includes(refs.logits[2])).toBe(false);
  });

  it('scores RMIA as the fraction of the population x dominates', () => {
    // One record whose target probability is high against references, population of 4 below it.
    const refs: ReferenceOutputs = {
      logits: [Float32Array.from([0, 0])],
      inMask: [new Uint8Array(1)],
      labels: [0],
      count: 1,
      numClasses: 2,
      queries: 1,
    };
    const target = { logits: Float32Array.from([3, 0]) };
    const population = {
      target: Float32Array.from([0, 0, -1, 0, 1, 0, 5, 0]),
      references: [new Float32Array(8)],
      labels: [0, 0, 0, 0],
      count: 4,
    };
    // p_θ(x) = σ(3) ≈ 0.953 vs the population's σ(0), σ(−1), σ(1), σ(5): x beats three of four.
    expect(rmiaScores(target, refs, population, { a: 0, gamma: 1 })[0]).toBe(0.75);
    // A large γ demands more than a tie-breaking edge.
    expect(rmiaScores(target, refs, population, { a: 0, gamma: 3 })[0]).toBe(0.25);
  });
});

/** Two-class logits [φ, 0] with label 0 for each value, so φ is exactly the logit-scaled confidence. */
const phiLogits = (phis: readonly number[]) => Float32Array.from(phis.flatMap((phi) => [phi, 0]));

describe('exact values, computed by hand', () => {
  it('RMIA with a ≠ 0 and unequal reference probabilities (Zarifzadeh et al., arXiv:2312.03262)', () => {
    // x: two OUT models with p = 0.5 and 0.75 (mean 0.625); the target gives 0.8.
    //   a = 0.5: Pr(x) = ½(1.5·0.625 + 0.5) = 0.71875, ratio 0.8/0.71875 = 1.11304
    //   a = 0:   Pr(x) = ½(0.625 + 1) = 0.8125,       ratio 0.98462
    // Population z (references' p, target's p):
    //   z1 (0.5, 0.5 → 0.5):  a = 0.5: Pr 0.625,   ratio 0.8;      a = 0: Pr 0.75,   ratio 0.66667
    //   z2 (0.9, 0.9 → 0.9):  a = 0.5: Pr 0.925,   ratio 0.97297;  a = 0: Pr 0.95,   ratio 0.94737
    //   z3 (0.5, 0.75 → 0.95): a = 0.5: Pr 0.71875, ratio 1.32174; a = 0: Pr 0.8125, ratio 1.16923
    // LR(x, z) = ratio_x/ratio_z: a = 0.5 → 1.391, 1.144, 0.842;  a = 0 → 1.477, 1.039, 0.842.
    const refs: ReferenceOutputs = {
      logits: [phiLogits([0]), phiLogits([Math.log(3)])],
      inMask: [new Uint8Array(1), new Uint8Array(1)],
      labels: [0],
      count: 1,
      numClasses: 2,
      queries: 1,
    };
    const target = { logits: phiLogits([Math.log(4)]) };
    const population = {
      target: phiLogits([0, Math.log(9), Math.log(19)]),
      references: [phiLogits([0, Math.log(9), 0]), phiLogits([0, Math.log(9), Math.log(3)])],
      labels: [0, 0, 0],
      count: 3,
    };
    const score = (a: number, gamma: number) => rmiaScores(target, refs, population, { a, gamma })[0];
    expect(score(0.5, 1)).toBeCloseTo(2 / 3, 15); // beats z1, z2
    expect(score(0.5, 1.2)).toBeCloseTo(1 / 3, 15); // only z1
    expect(score(0.5, 1.5)).toBe(0);
    // γ = 1.04 tells a apart: 1.144 > 1.04 with a = 0.5, but 1.039 < 1.04 with a = 0.
    expect(score(0.5, 1.04)).toBeCloseTo(2 / 3, 15);
    expect(score(0, 1.04)).toBeCloseTo(1 / 3, 15);
  });

  it('offline LiRA is one-sided: far below the OUT Gaussian scores low, not high (Carlini et al., arXiv:2112.03570)', () => {
    // Two records, two OUT models with φ = 0 and 2: μ_out = 1, σ²_out = 2 (per record).
    const refs: ReferenceOutputs = {
      logits: [phiLogits([0, 0]), phiLogits([2, 2])],
      inMask: [new Uint8Array(2), new Uint8Array(2)],
      labels: [0, 0],
      count: 2,
      numClasses: 2,
      queries: 1,
    };
    const root2 = Math.SQRT2;
    const target = { logits: phiLogits([1 + 3 * root2, 1 - 3 * root2]) };
    const scores = liraOfflineScores(target, refs, { fixedVariance: false });
    // (φ − μ)/σ = +3 and −3: a two-sided test would score both |3|.
    expect(scores[0]).toBeCloseTo(3, 5);
    expect(scores[1]).toBeCloseTo(-3, 5);
  });

  it('per-record LiRA falls back to the pooled variance where a side has fewer than two models', () => {
    // Three models, two records. Record 0: IN for model 0 (φ 5), OUT for 1, 2 (φ 0, 2: μ 1, σ² 2).
    // Record 1: IN for 1, 2 (φ 4, 6: μ 5, σ² 2), OUT for model 0 (φ 1): one model, so its σ² is the
    // pooled OUT variance 2 (not 0, floored to 1e−8), and record 0's IN σ² the pooled IN variance 2.
    const refs: ReferenceOutputs = {
      logits: [phiLogits([5, 1]), phiLogits([0, 4]), phiLogits([2, 6])],
      inMask: [Uint8Array.of(1, 0), Uint8Array.of(0, 1), Uint8Array.of(0, 1)],
      labels: [0, 0],
      count: 2,
      numClasses: 2,
      queries: 1,
    };
    const target = { logits: phiLogits([5, 1]) };
    // log N(5; 5, 2) − log N(5; 1, 2) = 16/4 = 4;  log N(1; 5, 2) − log N(1; 1, 2) = −4.
    const scores = liraOnlineScores(target, refs, { fixedVariance: false });
    expect(scores[0]).toBeCloseTo(4, 10);
    expect(scores[1]).toBeCloseTo(-4, 10);
  });
});

describe('logitsOfReleased', () => {
  /** Released rows of 4 classes, 2 queries × 3 records: rounded ones with zeros, and a row that is all one class. */
  const probabilities = Float64Array.from([
    0.7, 0.2, 0.1, 0, /**/ 1, 0, 0, 0, /**/ 0.25, 0.25, 0.25, 0.25,
    0.5, 0.5, 0, 0, /**/ 0.01, 0.02, 0.03, 0.94, /**/ 0, 0, 0, 1,
  ]);
  const labels = Uint8Array.from([0, 1, 3]);

  it('makes the log of each released probability, floored, as float32 logits', () => {
    const logits = logitsOfReleased(probabilities, labels, 3, 4);
    expect(Array.from(logits)).toEqual(Array.from(probabilities, (p) => Math.fround(Math.log(Math.max(p, RELEASED_FLOOR)))));
  });

  it('records the softmax, log-softmax, φ and p_y that the float32 logits give, to float32 precision', () => {
    const logits = logitsOfReleased(probabilities, labels, 3, 4);
    // A copy carries no record: everything is derived from its float32 logs, the old way.
    const copy = Float32Array.from(logits);
    const near = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number) =>
      Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(b[i]))));
    expect(softmaxOf(logits, 4)).not.toBe(softmaxOf(copy, 4));
    near(softmaxOf(logits, 4), softmaxRows(copy, 6, 4), 1e-6);
    near(logSoftmaxOf(logits, 4), logSoftmaxOf(copy, 4), 1e-6);
    for (const query of [0, 1]) near(logitScaledConfidence(logits, labels, 3, 4, query), logitScaledConfidence(copy, labels, 3, 4, query), 1e-6);
    // Exact values: record 1 of query 0 is all class 0 with label 1, so p_y is the floor over (1 + 3 floors).
    const phi = logitScaledConfidence(logits, labels, 3, 4, 0);
    expect(phi[0]).toBeCloseTo(Math.log(0.7 / (0.3 + RELEASED_FLOOR)), 12);
    expect(phi[1]).toBeCloseTo(Math.log(RELEASED_FLOOR / (1 + 2 * RELEASED_FLOOR)), 12);
    expect(logitScaledConfidence(logits, labels, 3, 4, 1)[2]).toBeCloseTo(Math.log(1 / (3 * RELEASED_FLOOR)), 12);
  });

  it('records the softmax as the floored probabilities over their row total, to the last bit', () => {
    const softmax = softmaxOf(logitsOfReleased(probabilities, labels, 3, 4), 4);
    const floored = Array.from(probabilities, (p) => Math.max(p, RELEASED_FLOOR));
    const expected = floored.map((p, i) => {
      const row = floored.slice(i - (i % 4), i - (i % 4) + 4);
      return p / (row[0] + row[1] + row[2] + row[3]);
    });
    expect(Array.from(softmax)).toEqual(expected);
  });

  it('refuses rows that are not whole queries of the records', () => {
    expect(() => logitsOfReleased(probabilities.subarray(0, 16), labels, 3, 4)).toThrow(/not a whole number of queries of 3 records/);
  });
});
