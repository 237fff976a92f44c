/**
 * The SIMD Adam update (wasm-simd-adam.ts, inside the fused kernel on wasm) against an independent
 * oracle: tf.train.adam on the cpu backend, whose float32 steps it claims to repeat bit for bit.
 * Blocks of 35 and 10 weights leave tails under four lanes and start models at unaligned offsets.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { fusedAdam, registerFusedAdamKernels, type FusedAdamAttrs } from '../../src/core/kernels/fused-adam';
import { simdAdamFor, type WasmMemory } from '../../src/core/kernels/wasm-simd-adam';
import { createRng } from '../../src/core/random';

const LEARNING_RATE = 0.01;

function values(size: number, seed: number): Float32Array {
  const rng = createRng(seed, 'simd-adam-test');
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

/** tf.train.adam on cpu: each model's weights after the steps where it was active. */
async function oracle(start: Float32Array[], gradients: Float32Array[][], active: number[][]): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  return start.map((w0, k) => {
    const weight = tf.variable(tf.tensor1d(w0));
    const optimizer = tf.train.adam(LEARNING_RATE);
    gradients.forEach((step, t) => {
      if (!active[t][k]) return;
      const g = tf.tensor1d(step[k]);
      optimizer.applyGradients([{ name: weight.name, tensor: g }]);
      g.dispose();
    });
    const result = weight.dataSync() as Float32Array;
    weight.dispose();
    optimizer.dispose();
    return result;
  });
}

/** The fused kernel on wasm over the stacked models, step counts and corrections kept as tfjs keeps them. */
async function fusedOnWasm(start: Float32Array[], gradients: Float32Array[][], active: number[][]): Promise<Float32Array[]> {
  await tf.setBackend('wasm');
  registerFusedAdamKernels();
  const models = start.length;
  const size = start[0].length;
  const stack = (rows: Float32Array[]) => tf.tensor3d(Float32Array.from(rows.flatMap((r) => Array.from(r))), [models, 1, size]);
  let w: tf.Tensor = stack(start);
  let m: tf.Tensor = tf.zeros([models, 1, size]);
  let v: tf.Tensor = tf.zeros([models, 1, size]);
  const power1 = new Array(models).fill(1);
  const power2 = new Array(models).fill(1);
  for (let t = 0; t < gradients.length; t++) {
    for (let k = 0; k < models; k++) {
      if (!active[t][k]) continue;
      power1[k] = Math.fround(power1[k] * Math.fround(0.9));
      power2[k] = Math.fround(power2[k] * Math.fround(0.999));
    }
    const attrs: FusedAdamAttrs = {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      learningRate: LEARNING_RATE,
      correction1: power1.map((p) => Math.fround(1 - p)),
      correction2: power2.map((p) => Math.fround(1 - p)),
      active: active[t],
    };
    const g = stack(gradients[t]);
    const next = fusedAdam(w, g, m, v, attrs);
    tf.dispose([w, m, v, g]);
    [w, m, v] = next;
  }
  const out = w.dataSync() as Float32Array;
  tf.dispose([w, m, v]);
  return Array.from({ length: models }, (_, k) => out.slice(k * size, (k + 1) * size));
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('SIMD Adam on wasm', () => {
  it('is compiled here (Node has WebAssembly SIMD), so the tests below exercise it', async () => {
    await tf.setBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WasmMemory } } }).wasm.asm.memory;
    expect(simdAdamFor(memory)).toBeDefined();
  });

  for (const size of [35, 10]) {
    it(`takes tf.train.adam's steps bit for bit (blocks of ${size}, idle models held)`, async () => {
      const models = 3;
      const start = Array.from({ length: models }, (_, k) => values(size, 1 + k));
      const gradients = [0, 1, 2, 3].map((t) => Array.from({ length: models }, (_, k) => values(size, 100 + 10 * t + k)));
      const active = [[1, 1, 1], [1, 0, 1], [0, 1, 1], [1, 1, 0]];
      const expected = await oracle(start, gradients, active);
      const before = tf.memory().numTensors;
      const actual = await fusedOnWasm(start, gradients, active);
      expect(tf.memory().numTensors).toBe(before);
      for (let k = 0; k < models; k++) expect(Array.from(actual[k])).toEqual(Array.from(expected[k]));
    });
  }
});
