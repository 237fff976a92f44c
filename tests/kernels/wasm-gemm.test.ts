/**
 * The relaxed-SIMD FMA product (kernels/wasm-gemm.ts) behind the wasm BatchMatMul (kernels/wasm-matmul.ts):
 * products against a float64 oracle within the inner-product error bound, on shapes that are not
 * multiples of the 4×8 tile, transposed and batched; the route really taken where relaxed SIMD
 * validates (an FMA rounds once, which a two-term product shows); the XNNPACK route when forced.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { forceXnnpackMatMul, matMulRoute } from '../../src/core/kernels/wasm-matmul';
import { gemmFor } from '../../src/core/kernels/wasm-gemm';
import { heapAddress, heapMemory, type WasmBackendLike } from '../../src/core/kernels/wasm-heap';
import { createRng } from '../../src/core/random';

// What src/node/backend.ts does for the lab; here before any of the lab's kernels is compiled.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const U = 2 ** -24; // float32's unit roundoff

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed, 'gemm-test');
  // Mixed signs and magnitudes, so cancellation shows in the error.
  return Float32Array.from({ length: size }, () => (rng.next() * 2 - 1) * 2 ** Math.floor(rng.next() * 6 - 3));
}

interface Case {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  /** Batch dimensions of A and B ([] for a plain matrix). */
  readonly batchA?: number[];
  readonly batchB?: number[];
}

/**
 * Product of batch `i` in float64 with each entry's Σ|a||b|: the float32 result of k FMAs in any
 * order is within γ_k·Σ|a_p b_p| of it, γ_k = k·u / (1 − k·u) (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed. 2002, §3.1, eq. 3.5; no arXiv id).
 */
function reference(c: Case, a: Float32Array, b: Float32Array): { value: Float64Array; magnitude: Float64Array } {
  const batches = Math.max(size(c.batchA), size(c.batchB));
  const value = new Float64Array(batches * c.m * c.n);
  const magnitude = new Float64Array(batches * c.m * c.n);
  for (let t = 0; t < batches; t++) {
    const aBase = (size(c.batchA) === 1 ? 0 : t) * c.m * c.k;
    const bBase = (size(c.batchB) === 1 ? 0 : t) * c.k * c.n;
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < c.k; p++) {
          const x = a[aBase + (c.transposeA ? p * c.m + i : i * c.k + p)];
          const y = b[bBase + (c.transposeB ? j * c.k + p : p * c.n + j)];
          sum += x * y;
          abs += Math.abs(x * y);
        }
        value[(t * c.m + i) * c.n + j] = sum;
        magnitude[(t * c.m + i) * c.n + j] = abs;
      }
    }
  }
  return { value, magnitude };
}

function size(batch: number[] | undefined): number {
  return (batch ?? []).reduce((x, y) => x * y, 1);
}

/** The product on the wasm backend as tf.matMul computes it, checked against the oracle; returns the values. */
function expectProductWithinBound(c: Case, seed: number): Float32Array {
  const aShape = [...(c.batchA ?? []), ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])];
  const bShape = [...(c.batchB ?? []), ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
  const a = randomValues(size(aShape), seed);
  const b = randomValues(size(bShape), seed + 1);
  const before = tf.memory().numTensors;
  const product = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), c.transposeA, c.transposeB));
  const got = product.dataSync() as Float32Array;
  product.dispose();
  expect(tf.memory().numTensors).toBe(before);
  const { value, magnitude } = reference(c, a, b);
  expect(got.length).toBe(value.length);
  const gamma = (c.k * U) / (1 - c.k * U);
  let worst = 0;
  for (let i = 0; i < value.length; i++) worst = Math.max(worst, Math.abs(got[i] - value[i]) - gamma * magnitude[i]);
  expect(worst).toBeLessThanOrEqual(0);
  return got;
}

