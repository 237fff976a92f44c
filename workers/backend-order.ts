/**
 * Which TensorFlow.js backends to try, in order, for a request and a config. Pure, so it is
 * tested without a browser. The order is the browser's: WebGPU, then webgl, wasm, cpu
 * (../shared/BROWSER.md). wasm is skipped for convolutional models: tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter/Input kernels, so it cannot train them.
 */
import type { ExperimentConfig } from '../src/core/config';
import { ARCHITECTURE_CATALOG as ARCHITECTURES } from '../src/core/models/catalog';
import type { BackendChoice, BackendName } from './protocol';

export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export function configHasConvolutions(config: ExperimentConfig): boolean {
  return [config.target, config.shadow].some((training) => ARCHITECTURES[training.architecture]?.hasConvolutions ?? false);
}

export interface BackendPlan {
  /** Tried in order; the first that starts runs the experiment. */
  readonly candidates: readonly BackendName[];
  readonly notices: readonly string[];
}

/**
 * The request first, then the rest of the auto order after it as fallbacks, without wasm when a
 * model has convolutions, and without backends known to be broken in this worker (a lost WebGPU
 * device, say).
 */
export function planBackends(requested: BackendChoice, config: ExperimentConfig, broken: ReadonlySet<BackendName> = new Set()): BackendPlan {
  const notices: string[] = [];
  const conv = configHasConvolutions(config);
  let candidates: BackendName[] =
    requested === 'auto' ? [...BACKEND_ORDER] : [requested, ...BACKEND_ORDER.filter((name) => name !== requested)];
  if (conv && candidates.includes('wasm')) {
    if (requested === 'wasm') {
      notices.push(
        'The wasm backend cannot train convolutional models (tfjs-backend-wasm has no convolution gradient kernels); ' +
          'falling back to the next backend. Pick an MLP to train on wasm.',
      );
    }
    candidates = candidates.filter((name) => name !== 'wasm');
  }
  for (const name of broken) {
    if (candidates.includes(name)) {
      notices.push(`${name} failed earlier in this worker (device lost or crashed); it is skipped until the worker restarts.`);
      candidates = candidates.filter((candidate) => candidate !== name);
    }
  }
  return { candidates, notices };
}
