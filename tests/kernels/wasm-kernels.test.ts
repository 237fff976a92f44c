/**
 * The wasm training kernels against the cpu backend's: same inputs, results within 1e-5 of the cpu
 * result's largest magnitude (float32 sums in a different order differ by ~1e-7 relative).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { createRng } from '../../src/core/random';

type Shape4 = [number, number, number, number];

function randomValues(size: number, seed: number, reluLike = false): Float32Array {
  const rng = createRng(seed, 'kernel-test');
  // ReLU-like data has exact zeros, which makes max-pool ties that both backends must break alike.
  return Float32Array.from({ length: size }, () => (reluLike ? Math.max(0, rng.next() - 0.5) : rng.next() * 2 - 1));
}

/** Run `compute` on cpu and then on wasm with the same plain inputs; give back both outputs. */
async function onBothBackends(compute: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const read = (tensors: tf.Tensor[]) => {
    const values = tensors.map((t) => t.dataSync() as Float32Array);
    tf.dispose(tensors);
    return values;
  };
  await tf.setBackend('cpu');
  const cpu = read(compute());
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const wasm = read(compute());
  expect(tf.memory().numTensors).toBe(before);
  return { cpu, wasm };
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  expect(scale).toBeGreaterThan(0);
  expect(worst / scale).toBeLessThanOrEqual(tolerance);
}

beforeAll(async () => {
  registerWasmKernels();
  registerWasmKernels(); // idempotent
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

interface ConvCase {
  readonly x: Shape4;
  readonly filter: Shape4;
  readonly strides: number | [number, number];
  readonly pad: 'same' | 'valid' | number;
}

const CONV_CASES: readonly ConvCase[] = [
  { x: [3, 10, 9, 5], filter: [3, 2, 5, 3], strides: 1, pad: 'same' },
  { x: [3, 9, 9, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'valid' },
  { x: [2, 8, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { x: [4, 11, 11, 6], filter: [3, 3, 6, 8], strides: 2, pad: 'same' },
  { x: [2, 12, 10, 5], filter: [5, 3, 5, 7], strides: [2, 1], pad: 'valid' },
  { x: [3, 9, 9, 16], filter: [1, 1, 16, 8], strides: 2, pad: 'valid' },
  { x: [2, 10, 10, 4], filter: [3, 3, 4, 6], strides: 3, pad: 'same' },
  { x: [2, 7, 9, 2], filter: [4, 4, 2, 3], strides: 1, pad: 1 },
];

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm', () => {
  for (const c of CONV_CASES) {
    const label = `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${c.strides}, pad ${c.pad}`;
    it(`match the cpu backend: ${label}`, async () => {
      const xValues = randomValues(tf.util.sizeFromShape(c.x), 1);
      const filterValues = randomValues(tf.util.sizeFromShape(c.filter), 2);
      const { cpu, wasm } = await onBothBackends(() => {
        const x = tf.tensor4d(xValues, c.x);
        const filter = tf.tensor4d(filterValues, c.filter);
        const y = tf.conv2d(x, filter, c.strides, c.pad);
        const dy = tf.tensor(randomValues(y.size, 3), y.shape);
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
        const dFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter }) as tf.Tensor;
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: c.x }) as tf.Tensor;
        // And through autodiff, as training reaches them.
        const [gx, gFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy)))([x, filter]);
        const outputs = [dFilter, dx, gx, gFilter];
        tf.dispose([x, filter, y, dy]);
        return outputs;
      });
      cpu.forEach((expected, i) => expectClose(wasm[i], expected));
    });
  }

  it('splits a large batch into chunks without changing the result', async () => {
    // 5×5×16 taps over 28×28 outputs: 313,600 column floats per image, so 16 images take two chunks.
    const shape: Shape4 = [16, 28, 28, 16];
    const filterShape: Shape4 = [5, 5, 16, 2];
    const xValues = randomValues(tf.util.sizeFromShape(shape), 4);
    const { cpu, wasm } = await onBothBackends(() => {
      const x = tf.tensor4d(xValues, shape);
      const dy = tf.tensor4d(randomValues(16 * 28 * 28 * 2, 5), [16, 28, 28, 2]);
      const filter = tf.tensor4d(randomValues(tf.util.sizeFromShape(filterShape), 6), filterShape);
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
      const outputs = [
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: shape }) as tf.Tensor,
      ];
      tf.dispose([x, dy, filter]);
      return outputs;
    });
    cpu.forEach((expected, i) => expectClose(wasm[i], expected));
  });

  it('refuses NCHW with a message that names the kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 2, 3, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] })).toThrow(
      /Conv2DBackpropFilter on wasm: only NHWC/,
    );
    tf.dispose([x, dy]);
  });
});

