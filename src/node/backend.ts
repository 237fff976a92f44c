/**
 * TensorFlow.js backends in Node: cpu (pure JS) and wasm (XNNPACK, SIMD). tfjs-backend-wasm 4.22
 * cannot train convolutions (no Conv2DBackpropFilter) and is slow on transposed matrix products;
 * the lab registers its own kernels for both (src/core/kernels, `npm run bench` measures them), so
 * wasm trains every architecture and "auto" always picks it; matrix products run as relaxed-SIMD
 * FMA (kernels/wasm-gemm.ts) once the V8 flag below is set. MIA_LAB_STOCK_WASM=1 leaves the
 * backend as it ships, for the benchmark's before/after.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { ExperimentConfig } from '../core/config';
import { registerWasmKernels } from '../core/kernels/wasm-kernels';
import { configHasConvolutions } from '../core/models/catalog';
import { enableRelaxedSimd } from './relaxed-simd';

export const NODE_BACKENDS = ['auto', 'cpu', 'wasm'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

const STOCK_WASM = process.env.MIA_LAB_STOCK_WASM === '1';
if (!STOCK_WASM) enableRelaxedSimd();
if (!STOCK_WASM) registerWasmKernels();

/** Resolve "auto", refuse combinations that cannot train, and activate the backend. Returns its name. */
export async function activateBackend(requested: string, config: ExperimentConfig): Promise<string> {
  if (!(NODE_BACKENDS as readonly string[]).includes(requested)) {
    throw new Error(`--backend: unknown backend "${requested}" (in Node: ${NODE_BACKENDS.join(', ')})`);
  }
  const name = requested === 'auto' ? 'wasm' : requested;
  if (name === 'wasm' && STOCK_WASM && configHasConvolutions(config)) {
    throw new Error(
      '--backend wasm with MIA_LAB_STOCK_WASM=1: the stock wasm backend cannot train convolutional models ' +
        '(no Conv2DBackpropFilter kernel); unset MIA_LAB_STOCK_WASM or use --backend cpu',
    );
  }
  if (!(await tf.setBackend(name))) throw new Error(`--backend ${name}: TensorFlow.js could not start this backend`);
  await tf.ready();
  return tf.getBackend();
}
