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
 * the same row-major order as the transposed row the native kernel walks. Rows of a multiple of
 * four channels (every layer of the project's models) are summed by a few WebAssembly SIMD
 * instructions on the backend's heap (sumRowsFunction, assembled by wasm-assembler.ts), the rest
 * by a JavaScript loop.
 */
import * as tf from '@tensorflow/tfjs';
import { I32, forLoop, instantiateOnHeap, localGet, localSet, oncePerMemory, simd, type OneFunctionModule, type WasmMemory } from './wasm-assembler';
import { WASM, heapF32, replaceKernel, type KernelArgs, type WasmBackendLike } from './wasm-heap';

/**
 * sumRows(x, out, rows, rowBytes) in WebAssembly SIMD, for rows of a multiple of four channels:
 * out starts at 0, then each row is added to it four lanes at a time. Each channel still adds its
 * values one by one in row order in float32, so the result is the scalar one bit for bit, at about
 * a sixth of its time (0.5 against 3.0 ms for 86,528 rows of 16 here).
 */
function sumRowsFunction(): OneFunctionModule {
  const [x, out, rows, rowBytes, p, c, row] = [0, 1, 2, 3, 4, 5, 6];
  const ADD = [0x6a];
  const LOAD = simd(0x00, 4, 0);
  const STORE = simd(0x0b, 4, 0);
  const FADD = simd(0xe4);
  const ZERO = simd(0x0c, ...new Array(16).fill(0));
  const outAt = [...localGet(out), ...localGet(c), ...ADD];
  return {
    params: [I32, I32, I32, I32],
    locals: [[3, I32]],
    body: [
      ...forLoop(c, localGet(rowBytes), 16, [...outAt, ...ZERO, ...STORE]),
      ...localGet(x), ...localSet(row),
      ...forLoop(p, localGet(rows), 1, [
        ...forLoop(c, localGet(rowBytes), 16, [...outAt, ...outAt, ...LOAD, ...localGet(row), ...localGet(c), ...ADD, ...LOAD, ...FADD, ...STORE]),
        ...localGet(row), ...localGet(rowBytes), ...ADD, ...localSet(row),
      ]),
    ],
  };
}

type SumRows = (x: number, out: number, rows: number, rowBytes: number) => void;
const simdSumRowsFor = oncePerMemory((memory) => instantiateOnHeap<SumRows>(sumRowsFunction(), memory));

/** What the SIMD route needs of the backend: its memory and each tensor's address. */
interface WasmBackendWithMemory extends WasmBackendLike {
  readonly wasm?: { readonly asm?: { readonly memory?: WasmMemory } };
  readonly dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** The SIMD sum where the width is a multiple of four and the engine runs it; false otherwise. */
function sumRowsBySimd(backend: WasmBackendWithMemory, x: tf.TensorInfo, out: tf.TensorInfo, rows: number, width: number): boolean {
  const memory = backend.wasm?.asm?.memory;
  const from = backend.dataIdMap?.get(x.dataId)?.memoryOffset;
  const to = backend.dataIdMap?.get(out.dataId)?.memoryOffset;
  if (width % 4 !== 0 || memory === undefined || from === undefined || to === undefined) return false;
  const sumRows = simdSumRowsFor(memory);
  if (sumRows === undefined) return false;
  sumRows(from, to, rows, width * 4);
  return true;
}

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
  const width = tf.util.sizeFromShape(kept);
  if (sumRowsBySimd(backend as WasmBackendWithMemory, x, out, rows, width)) return out;
  // Views after makeOutput, which may have grown (and detached) the heap.
  sumRowsInto(heapF32(backend, x), rows, width, heapF32(backend, out));
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
