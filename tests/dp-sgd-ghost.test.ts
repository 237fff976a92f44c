/**
 * The one-pass DP-SGD clipped sum (src/core/defenses/per-example-grads.ts) against the oracle it
 * replaces: one tf.variableGrads per example (microbatchClippedSum), on every architecture, with a
 * clip norm that leaves some examples below C and clips the others.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalNorm, microbatchClippedSum, privateGradients, type BatchedExamples, type DpSgdBatch } from '../src/core/defenses/dp-sgd';
import { clippedSumInOnePass, convolutionPatches, planFor, prefersGhostNorm, type PerExamplePlan } from '../src/core/defenses/per-example-grads';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { ARCHITECTURES, type ArchitectureId, type InputShape } from '../src/core/models/architectures';
import { createRng } from '../src/core/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CLASSES = 3;
const COUNT = 6;

/** Seeded inputs and one-hot targets; the model's variables in the order training hands them over. */
function setup(id: ArchitectureId | tf.LayersModel, shape: InputShape, dropoutRate?: number) {
  const model = typeof id === 'string' ? ARCHITECTURES[id].build(shape, CLASSES, 11, { dropoutRate }) : id;
  const rng = createRng(5, `ghost/${typeof id === 'string' ? id : id.name}`);
  const size = shape[0] * shape[1] * shape[2];
  const xs = tf.tensor4d(Float32Array.from({ length: COUNT * size }, () => rng.next() * 2 - 0.5), [COUNT, ...shape]);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: COUNT }, (_, i) => (i * 2) % CLASSES), 'int32'), CLASSES).toFloat() as tf.Tensor2D);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lossOf = (positions: Int32Array) =>
    tf.tidy(() => {
      const idx = tf.tensor1d(positions, 'int32');
      const logits = model.apply(tf.gather(xs, idx), { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(tf.gather(targets, idx), logits) as tf.Scalar;
    });
  const batched: BatchedExamples = {
    model,
    examplesOf: (positions) =>
      tf.tidy(() => {
        const idx = tf.tensor1d(positions, 'int32');
        return { xs: tf.gather(xs, idx) as tf.Tensor4D, targets: tf.gather(targets, idx) as tf.Tensor2D };
      }),
  };
  const dispose = () => {
    model.dispose();
    tf.dispose([xs, targets]);
  };
  return { model, variables, xs, targets, lossOf, batched, dispose };
}

function planOf(model: tf.LayersModel, variables: readonly tf.Variable[]): PerExamplePlan {
  const plan = planFor(model, variables);
  if ('reason' in plan) throw new Error(`no one-pass plan: ${plan.reason}`);
  return plan;
}

/** ‖∇ℓ_i‖ of each example by its own tf.variableGrads: the independent oracle. */
function loopNorms(variables: readonly tf.Variable[], lossOf: (p: Int32Array) => tf.Scalar): number[] {
  return Array.from({ length: COUNT }, (_, i) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => lossOf(Int32Array.of(i)), [...variables]);
      return globalNorm(variables.map((v) => grads[v.name])).dataSync()[0];
    }),
  );
}

/** max |a − b| / max |b| over all tensors: a relative error that a zero entry cannot blow up. */
function relativeError(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((t, i) => {
    expect(t.shape).toEqual(b[i].shape);
    const x = t.dataSync();
    const y = b[i].dataSync();
    for (let j = 0; j < y.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - y[j]));
      scale = Math.max(scale, Math.abs(y[j]));
    }
  });
  return diff / scale;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

const CASES: readonly [ArchitectureId, InputShape][] = [
  ['mlp', [4, 4, 1]],
  ['cnn', [12, 12, 1]],
  ['alexnet', [8, 8, 3]],
  ['resnet', [8, 8, 3]],
];

