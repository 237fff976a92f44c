/**
 * Which TensorFlow.js backends to try, in order, for a request and a config. Pure, so it is
 * tested without a browser. The order is the browser's: WebGPU, then webgl, wasm, cpu
 * (README's backend notes); auto puts the backend measured fastest first
 * instead (backend.ts, chooseBackend) and keeps this order for the ones it did not measure. wasm trains
 * every architecture: the worker registers the lab's convolution-gradient kernels on it
 * (src/core/kernels).
 */
import type { BackendChoice, BackendName } from './protocol';

export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendPlan {
  /** Tried in order; the first that starts runs the experiment. */
  readonly candidates: readonly BackendName[];
  readonly notices: readonly string[];
}

/**
 * The request first, then the rest of the auto order after it as fallbacks, without backends
 * known to be broken in this worker (a lost WebGPU device, say).
 */
export function planBackends(requested: BackendChoice, broken: ReadonlySet<BackendName> = new Set()): BackendPlan {
  const notices: string[] = [];
  let candidates: BackendName[] =
    requested === 'auto' ? [...BACKEND_ORDER] : [requested, ...BACKEND_ORDER.filter((name) => name !== requested)];
  for (const name of broken) {
    if (candidates.includes(name)) {
      notices.push(`${name} failed earlier in this worker (device lost or crashed); it is skipped until the worker restarts.`);
      candidates = candidates.filter((candidate) => candidate !== name);
    }
  }
  return { candidates, notices };
}
