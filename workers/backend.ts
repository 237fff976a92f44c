/**
 * Starting a TensorFlow.js backend inside the worker. tf.setBackend can fail quietly (it resolves
 * false, or WebGPU logs a TypeError and tf.ready() lands on another backend), so every attempt is
 * checked against tf.getBackend() before it counts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { ExperimentConfig } from '../src/core/config';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { configHasConvolutions } from '../src/core/models/catalog';
import { planBackends } from './backend-order';
import type { AdapterInfo, BackendChoice, BackendInfo, BackendName } from './protocol';

// Vite fingerprints the .wasm files; tell the wasm backend where they went.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
// The threaded build crashed a worker in a minified bundle, and tfjs used one thread on 2 cores anyway.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
// Convolution gradients and faster matrix products for wasm, so it trains CNNs too (npm run bench).
registerWasmKernels();

/** Backends that failed in this worker (a lost WebGPU device): skipped until the worker restarts. */
const broken = new Set<BackendName>();

interface GpuAdapterLike {
  readonly info?: Partial<AdapterInfo> & { isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

async function describeAdapter(): Promise<AdapterInfo | undefined> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const info = adapter.info ?? {};
    return {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    };
  } catch {
    return undefined;
  }
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** When the GPU goes away mid-session, later runs fall back instead of failing on a dead device. */
function watchDeviceLoss(onLost: (message: string) => void): void {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string }> } }).device;
  device?.lost?.then((info) => {
    broken.add('webgpu');
    onLost(`The WebGPU device was lost (${info?.message || 'no reason given'}); later runs fall back to the next backend.`);
  });
}

/** Activate the best backend for `requested` and `config`; throws only when none at all starts. */
export async function activateBackend(
  requested: BackendChoice,
  config: ExperimentConfig,
  onDeviceLost: (message: string) => void,
): Promise<BackendInfo> {
  const plan = planBackends(requested, broken);
  const notices = [...plan.notices];
  let candidates = plan.candidates;
  // The adapter is reported whenever it was asked for, even when another backend ends up running,
  // so the page (and the e2e test) can tell a software adapter from a real GPU.
  let adapter = requested === 'auto' && candidates[0] === 'webgpu' ? await describeAdapter() : undefined;
  if (adapter?.isFallbackAdapter) {
    // A software WebGPU adapter (SwiftShader) trained 25-30× slower than wasm with the lab's
    // kernels in `npm run bench` (headless Chromium, 2 cores): auto prefers wasm there.
    candidates = ['wasm', ...candidates.filter((name) => name !== 'wasm')];
    notices.push('WebGPU here is a software adapter, much slower than WebAssembly for these models; auto uses wasm (pick WebGPU to force it).');
  }
  for (const name of candidates) {
    if (name === 'webgpu' && configHasConvolutions(config)) {
      // A separate im2col shader: convolutions ran about 3× faster on SwiftShader, same results.
      tf.env().set('WEBGPU_CONV_SEPARATE_IM2COL_SHADER', true);
    }
    if (await tryBackend(name)) {
      if (name === 'webgpu') {
        adapter = (await describeAdapter()) ?? adapter;
        watchDeviceLoss(onDeviceLost);
        if (adapter?.isFallbackAdapter) notices.push('WebGPU runs on a software adapter here; webgl or wasm may train faster on this machine.');
      }
      return { requested, active: name, ...(adapter ? { adapter } : {}), notices };
    }
    if (requested === name || requested === 'auto') notices.push(`${name} could not start in this browser; trying the next backend.`);
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${candidates.join(', ')})`);
}