/** Norms and clipped sum of `id` against one variableGrads per example, on the active backend. */
function checkAgainstLoop(id: ArchitectureId | tf.LayersModel, shape: InputShape): void {
  const s = setup(id, shape);
  const plan = planOf(s.model, s.variables);
  const expectedNorms = loopNorms(s.variables, s.lossOf);
  // C between the norms: some examples are clipped, the others pass unchanged.
  const clipNorm = median(expectedNorms);
  expect(expectedNorms.filter((n) => n < clipNorm).length).toBeGreaterThan(0);
  expect(expectedNorms.filter((n) => n > clipNorm).length).toBeGreaterThan(0);
  const before = tf.memory().numTensors;
  const { norms, sums } = clippedSumInOnePass(plan, s.variables, s.xs, s.targets, clipNorm);
  const oracle = microbatchClippedSum(s.variables, Array.from({ length: COUNT }, (_, i) => Int32Array.of(i)), s.lossOf, clipNorm);
  Array.from(norms.dataSync()).forEach((n, i) => expect(Math.abs(n - expectedNorms[i]) / expectedNorms[i]).toBeLessThan(1e-5));
  expect(relativeError(sums, oracle)).toBeLessThan(1e-5);
  tf.dispose([norms, ...sums, ...oracle]);
  expect(tf.memory().numTensors).toBe(before);
  s.dispose();
}

