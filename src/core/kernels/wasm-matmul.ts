/**
 * A BatchMatMul for the wasm backend with two routes for float32 products, chosen in one place
 * (`matMulRoute`):
 *
 * - relaxed-fma: every product, plain, transposed or batched, by the relaxed-SIMD FMA tiles of
 *   wasm-gemm.ts, which read Aᵀ where it lies and write C in place; the MLP's two large products
 *   as training calls them took 1.8–2.0× less CPU time than on the XNNPACK route here
 *   (bench/README.md, "Past the floor"). Taken
 *   where relaxed SIMD validates: Chromium by default, Node with the flag src/node/backend.ts sets.
 * - xnnpack: elsewhere (or when `forceXnnpackMatMul(true)`). tfjs-backend-wasm 4.22 runs A·B on
 *   XNNPACK only when neither side is transposed and there is a single batch; A·Bᵀ, Aᵀ·B and
 *   batched products fall to a naive loop (measured here: 128×784×128 takes 1.1 ms on XNNPACK and
 *   10.5 ms transposed). Training hits the slow case on every step, since a dense layer's gradients
 *   are dy·Wᵀ and xᵀ·dy, and K stacked models are a batched product. This route transposes
 *   operands in JS (cheap, O(size)) and runs each batch as one XNNPACK product.
 *
 * The routes round differently (an FMA rounds once), so a run's figures depend on which one its
 * engine takes; Chromium and Node on the same CPU take the same one (both V8 lower relaxed_madd to
 * FMA where the CPU has it: tests/kernels/wasm-gemm.test.ts checks Node's).
 */
import * as tf from '@tensorflow/tfjs';
import { gemmFor, type Gemm } from './wasm-gemm';
import { WASM, captureNativeMatMul, dispose, heapAddress, heapF32, heapMemory, matMulXnn, replaceKernel, transposeInto, type KernelArgs, type WasmBackendLike } from './wasm-heap';

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

/** The shape of one BatchMatMul call: C[batch] = op(A[batch]) · op(B[batch]), m × k by k × n. */
interface Product {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch: number;
  readonly batchA: number;
  readonly batchB: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly outShape: number[];
}

export type MatMulRoute = 'relaxed-fma' | 'xnnpack';

let xnnpackForced = false;

/** Keep every product on XNNPACK even where relaxed SIMD validates (tests, and before/after measurements). */
export function forceXnnpackMatMul(forced: boolean): void {
  xnnpackForced = forced;
}

/** The FMA product for this backend's heap, or undefined where the XNNPACK route applies. */
function relaxedGemm(backend: WasmBackendLike): Gemm | undefined {
  if (xnnpackForced) return undefined;
  const memory = heapMemory(backend);
  return memory === undefined ? undefined : gemmFor(memory);
}

/** Which route this backend's float32 products take: the one place the choice is made. */
export function matMulRoute(backend: WasmBackendLike): MatMulRoute {
  return relaxedGemm(backend) === undefined ? 'xnnpack' : 'relaxed-fma';
}

/**
 * B of every batch as k rows of `width` floats (a multiple of 4 ≥ n), transposed from its stored
 * [n, k] when asked, the columns beyond n zero: the tiles read B in rows of whole vectors.
 */
function packB(src: Float32Array, dst: Float32Array, p: Product, width: number): void {
  dst.fill(0);
  for (let batch = 0; batch < p.batchB; batch++) {
    const from = batch * p.k * p.n;
    const to = batch * p.k * width;
    if (p.transposeB) {
      for (let j = 0; j < p.n; j++) for (let q = 0; q < p.k; q++) dst[to + q * width + j] = src[from + j * p.k + q];
    } else {
      for (let q = 0; q < p.k; q++) dst.set(src.subarray(from + q * p.n, from + (q + 1) * p.n), to + q * width);
    }
  }
}

