/**
 * MaxPoolGrad's SIMD route (kernels/wasm-simd-pool.ts) for 2×2 windows at stride 2: bit for bit
 * the scalar rule (routeWindows in kernels/wasm-pool-grad.ts, the one the other window shapes take)
 * on data built to hit every corner of it: ties of zeros (post-ReLU), negative windows, all −∞
 * windows, NaN, −0 gradients, odd sizes that leave rows and columns uncovered; and equal to the cpu
 * backend's MaxPoolGrad on ordinary numbers.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolInfoOf, routeWindows } from '../../src/core/kernels/wasm-pool-grad';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { simdPoolRoute } from '../../src/core/kernels/wasm-simd-pool';
import { createRng } from '../../src/core/random';

type Shape4 = [number, number, number, number];
const ATTRS = { filterSize: 2, strides: 2, pad: 'valid' as const };

/** Inputs mixing exact ties (0), negatives, −∞, NaN and −0; gradients with −0 and large values. */
function awkwardValues(size: number, seed: number, withNaN: boolean): Float32Array {
  const rng = createRng(seed, 'simd-pool-test');
  return Float32Array.from({ length: size }, () => {
    const u = rng.next();
    if (u < 0.35) return 0;
    if (u < 0.45) return -0;
    if (u < 0.55) return -Infinity;
    if (withNaN && u < 0.58) return NaN;
    return (rng.next() - 0.4) * 100;
  });
}

function gradient(size: number, seed: number): Float32Array {
  const rng = createRng(seed, 'simd-pool-dy');
  return Float32Array.from({ length: size }, () => (rng.next() < 0.1 ? -0 : (rng.next() - 0.5) * 1e3));
}

/** The wasm kernel's dx for x and dy (through runKernel, as the MaxPool gradient calls it). */
function wasmMaxPoolGrad(xValues: Float32Array, dyValues: Float32Array, shape: Shape4): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xValues, shape);
    const pooled = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.tensor(dyValues, pooled.shape);
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: pooled }, ATTRS) as tf.Tensor;
    return dx.dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('MaxPoolGrad on wasm, 2×2 windows at stride 2', () => {
  const shapes: Shape4[] = [
    [2, 8, 8, 4],
    [3, 9, 7, 16], // a row and a column no window covers
    [1, 6, 10, 8],
    [2, 5, 5, 32],
    [2, 7, 6, 3], // three channels: the scalar route
  ];
  for (const shape of shapes) {
    it(`routes exactly as the scalar rule: x ${shape.join('×')}, ties, −∞, NaN and −0 included`, () => {
      const size = tf.util.sizeFromShape(shape);
      const xValues = awkwardValues(size, shape[3], true);
      const info = poolInfoOf(shape, ATTRS);
      const dyValues = gradient(info.batchSize * info.outHeight * info.outWidth * info.outChannels, shape[1]);
      // Leave garbage where the output will be allocated: uncovered pixels must still come out 0.
      tf.fill(shape, 7).dispose();
      const before = tf.memory().numTensors;
      const actual = wasmMaxPoolGrad(xValues, dyValues, shape);
      expect(tf.memory().numTensors).toBe(before);
      const expected = new Float32Array(size);
      routeWindows(xValues, dyValues, expected, info);
      expect(actual.length).toBe(size);
      const mismatches = Array.from(expected.keys()).filter((i) => !Object.is(actual[i], expected[i]));
      expect(mismatches).toEqual([]);
      // Not a vacuous pass: some gradient reached the input.
      expect(expected.some((v) => v !== 0)).toBe(true);
    });
  }

  it('equals the cpu backend on post-ReLU data (ties of zeros)', async () => {
    const shape: Shape4 = [4, 12, 11, 8];
    const rng = createRng(3, 'simd-pool-relu');
    const xValues = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => Math.max(0, rng.next() - 0.5));
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xValues, shape);
        const dy = tf.tensor(gradient(4 * 6 * 5 * 8, 4), [4, 6, 5, 8]);
        const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy)))([x]);
        return dx.dataSync() as Float32Array;
      });
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend('wasm');
    const wasm = run();
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
  });
});

describe('the SIMD module', () => {
  it('binds to a plain memory and to a shared one (the threaded build), and routes on it', () => {
    expect(typeof simdPoolRoute(new WebAssembly.Memory({ initial: 1 }))).toBe('function');
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const route = simdPoolRoute(shared);
    expect(typeof route).toBe('function');
    // One 2×2 window of 4 channels at byte 0, dy at 64, dx at 128: channel c's maximum at tap c.
    const heap = new Float32Array(shared.buffer);
    heap.set([5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5], 0);
    heap.set([1, 2, 3, 4], 16);
    route!(0, 64, 128, 1, 2, 2, 4, 1, 1);
    expect(Array.from(heap.subarray(32, 48))).toEqual([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4]);
  });
});
