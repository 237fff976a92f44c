/**
 * A BatchMatMul for the wasm backend that keeps every product on XNNPACK.
 *
 * tfjs-backend-wasm 4.22 runs A·B on XNNPACK only when neither side is transposed and there is a
 * single batch; A·Bᵀ, Aᵀ·B and batched products fall to a naive loop (measured here: 128×784×128
 * takes 1.1 ms on XNNPACK and 10.5 ms transposed). Training hits the slow case on every step, since
 * a dense layer's gradients are dy·Wᵀ and xᵀ·dy, and K stacked models are a batched product. This
 * kernel transposes operands in JS (cheap, O(size)) and runs each batch as one XNNPACK product.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM, captureNativeMatMul, dispose, heapF32, matMulXnn, replaceKernel, transposeInto, type KernelArgs, type WasmBackendLike } from './wasm-heap';

/** Below this many multiply-adds per batch the native loop is as fast as our copies. */
const MIN_WORK = 16_384;

/** Batch `index` of `x` as a [1, rows, cols] tensor, transposing a stored [cols, rows] block when asked. */
function operand(backend: WasmBackendLike, x: tf.TensorInfo, index: number, rows: number, cols: number, transposed: boolean): tf.TensorInfo {
  const slice = backend.makeOutput([1, rows, cols], 'float32');
  const src = heapF32(backend, x);
  const dst = heapF32(backend, slice);
  const offset = index * rows * cols;
  if (transposed) transposeInto(src, offset, cols, rows, dst, 0);
  else dst.set(src.subarray(offset, offset + rows * cols));
  return slice;
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const transposeA = Boolean(attrs?.transposeA);
  const transposeB = Boolean(attrs?.transposeB);
  const native = captureNativeMatMul();
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const simple = !transposeA && !transposeB && batch === 1;
  const unsupported =
    a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kb || (batchA !== batchB && batchA !== 1 && batchB !== 1);
  if (simple || unsupported || m * n * k < MIN_WORK) {
    // The native kernel: XNNPACK for the simple case, its own checks and messages for the rest.
    return native.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  // Operands that are already a plain single matrix go to XNNPACK as they are.
  const aAsIs = !transposeA && batchA === 1;
  const bAsIs = !transposeB && batchB === 1;
  if (batch === 1) {
    const left = aAsIs ? a : operand(backend, a, 0, m, k, transposeA);
    const right = bAsIs ? b : operand(backend, b, 0, k, n, transposeB);
    const product = matMulXnn(backend, left, right);
    if (left !== a) dispose(backend, left);
    if (right !== b) dispose(backend, right);
    product.shape = outShape;
    return product;
  }
  const out = backend.makeOutput(outShape, 'float32');
  for (let i = 0; i < batch; i++) {
    const left = aAsIs ? a : operand(backend, a, batchA === 1 ? 0 : i, m, k, transposeA);
    const right = bAsIs ? b : operand(backend, b, batchB === 1 ? 0 : i, k, n, transposeB);
    const product = matMulXnn(backend, left, right);
    heapF32(backend, out).set(heapF32(backend, product), i * m * n);
    dispose(backend, product);
    if (left !== a) dispose(backend, left);
    if (right !== b) dispose(backend, right);
  }
  return out;
}

let registered = false;

/**
 * Replace the wasm backend's BatchMatMul with the XNNPACK-only version above. Idempotent; call it
 * after importing '@tensorflow/tfjs-backend-wasm' (before or after `tf.setBackend('wasm')`).
 */
export function registerWasmMatMulKernel(): void {
  if (registered) return;
  const native = captureNativeMatMul();
  replaceKernel({
    kernelName: 'BatchMatMul',
    backendName: WASM,
    // The native kernel binds its wasm function in its setup; keep that happening on (re)initialisation.
    setupFunc: native.setupFunc,
    disposeFunc: native.disposeFunc,
    kernelFunc: batchMatMul as unknown as tf.KernelFunc,
  });
  registered = true;
}