/** Every batch by the FMA tiles: A (transposed or not) read in place, B packed only when transposed or n is not a multiple of 4. */
function productByGemm(backend: WasmBackendLike, gemm: Gemm, a: tf.TensorInfo, b: tf.TensorInfo, p: Product): tf.TensorInfo {
  const out = backend.makeOutput(p.outShape, 'float32');
  if (p.m * p.n * p.batch === 0) return out;
  const width = Math.ceil(p.n / 4) * 4;
  const packed = p.transposeB || width !== p.n ? backend.makeOutput([p.batchB, p.k, width], 'float32') : undefined;
  const padded = width !== p.n ? backend.makeOutput([p.m, width], 'float32') : undefined;
  // Views after the last allocation (an allocation may grow the heap and detach them).
  if (packed !== undefined) packB(heapF32(backend, b), heapF32(backend, packed), p, width);
  const [addressA, addressB, addressOut] = [heapAddress(backend, a), heapAddress(backend, packed ?? b), heapAddress(backend, out)];
  const addressPadded = padded === undefined ? 0 : heapAddress(backend, padded);
  for (let i = 0; i < p.batch; i++) {
    const c = padded === undefined ? addressOut + i * p.m * p.n * 4 : addressPadded;
    gemm({
      a: addressA + (p.batchA === 1 ? 0 : i) * p.m * p.k * 4,
      b: addressB + (p.batchB === 1 ? 0 : i) * p.k * width * 4,
      c,
      m: p.m,
      n: width,
      k: p.k,
      rowStrideA: p.transposeA ? 4 : p.k * 4,
      colStrideA: p.transposeA ? p.m * 4 : 4,
      ldb: width * 4,
      ldc: width * 4,
    });
    if (padded !== undefined) {
      const [from, to] = [heapF32(backend, padded), heapF32(backend, out)];
      for (let row = 0; row < p.m; row++) to.set(from.subarray(row * width, row * width + p.n), (i * p.m + row) * p.n);
    }
  }
  if (packed !== undefined) dispose(backend, packed);
  if (padded !== undefined) dispose(backend, padded);
  return out;
}

/** Every batch as an XNNPACK product, operands transposed or sliced in JS first where they must be. */
function productByXnnpack(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, p: Product): tf.TensorInfo {
  const { m, n, k, batch, batchA, batchB, transposeA, transposeB, outShape } = p;
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
  const unsupported =
    a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kb || (batchA !== batchB && batchA !== 1 && batchB !== 1);
  const gemm = unsupported ? undefined : relaxedGemm(backend);
  const simple = !transposeA && !transposeB && batch === 1;
  if (gemm === undefined && (simple || unsupported || m * n * k < MIN_WORK)) {
    // The native kernel: XNNPACK for the simple case, its own checks and messages for the rest.
    return native.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const product: Product = { m, n, k, batch, batchA, batchB, transposeA, transposeB, outShape };
  return gemm === undefined ? productByXnnpack(backend, a, b, product) : productByGemm(backend, gemm, a, b, product);
}

/** A·B (each side transposed when asked) on this backend's route: the lab's other kernels multiply through here. */
export function matMul(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, transposeA = false, transposeB = false): tf.TensorInfo {
  return batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } });
}

/**
 * tfjs's fused product, A·B + bias then an activation: a dense layer's forward pass outside a
 * gradient (evaluation, prediction) and a linear layer's inside one. On the FMA route, for float32
 * with a bias of one value per column (or none) and a linear or ReLU activation, it is the same
 * product as BatchMatMul's with the bias added and the activation applied after (each rounded to
 * float32 once); everything else goes to the native kernel (XNNPACK).
 */
function fusedMatMul(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs;
  const activation = (attrs?.activation as string | undefined) ?? 'linear';
  const n = Boolean(attrs?.transposeB) ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const biasFits = bias === undefined || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === n && bias.shape[bias.shape.length - 1] === n);
  const fits = preluActivationWeights === undefined && (activation === 'linear' || activation === 'relu') && biasFits;
  if (!fits || a.dtype !== 'float32' || b.dtype !== 'float32' || relaxedGemm(backend) === undefined) {
    return (nativeFusedMatMul as tf.KernelConfig).kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const out = batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA: attrs?.transposeA, transposeB: attrs?.transposeB } });
  if ((bias === undefined && activation === 'linear') || n === 0) return out;
  const values = heapF32(backend, out);
  if (bias !== undefined) addBias(values, heapF32(backend, bias), n);
  if (activation === 'relu') relu(values);
  return out;
}

/** values[row, j] += bias[j], rounded to float32 by the store. */
function addBias(values: Float32Array, bias: Float32Array, n: number): void {
  for (let row = 0; row < values.length; row += n) for (let j = 0; j < n; j++) values[row + j] += bias[j];
}

/** max(v, 0), NaN kept (as tfjs's Relu). */
function relu(values: Float32Array): void {
  for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
}

let nativeFusedMatMul: tf.KernelConfig | undefined;
let registered = false;

/**
 * Replace the wasm backend's BatchMatMul with the two-route version above, and its _FusedMatMul
 * with one that takes the same route. Idempotent; call it after importing
 * '@tensorflow/tfjs-backend-wasm' (before or after `tf.setBackend('wasm')`).
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
  nativeFusedMatMul = tf.getKernel('_FusedMatMul', WASM);
  if (nativeFusedMatMul !== undefined) replaceKernel({ ...nativeFusedMatMul, kernelFunc: fusedMatMul as unknown as tf.KernelFunc });
  registered = true;
}