describe('one-pass per-example clipping', () => {
  for (const [id, shape] of CASES) {
    it(`${id}: per-example norms and the clipped sum equal one variableGrads per example`, () => checkAgainstLoop(id, shape));
  }

  it('even kernels, strides that do not divide the input, bias-free and linear convolutions: the padding as TensorFlow pads', () => {
    const init = (seed: number) => tf.initializers.heNormal({ seed });
    const model = tf.sequential({
      name: 'odd-geometry',
      layers: [
        tf.layers.conv2d({ inputShape: [8, 7, 2], filters: 3, kernelSize: 4, strides: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.conv2d({ filters: 4, kernelSize: [2, 1], strides: [1, 2], padding: 'same', useBias: false, kernelInitializer: init(2) }),
        tf.layers.conv2d({ filters: 2, kernelSize: 2, padding: 'valid', kernelInitializer: init(3) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: CLASSES, kernelInitializer: init(4) }),
      ],
    });
    checkAgainstLoop(model, [8, 7, 2]);
  });

  it('im2col: the one-hot convolution and the gather give the same patches, and patches · W is the convolution', () => {
    const geometries: readonly [number[], [number, number], 'same' | 'valid'][] = [
      [[4, 4, 2, 3], [3, 3], 'same'],
      [[2, 1, 2, 3], [1, 2], 'same'],
      [[3, 3, 2, 3], [2, 2], 'valid'],
      [[5, 5, 2, 3], [1, 1], 'same'],
    ];
    const rng = createRng(8, 'patches');
    const input = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 7 * 2 }, () => rng.next() - 0.5), [2, 8, 7, 2]);
    for (const [kernelShape, strides, padding] of geometries) {
      const kernel = tf.tensor4d(Float32Array.from({ length: kernelShape.reduce((a, b) => a * b) }, () => rng.next() - 0.5), kernelShape as [number, number, number, number]);
      const oneHot = convolutionPatches(input, kernelShape, strides, padding, 'one-hot');
      const gathered = convolutionPatches(input, kernelShape, strides, padding, 'gather');
      expect(gathered.shape).toEqual(oneHot.shape);
      expect(Array.from(gathered.dataSync())).toEqual(Array.from(oneHot.dataSync()));
      const [kh, kw, cin, cout] = kernelShape;
      const conv = tf.conv2d(input, kernel, strides, padding);
      const viaPatches = tf.matMul(gathered, tf.tile(kernel.reshape([1, kh * kw * cin, cout]), [2, 1, 1])).reshape(conv.shape);
      expect(relativeError([viaPatches], [conv])).toBeLessThan(1e-6);
      tf.dispose([kernel, oneHot, gathered, conv, viaPatches]);
    }
    input.dispose();
  });

  it('takes the ghost norm where Li et al.\'s cost rule says it is cheaper (alexnet above takes both routes)', () => {
    // 2T² < p·d (arXiv:2110.05679, §4): 2·49² = 4802 < 576·96, but 2·676² > 9·16.
    expect(prefersGhostNorm(49, 576, 96)).toBe(true);
    expect(prefersGhostNorm(676, 9, 16)).toBe(false);
    // The alexnet case above goes through both routes: its first convolution (64 positions,
    // 75·32 weights) materialises per-example gradients, the later ones (16 or 4 positions) use ghost norms.
    expect(prefersGhostNorm(64, 75, 32)).toBe(false);
    expect(prefersGhostNorm(16, 288, 64)).toBe(true);
  });

  it('dropout: norms and sum are those of each example under the one mask the batch drew', () => {
    // Two copies built from one seed draw the same dropout seeds in the same order, so copy k's
    // first training call on the whole batch sees the mask the one-pass forward drew.
    const rate = 0.5;
    const s = setup('mlp', [4, 4, 1], rate);
    const fresh = () => {
      const copy = ARCHITECTURES.mlp.build([4, 4, 1], CLASSES, 11, { dropoutRate: rate });
      return { copy, variables: copy.trainableWeights.map((w) => w.read() as tf.Variable) };
    };
    const perExampleLoss = (copy: tf.LayersModel) =>
      tf.losses.softmaxCrossEntropy(s.targets, copy.apply(s.xs, { training: true }) as tf.Tensor, undefined, undefined, tf.Reduction.NONE);
    const expectedNorms = Array.from({ length: COUNT }, (_, i) => {
      const { copy, variables } = fresh();
      const norm = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => perExampleLoss(copy).gather([i]).sum() as tf.Scalar, variables);
        return globalNorm(variables.map((v) => grads[v.name])).dataSync()[0];
      });
      copy.dispose();
      return norm;
    });
    // The mask matters: without dropout (same initial weights) the norms are others.
    const plain = setup('mlp', [4, 4, 1]);
    const plainNorms = loopNorms(plain.variables, plain.lossOf);
    plain.dispose();
    expect(Math.max(...plainNorms.map((n, i) => Math.abs(n - expectedNorms[i]) / n))).toBeGreaterThan(1e-2);
    const clipNorm = median(expectedNorms);
    // s.model has not trained yet either: its one pass draws the same first mask.
    const { norms, sums } = clippedSumInOnePass(planOf(s.model, s.variables), s.variables, s.xs, s.targets, clipNorm);
    Array.from(norms.dataSync()).forEach((n, i) => expect(Math.abs(n - expectedNorms[i]) / expectedNorms[i]).toBeLessThan(1e-5));
    expect(expectedNorms.filter((n) => n < clipNorm).length).toBeGreaterThan(0);
    expect(expectedNorms.filter((n) => n > clipNorm).length).toBeGreaterThan(0);
    // The clipped sum is the gradient of Σ_i c_i·ℓ_i under the same mask (arXiv:1607.00133).
    const factors = tf.tensor1d(expectedNorms.map((n) => Math.min(1, clipNorm / n)));
    const { copy, variables } = fresh();
    const expected = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(perExampleLoss(copy), factors)) as tf.Scalar, variables);
      return variables.map((v) => grads[v.name]);
    });
    expect(relativeError(sums, expected)).toBeLessThan(1e-5);
    tf.dispose([norms, factors, ...sums, ...expected]);
    copy.dispose();
    s.dispose();
  });

  it('privateGradients: the same noise and divisor as the microbatch loop', () => {
    const s = setup('cnn', [12, 12, 1]);
    const settings = { clipNorm: 0.5, noiseMultiplier: 1.1, microbatchSize: 1, sampling: 'poisson' as const };
    const batch: DpSgdBatch = { microbatches: [4, 0, 5, 2].map((i) => Int32Array.of(i)), divisor: 3 };
    const onePass = privateGradients(s.variables, batch, s.lossOf, settings, createRng(9, 'noise'), s.batched);
    const loop = privateGradients(s.variables, batch, s.lossOf, settings, createRng(9, 'noise'));
    expect(relativeError(onePass, loop)).toBeLessThan(1e-5);
    // Without noise the result is the clipped sum over the divisor: the noise is the only difference.
    const quiet = { ...settings, noiseMultiplier: 0 };
    const sum = microbatchClippedSum(s.variables, batch.microbatches, s.lossOf, quiet.clipNorm);
    const mean = privateGradients(s.variables, batch, s.lossOf, quiet, createRng(9, 'noise'), s.batched);
    expect(relativeError(mean, sum.map((t) => t.div(3)))).toBeLessThan(1e-5);
    // An empty Poisson batch: noise alone, over the divisor, from the same seeds.
    const empty: DpSgdBatch = { microbatches: [], divisor: 3 };
    const a = privateGradients(s.variables, empty, s.lossOf, settings, createRng(4, 'noise'), s.batched);
    const b = privateGradients(s.variables, empty, s.lossOf, settings, createRng(4, 'noise'));
    expect(relativeError(a, b)).toBe(0);
    tf.dispose([...onePass, ...loop, ...sum, ...mean, ...a, ...b]);
    s.dispose();
  });

  it('falls back to the loop, with a reason, for a layer that couples the examples of a batch', () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.batchNormalization(), tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })],
    });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const plan = planFor(model, variables);
    expect('reason' in plan && plan.reason).toMatch(/BatchNormalization/);
    const xs = tf.tensor4d([1, 2, 3, 4, 0, -1, 2, 5, 3, 3, 1, 0], [3, 2, 2, 1]);
    const targets = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), CLASSES).toFloat() as tf.Tensor2D;
    const lossOf = (p: Int32Array) =>
      tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.gather(targets, p), model.apply(tf.gather(xs, p), { training: true }) as tf.Tensor) as tf.Scalar);
    const batched: BatchedExamples = { model, examplesOf: () => { throw new Error('the one-pass path must not be taken'); } };
    const batch: DpSgdBatch = { microbatches: [Int32Array.of(0), Int32Array.of(2)], divisor: 2 };
    const settings = { clipNorm: 1, noiseMultiplier: 0, microbatchSize: 1, sampling: 'poisson' as const };
    const got = privateGradients(variables, batch, lossOf, settings, createRng(1, 'n'), batched);
    const want = privateGradients(variables, batch, lossOf, settings, createRng(1, 'n'));
    expect(relativeError(got, want)).toBe(0);
    tf.dispose([xs, targets, ...got, ...want]);
    model.dispose();
  });
});

