/**
 * The fused Adam kernel against tfjs's own Adam (one model) and against the same formula in tf ops
 * (several models, some of them idle this step), on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adamWithOps, fusedAdam, hasFusedAdam, registerFusedAdamKernels, type FusedAdamAttrs } from '../../src/core/kernels/fused-adam';
import { createRng } from '../../src/core/random';

function values(size: number, seed: number): Float32Array {
  const rng = createRng(seed, 'adam-test');
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

function attrsFor(steps: readonly number[], active: readonly number[]): FusedAdamAttrs {
  // As tfjs keeps them: β^t accumulated in float32.
  const power = (beta: number, t: number) => {
    let p = Math.fround(beta);
    for (let i = 1; i < t; i++) p = Math.fround(p * Math.fround(beta));
    return p;
  };
  return {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    learningRate: 0.01,
    correction1: steps.map((t) => Math.fround(1 - power(0.9, t))),
    correction2: steps.map((t) => Math.fround(1 - power(0.999, t))),
    active,
  };
}

beforeAll(() => {
  registerFusedAdamKernels();
  registerFusedAdamKernels();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

for (const backend of ['cpu', 'wasm']) {
  describe(`fused Adam on ${backend}`, () => {
    it('takes the steps tf.train.adam takes', async () => {
      await tf.setBackend(backend);
      expect(hasFusedAdam()).toBe(true);
      const shape = [1, 7, 5];
      const start = values(35, 1);
      const reference = tf.variable(tf.tensor(start, shape));
      const optimizer = tf.train.adam(0.01);
      let w = tf.tensor(start, shape);
      let m = tf.zeros(shape);
      let v = tf.zeros(shape);
      for (let t = 1; t <= 3; t++) {
        const g = tf.tensor(values(35, 10 + t), shape);
        optimizer.applyGradients([{ name: reference.name, tensor: g }]);
        const next = fusedAdam(w, g, m, v, attrsFor([t], [1]));
        tf.dispose([w, m, v, g]);
        [w, m, v] = next;
      }
      // On cpu, float64 intermediates against tfjs's float32 ones: a few ulps apart at most (on wasm
      // the SIMD loop is bit for bit: wasm-simd-adam.test.ts).
      const ours = w.dataSync();
      const theirs = reference.dataSync();
      for (let j = 0; j < ours.length; j++) expect(Math.abs(ours[j] - theirs[j])).toBeLessThanOrEqual(1e-6 * Math.abs(theirs[j]) + 1e-9);
      tf.dispose([w, m, v, reference]);
      optimizer.dispose();
    });

    it('matches the tf-ops version and holds idle models still', async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const shape = [3, 4, 6];
      const [w, g, m, v] = [1, 2, 3, 4].map((seed) => tf.tensor(values(72, seed), shape));
      const mPositive = tf.abs(v);
      const attrs = attrsFor([4, 1, 9], [1, 0, 1]);
      const fused = fusedAdam(w, g, m, mPositive, attrs);
      const ops = tf.tidy(() => adamWithOps(w, g, m, mPositive, attrs));
      fused.forEach((tensor, i) => {
        const a = tensor.dataSync();
        const b = ops[i].dataSync();
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b[j])));
      });
      // Model 1 is idle: its weights and moments come back unchanged.
      const idle = (t: tf.Tensor) => Array.from(t.dataSync().slice(24, 48));
      expect(idle(fused[0])).toEqual(idle(w));
      expect(idle(fused[1])).toEqual(idle(m));
      expect(idle(fused[2])).toEqual(idle(mPositive));
      tf.dispose([w, g, m, v, mPositive, ...fused, ...ops]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
