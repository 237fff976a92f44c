/**
 * Sum over leading axes for the wasm backend: the bias gradient of every convolution and dense
 * layer (the gradient of `x + bias` sums dy over the batch and spatial axes, keeping channels).
 *
 * tfjs-backend-wasm 4.22 sums only innermost axes, so for these it first transposes the whole
 * tensor (its Transpose, ~2.5 ns an element here) to put the channels first, then sums each
 * channel's row. For a CNN's [128, 26, 26, 16] gradient that was 4.8 ms of a ~95 ms step (the
 * transpose two thirds of it). Summing in place, channel by channel as the rows go by, reads the
 * tensor once and skips the transposed copy.
 *
 * The result is bit for bit the native one: each channel's total is accumulated in float32 (a
 * Float32Array slot rounds every addition, as the native float loop does) over the positions in
 * the same row-major order as the transposed row the native kernel walks.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM, heapF32, replaceKernel, type KernelArgs } from './wasm-heap';

let nativeSum: tf.KernelConfig | undefined;

/**
 * k when `axes` is exactly [0, 1, …, k − 1] with k < rank, else 0. In that order only: the native
 * kernel sums the axes in the order given, so [1, 0] adds the same numbers in another order.
 */
export function leadingAxesCount(axes: readonly number[], rank: number): number {
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((axis, i) => axis === i) ? axes.length : 0;
}

/**
 * out[c] = Σ_p x[p·width + c], each addition rounded to float32, p in order. Eight channels at a
 * time in locals (Math.fround rounds as a float32 slot would): a running total kept in a
 * Float32Array slot costs a store and a load per element, and measured twice as slow here. Wide
 * rows (over 64 channels) stream through the slots instead, so the tensor is read once, not once
 * per eight channels.
 */
export function sumRowsInto(x: Float32Array, rows: number, width: number, out: Float32Array): void {
  if (width > 64) {
    out.fill(0);
    for (let p = 0, i = 0; p < rows; p++) for (let c = 0; c < width; c++, i++) out[c] += x[i];
    return;
  }
  const end = rows * width;
  let c = 0;
  for (; c + 8 <= width; c += 8) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let i = c; i < end; i += width) {
      a0 = Math.fround(a0 + x[i]);
      a1 = Math.fround(a1 + x[i + 1]);
      a2 = Math.fround(a2 + x[i + 2]);
      a3 = Math.fround(a3 + x[i + 3]);
      a4 = Math.fround(a4 + x[i + 4]);
      a5 = Math.fround(a5 + x[i + 5]);
      a6 = Math.fround(a6 + x[i + 6]);
      a7 = Math.fround(a7 + x[i + 7]);
    }
    out[c] = a0; out[c + 1] = a1; out[c + 2] = a2; out[c + 3] = a3;
    out[c + 4] = a4; out[c + 5] = a5; out[c + 6] = a6; out[c + 7] = a7;
  }
  for (; c < width; c++) {
    let a = 0;
    for (let i = c; i < end; i += width) a = Math.fround(a + x[i]);
    out[c] = a;
  }
}

function sum(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x } = args.inputs;
  const keepDims = Boolean(args.attrs?.keepDims);
  const axes = tf.util.parseAxisParam(args.attrs?.axis as number | number[], x.shape);
  const leading = leadingAxesCount(axes, x.shape.length);
  if (x.dtype !== 'float32' || leading === 0 || tf.util.sizeFromShape(x.shape) === 0) {
    return (nativeSum as tf.KernelConfig).kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const kept = x.shape.slice(leading);
  const outShape = keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept;
  const out = backend.makeOutput(outShape, 'float32');
  const rows = tf.util.sizeFromShape(x.shape.slice(0, leading));
  // Views after makeOutput, which may have grown (and detached) the heap.
  sumRowsInto(heapF32(backend, x), rows, tf.util.sizeFromShape(kept), heapF32(backend, out));
  return out;
}

/** Replace the wasm backend's Sum with one that sums leading axes in place (other cases go to the native kernel). Idempotent. */
export function registerWasmSumKernel(): void {
  if (nativeSum !== undefined) return;
  const native = tf.getKernel('Sum', WASM);
  if (native === undefined) throw new Error("wasm kernels: import '@tensorflow/tfjs-backend-wasm' before registering kernels for it");
  nativeSum = native;
  replaceKernel({ ...native, kernelFunc: sum as unknown as tf.KernelFunc });
}