describe('one-pass per-example clipping on wasm with the lab kernels (the CLI\'s backend)', () => {
  beforeAll(async () => {
    registerWasmKernels();
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const [id, shape] of CASES) {
    it(`${id}: the same as one variableGrads per example`, () => checkAgainstLoop(id, shape));
  }

  it('im2col: the lab\'s patches kernel gives the gather\'s patches, padding and strides included, and is the default from 4 channels', () => {
    const rng = createRng(9, 'patches/wasm');
    const input = tf.tensor4d(Float32Array.from({ length: 3 * 9 * 7 * 5 }, () => rng.next() - 0.5), [3, 9, 7, 5]);
    const geometries: readonly [number[], [number, number], 'same' | 'valid'][] = [
      [[3, 3, 5, 2], [1, 1], 'same'],
      [[3, 2, 5, 2], [2, 1], 'same'],
      [[2, 3, 5, 2], [1, 3], 'valid'],
      [[5, 5, 5, 2], [2, 2], 'same'],
    ];
    for (const [kernelShape, strides, padding] of geometries) {
      const kernel = convolutionPatches(input, kernelShape, strides, padding, 'kernel');
      const gathered = convolutionPatches(input, kernelShape, strides, padding, 'gather');
      const chosen = convolutionPatches(input, kernelShape, strides, padding);
      expect(kernel.shape).toEqual(gathered.shape);
      expect(Array.from(kernel.dataSync())).toEqual(Array.from(gathered.dataSync()));
      expect(Array.from(chosen.dataSync())).toEqual(Array.from(gathered.dataSync()));
      tf.dispose([kernel, gathered, chosen]);
    }
    input.dispose();
  });
});
