/**
 * The small part of tfjs-backend-wasm 4.22 that our kernels touch: tensors live in the wasm heap,
 * a kernel allocates its output with `makeOutput` and reads or writes raw float32 views with
 * `typedArrayFromHeap`. We describe it structurally instead of importing the package, so the core
 * keeps no runtime dependency on the wasm backend (it is only imported by the shells).
 *
 * One rule matters everywhere here: any allocation (makeOutput, or a wasm kernel that mallocs,
 * such as XNNPACK creating an operator) may grow the wasm memory, which detaches every existing
 * heap view. Take views after the last allocation and never keep them across a kernel call.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmMemory } from './wasm-assembler';

export const WASM = 'wasm';

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export interface KernelArgs {
  readonly inputs: Record<string, tf.TensorInfo>;
  readonly backend: WasmBackendLike;
  readonly attrs?: Record<string, unknown>;
}

/** What a kernel that runs its own WebAssembly on the heap needs: the backend's memory and each tensor's address. */
export interface WasmBackendWithMemory extends WasmBackendLike {
  readonly wasm?: { readonly wasmMemory?: WasmMemory; readonly asm?: { readonly memory?: WasmMemory } };
  readonly dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** The backend's WebAssembly.Memory (single-threaded builds export it as asm.memory), or undefined. */
export function heapMemory(backend: WasmBackendLike): WasmMemory | undefined {
  const wasm = (backend as WasmBackendWithMemory).wasm;
  return wasm?.wasmMemory ?? wasm?.asm?.memory;
}

/** The byte address of `info`'s data on the heap (stable while the tensor lives, even when the heap grows). */
export function heapAddress(backend: WasmBackendLike, info: tf.TensorInfo): number {
  const address = (backend as WasmBackendWithMemory).dataIdMap?.get(info.dataId)?.memoryOffset;
  if (address === undefined) throw new Error('wasm kernels: a tensor without a heap address (not a wasm backend tensor?)');
  return address;
}

/** A float32 view of `info` in the current heap (see the module note on detached views). */
export function heapF32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`wasm kernels: expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function dispose(backend: WasmBackendLike, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The wasm backend's own BatchMatMul, captured before we replace it (see wasm-matmul.ts). */
let nativeMatMul: tf.KernelConfig | undefined;

export function captureNativeMatMul(): tf.KernelConfig {
  if (nativeMatMul === undefined) {
    const config = tf.getKernel('BatchMatMul', WASM);
    if (config === undefined) {
      throw new Error("wasm kernels: import '@tensorflow/tfjs-backend-wasm' before registering kernels for it");
    }
    nativeMatMul = config;
  }
  return nativeMatMul;
}

/**
 * C = A·B for rank-3 A [1, M, K] and B [1, K, N], neither transposed: the one case tfjs-backend-wasm
 * 4.22 sends to XNNPACK. Every other case (a transpose, a batch dimension above 1) falls to a naive
 * triple loop about 10× slower, which is why the kernels here reshape their work into this form.
 */
export function matMulXnn(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const config = captureNativeMatMul();
  return config.kernelFunc({
    inputs: { a, b },
    backend: backend as unknown as tf.KernelBackend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
}

/**
 * Write the transpose of the row-major `rows × cols` block at `src[srcOffset…]` into `dst[dstOffset…]`
 * (cols × rows). Tiled so both sides stay in cache.
 */
export function transposeInto(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array, dstOffset: number): void {
  const tile = 32;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(r0 + tile, rows);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(c0 + tile, cols);
      for (let r = r0; r < r1; r++) {
        const from = srcOffset + r * cols;
        for (let c = c0; c < c1; c++) dst[dstOffset + c * rows + r] = src[from + c];
      }
    }
  }
}

/** Register `config`, replacing any kernel of that name for wasm without tfjs's duplicate warning. */
export function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}
