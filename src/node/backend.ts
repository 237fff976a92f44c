/**
 * TensorFlow.js backends in Node: cpu (pure JS) and wasm (XNNPACK, SIMD). wasm trains dense
 * models about 5× faster here (../shared/BROWSER.md) but tfjs-backend-wasm 4.22 has no
 * convolution gradient kernels, so "auto" picks wasm only when no model has convolutions.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { ExperimentConfig } from '../core/config';
import { ARCHITECTURE_CATALOG as ARCHITECTURES } from '../core/models/catalog';

export const NODE_BACKENDS = ['auto', 'cpu', 'wasm'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** True when a model of the config has convolutions, which the wasm backend cannot train. */
export function hasConvolutions(config: ExperimentConfig): boolean {
  return [config.target, config.shadow, config.reference].some((t) => ARCHITECTURES[t.architecture].hasConvolutions);
}

/** Resolve "auto", refuse combinations that cannot train, and activate the backend. Returns its name. */
export async function activateBackend(requested: string, config: ExperimentConfig): Promise<string> {
  if (!(NODE_BACKENDS as readonly string[]).includes(requested)) {
    throw new Error(`--backend: unknown backend "${requested}" (in Node: ${NODE_BACKENDS.join(', ')})`);
  }
  const name = requested === 'auto' ? (hasConvolutions(config) ? 'cpu' : 'wasm') : requested;
  if (name === 'wasm' && hasConvolutions(config)) {
    throw new Error(
      '--backend wasm: the wasm backend cannot train convolutional models (tfjs-backend-wasm has no ' +
        'Conv2DBackpropFilter/Input kernels); use --backend cpu or an MLP',
    );
  }
  if (!(await tf.setBackend(name))) throw new Error(`--backend ${name}: TensorFlow.js could not start this backend`);
  await tf.ready();
  return tf.getBackend();
}
