/**
 * The wasm Sum over leading axes (kernels/wasm-reduce.ts) and the zero-copy same-dtype Cast
 * (kernels/wasm-data.ts). The Sum must give bit for bit what tfjs-backend-wasm's own Sum gives:
 * that kernel transposes the reduced axes innermost and sums each row in float32, so summing the
 * transposed tensor over its innermost axes (which still goes to the native kernel) is the oracle;
 * the cpu backend, which accumulates in float64, must agree to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { leadingAxesCount, sumRowsInto } from '../../src/core/kernels/wasm-reduce';
import { createRng } from '../../src/core/random';

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed, 'reduce-test');
  // Mixed magnitudes, so a different summation order would show in the last bits.
  return Float32Array.from({ length: size }, () => (rng.next() * 2 - 1) * 10 ** Math.floor(rng.next() * 6 - 3));
}

beforeAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the leading-axes test', () => {
  it('accepts 0…k−1 in that order and nothing else', () => {
    expect(leadingAxesCount([0], 4)).toBe(1);
    expect(leadingAxesCount([0, 1, 2], 4)).toBe(3);
    expect(leadingAxesCount([2, 0, 1], 4)).toBe(0);
    expect(leadingAxesCount([1, 2], 4)).toBe(0);
    expect(leadingAxesCount([0, 2], 4)).toBe(0);
    expect(leadingAxesCount([0, 1, 2, 3], 4)).toBe(0);
    expect(leadingAxesCount([], 4)).toBe(0);
  });
});

describe('sumRowsInto', () => {
  it('sums columns with float32 rounding after every addition (hand-computed)', () => {
    // 2^24 + 1 is not a float32: adding 1 to 2^24 twice stays at 2^24; float64 would reach 2^24 + 2.
    const big = 2 ** 24;
    const x = Float32Array.from([big, 0.5, 1, 0.25, 1, 0.25]);
    const out = new Float32Array(2);
    sumRowsInto(x, 3, 2, out);
    expect(Array.from(out)).toEqual([big, 1]);
  });
});

describe('Sum on wasm', () => {
  const cases: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
    { shape: [7, 5, 5, 16], axis: [0, 1, 2] },
    { shape: [3, 9, 9, 13], axis: [0, 1, 2] },
    { shape: [5, 4, 3, 1], axis: [0, 1, 2] },
    { shape: [64, 6, 6, 8], axis: [0, 1, 2] }, // SIMD rows (a multiple of four channels)
    { shape: [3, 1, 1, 4], axis: [0, 1, 2] },
    { shape: [40, 12], axis: 0 },
    { shape: [33, 10], axis: 0 },
    { shape: [9, 130], axis: 0 }, // wide rows take the streaming loop
    { shape: [4, 6, 7], axis: [1, 0], keepDims: true },
    { shape: [6, 4, 3], axis: -3 },
  ];
  for (const c of cases) {
    it(`sums ${c.shape.join('×')} over ${JSON.stringify(c.axis)} exactly as the native kernel does`, () => {
      const values = randomValues(tf.util.sizeFromShape(c.shape), c.shape.length);
      const x = tf.tensor(values, c.shape);
      const before = tf.memory().numTensors;
      const axes = tf.util.parseAxisParam(c.axis, c.shape);
      const summed = tf.sum(x, c.axis, c.keepDims);
      // The oracle: reduced axes moved innermost, summed by tfjs-backend-wasm's own kernel.
      const kept = c.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const transposed = tf.transpose(x, [...kept, ...axes]);
      const inner = axes.map((_, i) => kept.length + i);
      const native = tf.sum(transposed, inner);
      expect(summed.shape).toEqual(c.keepDims ? c.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((i) => c.shape[i]));
      expect(Array.from(summed.dataSync())).toEqual(Array.from(native.dataSync()));
      tf.dispose([summed, transposed, native]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }

  it('agrees with the cpu backend (float64 sums) to float rounding, and leaves other sums to the native kernel', async () => {
    const shape = [4, 7, 6, 5];
    const values = randomValues(tf.util.sizeFromShape(shape), 9);
    const run = () => {
      const x = tf.tensor4d(values, shape as [number, number, number, number]);
      const out = [tf.sum(x, [0, 1, 2]), tf.sum(x, [1, 2]), tf.sum(x, 3), tf.sum(x)].map((t) => t.dataSync() as Float32Array);
      x.dispose();
      return out;
    };
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend('wasm');
    const wasm = run();
    cpu.forEach((expected, i) => {
      expect(wasm[i].length).toBe(expected.length);
      expected.forEach((v, j) => expect(Math.abs(wasm[i][j] - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    });
  });

  it('sums int32 tensors through the native kernel', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const summed = tf.sum(x, 0);
    expect(summed.dtype).toBe('int32');
    expect(Array.from(summed.dataSync())).toEqual([9, 12]);
    tf.dispose([x, summed]);
  });
});

describe('Cast on wasm', () => {
  it('shares the buffer when the dtype does not change, and the result outlives its input', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1.5, -2, 0]);
    const same = tf.cast(x, 'float32');
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 0]);
    same.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('still converts when the dtype changes', () => {
    const x = tf.tensor1d([1.7, -2.2, 0]);
    const asInt = tf.cast(x, 'int32');
    const back = tf.cast(asInt, 'float32');
    expect(asInt.dtype).toBe('int32');
    expect(Array.from(asInt.dataSync())).toEqual([1, -2, 0]);
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.dataSync())).toEqual([1, -2, 0]);
    tf.dispose([x, asInt, back]);
  });
});
