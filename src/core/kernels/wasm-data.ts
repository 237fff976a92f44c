/**
 * Data-movement kernels for the wasm backend that cost more than they should in tfjs-backend-wasm
 * 4.22, measured on a 16-model batched MLP step:
 *
 * - Identity copies its input. The engine runs it for every tensor it saves for backprop
 *   (`clone`), so each training step copied its inputs and weights again; a quarter of the time of
 *   a batched step went there. Tensors are immutable (a Variable's assign swaps buffers), so the
 *   output may share the input's buffer, as the cpu and webgl backends already do.
 * - GatherV2 along axis 0 (a training batch picked from the uploaded data) walked element by element
 *   (~12 ns each); rows are contiguous, so each becomes one memcpy.
 * - Slice copied its whole input out of the heap (readSync) before taking the slice. tfjs-layers'
 *   predict slices its input in batches of 32, so predicting 1,000 MNIST records copied the 3 MB
 *   part 32 times: in a default CLI run (node --cpu-prof) that was 2.8 s of 12 s. A contiguous slice
 *   (any slice of leading rows) is now one copy of just the slice.
 * - Cast to the dtype a tensor already has copied it. Every ReLU gradient makes one
 *   (`mul(dy, cast(step(x), 'float32'))`): 7 copies a CNN step, 1.1 ms of ~95 ms. It now shares the
 *   buffer, as Identity does; casts that change the dtype still go to the native kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM, replaceKernel, type KernelArgs, type WasmBackendLike } from './wasm-heap';

interface WasmBackendWithRefs extends WasmBackendLike {
  incRef(dataId: object): void;
}

function identity(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  (args.backend as WasmBackendWithRefs).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let nativeCast: tf.KernelConfig | undefined;

function cast(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (args.attrs?.dtype !== x.dtype || x.dtype === 'string' || x.dtype === 'complex64') {
    return (nativeCast as tf.KernelConfig).kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  return identity(args);
}

let nativeGather: tf.KernelConfig | undefined;

function gather(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, indices } = args.inputs;
  const axis = Number(args.attrs?.axis ?? 0);
  const batchDims = Number(args.attrs?.batchDims ?? 0);
  const rows = x.shape[0];
  const simple =
    (axis === 0 || axis === -x.shape.length) && batchDims === 0 && (x.dtype === 'float32' || x.dtype === 'int32') && indices.dtype === 'int32' && x.shape.length >= 1;
  if (!simple) return (nativeGather as tf.KernelConfig).kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const from = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const to = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const which = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < which.length; i++) {
    const row = which[i];
    if (row < 0 || row >= rows) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
    }
    if (rowSize === 1) to[i] = from[row];
    else to.set(from.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
  }
  return out;
}

let nativeSlice: tf.KernelConfig | undefined;

function slice(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x } = args.inputs;
  const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs?.begin as number[], args.attrs?.size as number[]);
  if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    return (nativeSlice as tf.KernelConfig).kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
  const out = backend.makeOutput(size, x.dtype);
  // Views taken after makeOutput, which may have grown (and detached) the heap.
  const from = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(from.subarray(offset, offset + tf.util.sizeFromShape(size)));
  return out;
}

/** Replace the wasm backend's Identity and same-dtype Cast (zero-copy), GatherV2 (row copies on axis 0) and Slice (no whole-input copy). Idempotent. */
export function registerWasmDataKernels(): void {
  if (nativeGather !== undefined) return;
  const native = tf.getKernel('GatherV2', WASM);
  const nativeSliceConfig = tf.getKernel('Slice', WASM);
  const nativeCastConfig = tf.getKernel('Cast', WASM);
  if (native === undefined || nativeSliceConfig === undefined || nativeCastConfig === undefined) {
    throw new Error("wasm kernels: import '@tensorflow/tfjs-backend-wasm' before registering kernels for it");
  }
  nativeGather = native;
  nativeSlice = nativeSliceConfig;
  nativeCast = nativeCastConfig;
  replaceKernel({ ...nativeCastConfig, kernelFunc: cast as unknown as tf.KernelFunc });
  replaceKernel({ ...native, kernelFunc: gather as unknown as tf.KernelFunc });
  replaceKernel({ ...nativeSliceConfig, kernelFunc: slice as unknown as tf.KernelFunc });
  replaceKernel({ kernelName: 'Identity', backendName: WASM, kernelFunc: identity as unknown as tf.KernelFunc });
}