const CASES: Case[] = [
  { m: 7, k: 13, n: 11 }, // no side a multiple of the tile
  { m: 4, k: 8, n: 8 }, // exactly one tile
  { m: 1, k: 1, n: 1 },
  { m: 9, k: 5, n: 4 }, // only the 4-column strip
  { m: 130, k: 37, n: 10 }, // the MLP's 10 classes: B and C padded to 12 columns
  { m: 6, k: 784, n: 20 }, // a long k
  { m: 7, k: 13, n: 11, transposeA: true },
  { m: 7, k: 13, n: 11, transposeB: true },
  { m: 7, k: 13, n: 11, transposeA: true, transposeB: true },
  { m: 33, k: 9, n: 16, transposeB: true }, // B transposed, no padding
  { m: 5, k: 6, n: 9, batchA: [3], batchB: [3] }, // K stacked models
  { m: 5, k: 6, n: 9, batchA: [3], batchB: [3], transposeA: true },
  { m: 5, k: 6, n: 9, batchA: [2, 2], batchB: [2, 2], transposeB: true },
  { m: 5, k: 6, n: 9, batchA: [1], batchB: [4] }, // A broadcast over B's batches
  { m: 5, k: 6, n: 8, batchA: [4], batchB: [] }, // B broadcast (rank 2)
];

function describeCase(c: Case): string {
  const t = `${c.transposeA ? 'ᵀ' : ''}·${c.transposeB ? 'ᵀ' : ''}`;
  return `[${c.batchA ?? ''}] ${c.m}×${c.k} ${t} [${c.batchB ?? ''}] ${c.k}×${c.n}`;
}

/** 1 + 2⁻¹²: its square, 1 + 2⁻¹¹ + 2⁻²⁴, loses the 2⁻²⁴ when rounded to float32. */
const PROBE = 1 + 2 ** -12;

/** [1, PROBE]·[−1, PROBE]ᵀ: 2⁻¹¹ + 2⁻²⁴ when the last multiply-add is fused, 2⁻¹¹ when its product is rounded first. */
function twoTermProduct(): number {
  return tf.tidy(() => tf.matMul(tf.tensor2d([[1, PROBE]]), tf.tensor2d([[-1], [PROBE]])).dataSync()[0]);
}

const cpuHasFma = existsSync('/proc/cpuinfo') && /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));

beforeAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

afterEach(() => forceXnnpackMatMul(false));

afterAll(async () => {
  forceXnnpackMatMul(false);
  await tf.setBackend('cpu');
});

describe('BatchMatMul on the relaxed-SIMD FMA route', () => {
  it('is the route taken where relaxed SIMD validates, and rounds once per multiply-add on an FMA CPU', () => {
    expect(matMulRoute(tf.backend() as unknown as WasmBackendLike)).toBe('relaxed-fma');
    const value = twoTermProduct();
    if (cpuHasFma) expect(value).toBe(2 ** -11 + 2 ** -24);
    else expect([2 ** -11, 2 ** -11 + 2 ** -24]).toContain(value);
  });

  for (const [index, c] of CASES.entries()) {
    it(`gives ${describeCase(c)} within γ_k·Σ|a||b| of float64`, () => {
      expectProductWithinBound(c, 100 + index);
    });
  }

  it('gives each row the bits it gets alone (a model alone or in a group: the tiles do not change the sums)', () => {
    const [m, k, n] = [11, 50, 13];
    const a = randomValues(m * k, 7);
    const b = randomValues(k * n, 8);
    const whole = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
    for (const row of [0, 3, 8, 10]) {
      const alone = tf.tidy(() => tf.matMul(tf.tensor2d(a.subarray(row * k, (row + 1) * k), [1, k]), tf.tensor2d(b, [k, n])).dataSync());
      expect(Array.from(alone)).toEqual(Array.from(whole.subarray(row * n, (row + 1) * n)));
    }
  });

  it('gives Aᵀ·B read in place the bits of the same product with Aᵀ copied first (another walk of A, the same FMAs)', () => {
    const [m, k, n] = [13, 29, 12];
    const stored = tf.tensor2d(randomValues(k * m, 9), [k, m]);
    const b = tf.tensor2d(randomValues(k * n, 10), [k, n]);
    const inPlace = tf.tidy(() => tf.matMul(stored, b, true, false).dataSync());
    const copied = tf.tidy(() => tf.matMul(tf.tensor2d(tf.transpose(stored).dataSync(), [m, k]), b).dataSync());
    tf.dispose([stored, b]);
    expect(Array.from(inPlace)).toEqual(Array.from(copied));
  });

  it('gives a long k the same bits in passes of 256 steps as in one pass (the accumulators resume from C)', () => {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const memory = heapMemory(backend)!;
    const gemm = gemmFor(memory)!;
    const [m, k, n] = [9, 700, 12];
    const a = tf.tensor2d(randomValues(m * k, 14), [m, k]);
    const b = tf.tensor2d(randomValues(k * n, 15), [k, n]);
    const [blocked, whole] = [tf.zeros([m, n]), tf.zeros([m, n])];
    const operands = { a: heapAddress(backend, a), b: heapAddress(backend, b), m, n, k, rowStrideA: k * 4, colStrideA: 4, ldb: n * 4, ldc: n * 4 };
    gemm({ ...operands, c: heapAddress(backend, blocked), depthBlock: 256 });
    gemm({ ...operands, c: heapAddress(backend, whole), depthBlock: k });
    const [x, y] = [blocked.dataSync(), whole.dataSync()];
    tf.dispose([a, b, blocked, whole]);
    expect(Array.from(x)).toEqual(Array.from(y));
    expect(x.every((v) => v !== 0)).toBe(true);
  });

  it('gives zeros for k = 0 and an empty tensor for m = 0', () => {
    expect(Array.from(tf.tidy(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 5])).dataSync()))).toEqual(new Array(15).fill(0));
    expect(tf.tidy(() => tf.matMul(tf.zeros([0, 4]), tf.ones([4, 5])).shape)).toEqual([0, 5]);
  });
});

