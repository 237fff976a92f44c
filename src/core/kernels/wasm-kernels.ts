/**
 * MIA Lab's kernels for tfjs-backend-wasm 4.22, in one call. Register once per process (or worker)
 * after importing '@tensorflow/tfjs-backend-wasm', before or after `tf.setBackend('wasm')`:
 *
 *   import '@tensorflow/tfjs-backend-wasm';
 *   import { registerWasmKernels } from '../core/kernels/wasm-kernels';
 *   registerWasmKernels();
 *
 * What it adds or replaces (each file says why, with the measurement that motivated it):
 *   wasm-conv-grad.ts   Conv2DBackpropFilter (missing: CNNs could not train), Conv2DBackpropInput
 *   wasm-pool-grad.ts   MaxPoolGrad (2×2 windows at stride 2 by wasm-simd-pool.ts, WebAssembly SIMD)
 *   wasm-matmul.ts      BatchMatMul and _FusedMatMul: relaxed-SIMD FMA tiles (wasm-gemm.ts) where relaxed SIMD
 *                       validates, else transposed and batched products on XNNPACK too
 *   wasm-data.ts        Identity and same-dtype Cast without a copy, GatherV2 as row copies, Slice without copying its input
 *   wasm-reduce.ts      Sum over leading axes (bias gradients) without transposing first
 * Only the wasm backend is touched; cpu, webgl and webgpu keep their own kernels.
 */
import { registerWasmConvGradKernels } from './wasm-conv-grad';
import { registerWasmDataKernels } from './wasm-data';
import { registerWasmSumKernel } from './wasm-reduce';

export function registerWasmKernels(): void {
  registerWasmConvGradKernels();
  registerWasmDataKernels();
  registerWasmSumKernel();
}
