import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentBatch, drawAugmentation } from '../../src/core/defenses/augmentation';
import {
  clipByGlobalNorm,
  clippedGradient,
  globalNorm,
  poissonStepsInEpoch,
  privateGradients,
  samplePoissonBatch,
  shuffledBatches,
} from '../../src/core/defenses/dp-sgd';
import { dpSgdAccounting } from '../../src/core/defenses/accounting';
import { SeededDropout } from '../../src/core/defenses/dropout';
import { BestWeights, selectRecords, validationSlice } from '../../src/core/defenses/early-stopping';
import { kernelVariables, l2Penalty } from '../../src/core/defenses/l2';
import { drawMixup, mixBatch } from '../../src/core/defenses/mixup';
import { beta } from '../../src/core/defenses/sampling';
import { ARCHITECTURES } from '../../src/core/models/architectures';
import { dpSgdSteps } from '../../src/core/privacy/dp-sgd';
import { createRng } from '../../src/core/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SETTINGS = { clipNorm: 1, noiseMultiplier: 0, microbatchSize: 1, sampling: 'poisson' as const };

/** A tiny MLP on 4×4 inputs and a seeded batch, for gradient tests. */
function tinySetup(count = 6) {
  const model = ARCHITECTURES.mlp.build([4, 4, 1], 3, 7);
  const rng = createRng(2, 'inputs');
  const xs = tf.tensor4d(Float32Array.from({ length: count * 16 }, () => rng.next() * 4), [count, 4, 4, 1]);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: count }, (_, i) => i % 3), 'int32'), 3).toFloat() as tf.Tensor2D);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lossOf = (positions: Int32Array) =>
    tf.tidy(() => {
      const idx = tf.tensor1d(positions, 'int32');
      const logits = model.apply(tf.gather(xs, idx), { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(tf.gather(targets, idx), logits) as tf.Scalar;
    });
  const dispose = () => {
    model.dispose();
    xs.dispose();
    targets.dispose();
  };
  return { model, variables, lossOf, dispose };
}

describe('DP-SGD clipping', () => {
  it('scales a gradient to norm C only when it is longer (hand-computed)', () => {
    const grads = [tf.tensor1d([3]), tf.tensor1d([4])];
    const clipped = clipByGlobalNorm(grads, 1);
    expect(clipped.map((g) => g.dataSync()[0])).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    const kept = clipByGlobalNorm(grads, 10);
    expect(kept.map((g) => g.dataSync()[0])).toEqual([3, 4]);
    tf.dispose([...grads, ...clipped, ...kept]);
  });

  it('clips every per-example gradient to norm ≤ C, leaving no tensor behind', () => {
    const setup = tinySetup();
    const before = tf.memory().numTensors;
    for (const clipNorm of [0.01, 0.5, 1e6]) {
      for (let i = 0; i < 6; i++) {
        const loss = () => setup.lossOf(Int32Array.of(i));
        const clipped = clippedGradient(setup.variables, loss, clipNorm);
        const raw = clippedGradient(setup.variables, loss, 1e12);
        const norm = tf.tidy(() => globalNorm(clipped).dataSync()[0]);
        const rawNorm = tf.tidy(() => globalNorm(raw).dataSync()[0]);
        expect(norm).toBeLessThanOrEqual(clipNorm * (1 + 1e-5));
        expect(norm).toBeCloseTo(Math.min(rawNorm, clipNorm), 4);
        tf.dispose([...clipped, ...raw]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    setup.dispose();
  });

  it('with σ = 0 and a huge C, averages to the plain batch gradient', () => {
    const setup = tinySetup();
    const batch = { microbatches: Array.from({ length: 6 }, (_, i) => Int32Array.of(i)), divisor: 6 };
    const before = tf.memory().numTensors;
    const privateGrads = privateGradients(setup.variables, batch, setup.lossOf, { ...SETTINGS, clipNorm: 1e9 }, createRng(1, 'noise'));
    const { grads, value } = tf.variableGrads(() => setup.lossOf(Int32Array.from([0, 1, 2, 3, 4, 5])), setup.variables);
    setup.variables.forEach((v, i) => {
      const a = privateGrads[i].dataSync();
      const b = grads[v.name].dataSync();
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j], 5);
    });
    tf.dispose([...privateGrads, ...Object.values(grads), value]);
    expect(tf.memory().numTensors).toBe(before);
    setup.dispose();
  });

  it('adds seeded noise of standard deviation σ·C divided by the batch size', () => {
    const setup = tinySetup();
    const empty = { microbatches: [], divisor: 4 };
    const settings = { ...SETTINGS, clipNorm: 2, noiseMultiplier: 3 };
    const a = privateGradients(setup.variables, empty, setup.lossOf, settings, createRng(1, 'noise'));
    const b = privateGradients(setup.variables, empty, setup.lossOf, settings, createRng(1, 'noise'));
    const values = Array.from(a[0].dataSync()); // the first kernel: 16 × 128 draws
    expect(values).toEqual(Array.from(b[0].dataSync()));
    const sd = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(sd).toBeGreaterThan(1.5 * 0.9);
    expect(sd).toBeLessThan(1.5 * 1.1); // σ·C / divisor = 3·2/4
    tf.dispose([...a, ...b]);
    setup.dispose();
  });
});

describe('DP-SGD sampling and accounting', () => {
  it('runs exactly the steps the accountant counts under Poisson sampling', () => {
    for (const [n, b, epochs] of [[500, 32, 3], [60_000, 256, 60], [100, 100, 2], [7, 3, 5]]) {
      let steps = 0;
      for (let e = 1; e <= epochs; e++) steps += poissonStepsInEpoch(e, n, b);
      expect(steps).toBe(dpSgdSteps({ datasetSize: n, batchSize: b, epochs, delta: 1e-5 }).steps);
    }
  });

  it('samples each record with probability B/N', () => {
    const rng = createRng(4, 'sampling');
    let total = 0;
    for (let s = 0; s < 200; s++) {
      const batch = samplePoissonBatch(1000, 50, 1, rng);
      expect(batch.divisor).toBe(50);
      batch.microbatches.forEach((m) => expect(m).toHaveLength(1));
      total += batch.microbatches.length;
    }
    expect(total / 200).toBeGreaterThan(47);
    expect(total / 200).toBeLessThan(53);
    const grouped = samplePoissonBatch(1000, 50, 8, rng);
    expect(grouped.divisor).toBe(7);
    expect(grouped.microbatches.length).toBeLessThanOrEqual(7);
  });

  it('varies the batch size with the binomial spread, not only around the right mean', () => {
    // Poisson sampling at q = 50/1000: |batch| ~ Binomial(1000, 0.05), mean 50, variance 47.5. The
    // sample variance of 400 draws has a standard error of about 47.5·√(2/399) ≈ 3.4; a fixed batch
    // of 50 would give 0, sampling without replacement a variance of 0 too.
    const rng = createRng(6, 'sampling/spread');
    const sizes = Array.from({ length: 400 }, () => samplePoissonBatch(1000, 50, 1, rng).microbatches.length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const variance = sizes.reduce((s, x) => s + (x - mean) ** 2, 0) / (sizes.length - 1);
    expect(mean).toBeGreaterThan(49);
    expect(mean).toBeLessThan(51);
    expect(variance).toBeGreaterThan(47.5 - 4 * 3.4);
    expect(variance).toBeLessThan(47.5 + 4 * 3.4);
    // Every record is as likely as any other: the first and the last hundred records are sampled alike.
    const hits = new Float64Array(1000);
    for (let s = 0; s < 400; s++) samplePoissonBatch(1000, 50, 1, rng).microbatches.forEach((m) => hits[m[0]]++);
    const share = (from: number) => hits.subarray(from, from + 100).reduce((a, b) => a + b, 0) / 400 / 100;
    expect(share(0)).toBeCloseTo(0.05, 2);
    expect(share(900)).toBeCloseTo(0.05, 2);
  });

  it('cuts shuffled batches into consecutive microbatches', () => {
    const batches = shuffledBatches(Int32Array.from([5, 4, 3, 2, 1, 0, 6]), 4, 2);
    expect(batches.map((b) => b.microbatches.map((m) => Array.from(m)))).toEqual([[[5, 4], [3, 2]], [[1, 0], [6]]]);
    expect(batches.map((b) => b.divisor)).toEqual([2, 2]);
  });

  it('halves the effective noise multiplier when microbatches hold more than one record', () => {
    const one = dpSgdAccounting({ clipNorm: 1.5, noiseMultiplier: 1.1, microbatchSize: 1, sampling: 'poisson' }, 1000, 64, 160, 10);
    expect(one).toMatchObject({ datasetSize: 1000, batchSize: 64, epochs: 10, steps: 160, sensitivity: 1.5, effectiveNoiseMultiplier: 1.1, samplingMatchesAccountant: true });
    const many = dpSgdAccounting({ clipNorm: 1.5, noiseMultiplier: 1.1, microbatchSize: 4, sampling: 'shuffle' }, 1000, 64, 160, 10);
    expect(many).toMatchObject({ sensitivity: 3, effectiveNoiseMultiplier: 0.55, epochs: 10.24, samplingMatchesAccountant: false });
  });
});

describe('mixup', () => {
  it('draws λ ~ Beta(α, α) in [0, 1] with mean ½', () => {
    const rng = createRng(1, 'beta');
    const draws = Array.from({ length: 4000 }, () => beta(0.4, 0.4, rng));
    draws.forEach((l) => expect(l >= 0 && l <= 1).toBe(true));
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.5, 1);
    // Var of Beta(α, α) is 1/(4(2α + 1)) = 0.1389 at α = 0.4.
    const variance = draws.reduce((s, l) => s + (l - 0.5) ** 2, 0) / draws.length;
    expect(variance).toBeCloseTo(1 / (4 * 1.8), 1);
  });

  it('mixes images and soft targets that sum to 1, leaving no tensor behind', () => {
    const before = tf.memory().numTensors;
    const xs = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], [3, 2, 2, 1]);
    const targets = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 4).toFloat() as tf.Tensor2D);
    const plan = drawMixup(3, 1, createRng(5, 'mixup'));
    const mixed = mixBatch(xs, targets, plan);
    const t = mixed.targets.arraySync();
    const x = mixed.xs.arraySync();
    for (let i = 0; i < 3; i++) {
      expect(t[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const l = plan.lambdas[i];
      const j = plan.partners[i];
      expect(x[i][0][0][0]).toBeCloseTo(l * i + (1 - l) * j, 5);
    }
    tf.dispose([xs, targets, mixed.xs, mixed.targets]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('augmentation', () => {
  it('shifts with zero fill and flips exactly as planned (hand-computed 3×3)', () => {
    const xs = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 3, 1]);
    const plan = { dx: Int32Array.of(1, 0), dy: Int32Array.of(-1, 0), flip: Uint8Array.of(0, 1) };
    const out = augmentBatch(xs, plan);
    expect(Array.from(out.dataSync())).toEqual([0, 4, 5, 0, 7, 8, 0, 0, 0, 3, 2, 1, 6, 5, 4, 9, 8, 7]);
    tf.dispose([xs, out]);
  });

  it('draws shifts within ±s and no flips unless asked', () => {
    const plan = drawAugmentation(500, 2, false, createRng(1, 'aug'));
    expect(Math.max(...plan.dx.map(Math.abs), ...plan.dy.map(Math.abs))).toBe(2);
    expect(plan.flip.every((f) => f === 0)).toBe(true);
    expect(drawAugmentation(500, 2, true, createRng(1, 'aug')).flip.some((f) => f === 1)).toBe(true);
  });
});

describe('dropout through the architecture builder', () => {
  it('keeps the initial weights, draws fresh seeded masks in training and is the identity in prediction', () => {
    const plain = ARCHITECTURES.mlp.build([4, 4, 1], 3, 9);
    const withDropout = ARCHITECTURES.mlp.build([4, 4, 1], 3, 9, { dropoutRate: 0.5 });
    const again = ARCHITECTURES.mlp.build([4, 4, 1], 3, 9, { dropoutRate: 0.5 });
    expect(withDropout.layers.some((l) => l instanceof SeededDropout)).toBe(true);
    expect(Array.from(withDropout.getWeights()[0].dataSync())).toEqual(Array.from(plain.getWeights()[0].dataSync()));
    const x = tf.ones([2, 4, 4, 1]);
    const run = (m: tf.LayersModel, training: boolean) => tf.tidy(() => Array.from((m.apply(x, { training }) as tf.Tensor).dataSync()));
    const first = run(withDropout, true);
    const second = run(withDropout, true);
    expect(first).not.toEqual(second);
    expect(run(again, true)).toEqual(first);
    expect(run(withDropout, false)).toEqual(run(plain, false));
    const before = tf.memory().numTensors;
    run(withDropout, true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x]);
    [plain, withDropout, again].forEach((m) => m.dispose());
  });
});

describe('L2 penalty', () => {
  it('sums λ·‖W‖² over kernels only', () => {
    const model = ARCHITECTURES.mlp.build([4, 4, 1], 3, 9);
    const kernels = kernelVariables(model);
    expect(kernels).toHaveLength(2);
    const expected = kernels.reduce((s, k) => s + Array.from(k.dataSync()).reduce((a, v) => a + v * v, 0), 0);
    const penalty = l2Penalty(kernels, 0.01);
    expect(penalty.dataSync()[0]).toBeCloseTo(0.01 * expected, 5);
    penalty.dispose();
    model.dispose();
  });
});

describe('early-stopping helpers', () => {
  it('carves a seeded, disjoint validation slice', () => {
    const split = validationSlice(50, 0.2, 3);
    expect(split.validation).toHaveLength(10);
    expect(split.train).toHaveLength(40);
    expect(new Set([...split.train, ...split.validation]).size).toBe(50);
    expect(Array.from(validationSlice(50, 0.2, 3).validation)).toEqual(Array.from(split.validation));
    expect(Array.from(split.validation)).toEqual([...split.validation].sort((a, b) => a - b));
  });

  it('selects records from predictions', () => {
    const p = { probabilities: Float64Array.of(1, 0, 0, 1, 0.5, 0.5), labels: Uint8Array.of(0, 1, 1), count: 3, numClasses: 2 };
    expect(selectRecords(p, [2, 0])).toEqual({ probabilities: Float64Array.of(0.5, 0.5, 1, 0), labels: Uint8Array.of(1, 0), count: 2, numClasses: 2 });
  });

  it('keeps the best weights and signals a stop after `patience` epochs without improvement', () => {
    const model = ARCHITECTURES.mlp.build([4, 4, 1], 3, 9);
    const best = new BestWeights(2);
    const original = Array.from(model.getWeights()[0].dataSync());
    expect(best.update(model, 1, 1.0)).toBe(false);
    model.setWeights(model.getWeights().map((w) => tf.zerosLike(w)));
    expect(best.update(model, 2, 1.5)).toBe(false);
    expect(best.update(model, 3, 1.2)).toBe(true);
    best.restore(model);
    expect(Array.from(model.getWeights()[0].dataSync())).toEqual(original);
    best.dispose();
    model.dispose();
  });
});