describe('_FusedMatMul on the FMA route', () => {
  const [m, k, n] = [9, 21, 10];
  const a = randomValues(m * k, 11);
  const b = randomValues(k * n, 12);
  const bias = randomValues(n, 13);

  it('is the product, then + bias, then ReLU, bit for bit as the three kernels one after another', () => {
    const fused = tf.tidy(() =>
      tf.fused.matMul({ a: tf.tensor2d(a, [m, k]), b: tf.tensor2d(b, [k, n]), bias: tf.tensor1d(bias), activation: 'relu' }).dataSync(),
    );
    const apart = tf.tidy(() => tf.relu(tf.add(tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])), tf.tensor1d(bias))).dataSync());
    expect(Array.from(fused)).toEqual(Array.from(apart));
    expect(fused.some((v) => v === 0) && fused.some((v) => v > 0)).toBe(true); // the ReLU did something
  });

  it("reads a transposed B as BatchMatMul does (tfjs-backend-wasm 4.22's own kernel gets this wrong)", () => {
    const fused = tf.tidy(() =>
      tf.fused.matMul({ a: tf.tensor2d(a, [m, k]), b: tf.tensor2d(b, [k, n]).transpose(), transposeB: true, bias: tf.tensor1d(bias), activation: 'relu' }).dataSync(),
    );
    const apart = tf.tidy(() => tf.relu(tf.add(tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])), tf.tensor1d(bias))).dataSync());
    expect(Array.from(fused)).toEqual(Array.from(apart));
  });

  it('sends an activation it does not fuse (elu) to the native kernel', () => {
    const fused = tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(a, [m, k]), b: tf.tensor2d(b, [k, n]), bias: tf.tensor1d(bias), activation: 'elu' }).dataSync());
    const apart = tf.tidy(() => tf.elu(tf.add(tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])), tf.tensor1d(bias))).dataSync());
    const { value, magnitude } = reference({ m, k, n }, a, b);
    for (let i = 0; i < apart.length; i++) expect(Math.abs(fused[i] - apart[i])).toBeLessThanOrEqual(4 * k * U * (magnitude[i] + Math.abs(value[i]) + Math.abs(bias[i % n])));
  });
});

describe('BatchMatMul with XNNPACK forced', () => {
  it('takes the XNNPACK route, whose multiply-adds round twice', () => {
    forceXnnpackMatMul(true);
    expect(matMulRoute(tf.backend() as unknown as WasmBackendLike)).toBe('xnnpack');
    expect(twoTermProduct()).toBe(2 ** -11);
  });

  for (const [index, c] of CASES.filter((c) => c.k > 1).entries()) {
    it(`still gives ${describeCase(c)} within γ_k·Σ|a||b| of float64`, () => {
      forceXnnpackMatMul(true);
      expectProductWithinBound(c, 200 + index);
    });
  }
});
