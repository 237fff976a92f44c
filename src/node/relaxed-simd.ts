/**
 * WebAssembly relaxed SIMD in Node: on by default in Chromium, behind a V8 flag in Node 20. The
 * lab's FMA matrix product (core/kernels/wasm-gemm.ts) validates only with it, so Node takes the
 * browser's route. V8's flags are process-wide and read when a module is compiled; the lab's
 * kernels compile theirs on first use, so call this before the first product.
 * MIA_LAB_NO_RELAXED_SIMD=1 keeps XNNPACK's product (the benchmark's before/after).
 */
import { setFlagsFromString } from 'node:v8';

export function enableRelaxedSimd(): void {
  if (process.env.MIA_LAB_NO_RELAXED_SIMD !== '1') setFlagsFromString('--experimental-wasm-relaxed-simd');
}