describe('MaxPoolGrad on wasm', () => {
  const cases: { x: Shape4; size: number; strides: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
    { x: [3, 9, 7, 16], size: 2, strides: 2, pad: 'valid' },
    { x: [2, 9, 9, 4], size: 3, strides: 2, pad: 'same' },
    { x: [2, 6, 6, 2], size: 3, strides: 1, pad: 'same' },
  ];
  for (const c of cases) {
    it(`matches the cpu backend, ties included: x ${c.x.join('×')}, pool ${c.size}, strides ${c.strides}, ${c.pad}`, async () => {
      const xValues = randomValues(tf.util.sizeFromShape(c.x), 7, true);
      const { cpu, wasm } = await onBothBackends(() => {
        const x = tf.tensor4d(xValues, c.x);
        const pooled = tf.maxPool(x, c.size, c.strides, c.pad);
        const dy = tf.tensor(randomValues(pooled.size, 8), pooled.shape);
        const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad), dy)))([x]);
        tf.dispose([x, pooled, dy]);
        return [dx];
      });
      // Overlapping windows add gradients in another order (~1e-8); a tie routed to another pixel would be O(1).
      expectClose(wasm[0], cpu[0], 1e-6);
    });
  }
});

describe('BatchMatMul on wasm (XNNPACK for every case)', () => {
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [64, 48], b: [48, 40], ta: false, tb: false },
    { a: [64, 48], b: [40, 48], ta: false, tb: true },
    { a: [48, 64], b: [48, 40], ta: true, tb: false },
    { a: [48, 64], b: [40, 48], ta: true, tb: true },
    { a: [5, 32, 48], b: [5, 48, 40], ta: false, tb: false },
    { a: [5, 48, 32], b: [5, 40, 48], ta: true, tb: true },
    { a: [1, 32, 48], b: [4, 48, 40], ta: false, tb: false },
    { a: [3, 32, 48], b: [48, 40], ta: false, tb: false },
    { a: [2, 3, 32, 48], b: [2, 3, 40, 48], ta: false, tb: true },
    { a: [3, 4], b: [4, 2], ta: false, tb: false },
  ];
  for (const c of cases) {
    it(`matches the cpu backend: ${c.a.join('×')}${c.ta ? 'ᵀ' : ''} · ${c.b.join('×')}${c.tb ? 'ᵀ' : ''}`, async () => {
      const aValues = randomValues(tf.util.sizeFromShape(c.a), 9);
      const bValues = randomValues(tf.util.sizeFromShape(c.b), 10);
      const { cpu, wasm } = await onBothBackends(() => {
        const a = tf.tensor(aValues, c.a);
        const b = tf.tensor(bValues, c.b);
        const product = tf.matMul(a, b, c.ta, c.tb);
        tf.dispose([a, b]);
        return [product];
      });
      expectClose(wasm[0], cpu[0]);
    });
  }
});

describe('GatherV2, Slice and Identity on wasm', () => {
  it('gathers rows of float32 and int32 tensors as the cpu backend does', async () => {
    const values = randomValues(6 * 4 * 3, 11);
    const { cpu, wasm } = await onBothBackends(() => {
      const x = tf.tensor3d(values, [6, 4, 3]);
      const labels = tf.tensor1d([5, 1, 4, 1, 0, 2], 'int32');
      const rows = tf.tensor2d([5, 0, 0, 3, 2, 5], [2, 3], 'int32');
      const columns = tf.tensor1d([1, 2], 'int32');
      const channels = tf.tensor1d([2, 0], 'int32');
      const labelRows = tf.gather(labels, rows);
      const outputs = [tf.gather(x, rows), tf.cast(labelRows, 'float32'), tf.gather(x, columns, 1), tf.gather(x, channels, -1)];
      tf.dispose([x, labels, rows, columns, channels, labelRows]);
      return outputs;
    });
    cpu.forEach((expected, i) => expect(Array.from(wasm[i])).toEqual(Array.from(expected)));
  });

  it('refuses an index outside the tensor', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([3, 2]);
    expect(() => tf.gather(x, tf.tensor1d([0, 3], 'int32'))).toThrow(/index value 3 is not in \[0, 2\]/);
    x.dispose();
  });

  it('slices as the cpu backend does: leading rows, a middle block, a strided (non-contiguous) block, int32', async () => {
    const values = randomValues(5 * 4 * 3, 12);
    const { cpu, wasm } = await onBothBackends(() => {
      const x = tf.tensor3d(values, [5, 4, 3]);
      const labels = tf.tensor1d([7, 1, 4, 1, 9], 'int32');
      const labelSlice = tf.slice(labels, [1], [3]);
      const outputs = [
        tf.slice(x, [2, 0, 0], [3, -1, -1]),
        tf.slice(x, [1, 1, 0], [1, 2, 3]),
        tf.slice(x, [0, 1, 1], [4, 2, 2]),
        tf.cast(labelSlice, 'float32'),
      ];
      tf.dispose([x, labels, labelSlice]);
      return outputs;
    });
    expect(cpu.map((c) => c.length)).toEqual([36, 6, 16, 3]);
    cpu.forEach((expected, i) => expect(Array.from(wasm[i])).toEqual(Array.from(expected)));
  });

  it('clones without copying and keeps the clone alive after the original is disposed', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const copy = x.clone();
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4]);
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
