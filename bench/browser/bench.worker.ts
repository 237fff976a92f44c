/**
 * The bench's worker: one backend, then MLP and CNN training epochs and inference on seeded random
 * data (bench/workloads.ts, the same loop as in Node), timed after a warm-up.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { randomPool, trainer } from '../workloads';
import type { BrowserBenchRequest, BrowserBenchResponse, BrowserBenchTiming } from './protocol';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

async function timed(repeats: number, run: () => Promise<void>): Promise<number[]> {
  await run(); // warm-up: shader compilation, first allocations
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    await run();
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds;
}

async function bench(request: BrowserBenchRequest): Promise<BrowserBenchResponse> {
  const { backend } = request;
  if (backend === 'wasm+lab') registerWasmKernels();
  if (backend === 'webgpu') tf.env().set('WEBGPU_CONV_SEPARATE_IM2COL_SHADER', request.im2col === true);
  const name = backend === 'wasm+lab' ? 'wasm' : backend;
  if (!(await tf.setBackend(name))) return { ok: false, backend, error: `tf.setBackend('${name}') failed` };
  await tf.ready();
  if (tf.getBackend() !== name) return { ok: false, backend, error: `asked for ${name}, got ${tf.getBackend()}` };
  const pool = randomPool(request.samples);
  const timings: BrowserBenchTiming[] = [];
  const notes: string[] = [];
  try {
    for (const architecture of ['mlp', 'cnn'] as const) {
      if (architecture === 'cnn' && backend === 'wasm') {
        notes.push('stock wasm cannot train the CNN (no Conv2DBackpropFilter)');
        continue;
      }
      const run = trainer(architecture, pool, 128);
      try {
        timings.push({ workload: `${architecture} train`, seconds: await timed(request.repeats, () => run.epoch()) });
        timings.push({ workload: `${architecture} infer`, seconds: await timed(request.repeats, () => run.predict()) });
      } finally {
        run.dispose();
      }
    }
  } finally {
    pool.dispose();
  }
  const label = backend === 'webgpu' ? `webgpu${request.im2col ? '+im2col' : ''}` : backend;
  return { ok: true, backend: label, active: tf.getBackend(), timings, notes };
}

self.onmessage = (event: MessageEvent<BrowserBenchRequest>) => {
  bench(event.data).then(
    (response) => self.postMessage(response, { transfer: [] }),
    (error: unknown) => self.postMessage({ ok: false, backend: event.data.backend, error: String((error as Error)?.message ?? error) } satisfies BrowserBenchResponse, { transfer: [] }),
  );
};
