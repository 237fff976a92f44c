/**
 * Threaded wasm as a separate candidate of auto's choice (src/shared/backend-probe.ts): when the
 * threaded candidate exists and with how many threads, how many pool workers run beside it, how
 * single- and threaded wasm are ranked, remembered and worded, all on hand-made timings.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { BackendStatus } from '../src/app/components/BackendStatus';
import {
  decideBackend,
  decideVariant,
  describeProbe,
  keepFasterTimings,
  MAX_WASM_THREADS,
  parseProbeRecord,
  probeKey,
  rankVariants,
  threadedWasmThreads,
  variantLabel,
  wasmTrainingPoolSize,
  winningTiming,
  type ProbeRecord,
  type ProbeTiming,
} from '../src/shared/backend-probe';
import { BACKEND_ORDER } from '../workers/backend-order';
import type { BackendInfo } from '../workers/protocol';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0.0.0';

// webgpu 100 samples/s; wasm 1 thread 4,000 samples/s; wasm 2 threads 2,000 in 400 ms = 5,000 samples/s.
const THREADED_WINS: ProbeTiming[] = [
  { backend: 'webgpu', samples: 100, milliseconds: 1000 },
  { backend: 'wasm', threads: 1, samples: 4000, milliseconds: 1000 },
  { backend: 'wasm', threads: 2, samples: 2000, milliseconds: 400 },
];
// The same with the threaded candidate at 3,000 samples/s (1,200 in 400 ms): one thread wins.
const SINGLE_WINS: ProbeTiming[] = [THREADED_WINS[0], THREADED_WINS[1], { backend: 'wasm', threads: 2, samples: 1200, milliseconds: 400 }];

describe('the threaded candidate', () => {
  it('exists only on a crossOriginIsolated page with more than one core, with at most MAX_WASM_THREADS threads', () => {
    expect(threadedWasmThreads({ crossOriginIsolated: false, hardwareConcurrency: 8 })).toBeUndefined();
    expect(threadedWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 1 })).toBeUndefined();
    expect(threadedWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: Number.NaN })).toBeUndefined();
    expect(threadedWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 })).toBe(2);
    expect(threadedWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 3 })).toBe(3);
    expect(MAX_WASM_THREADS).toBe(4);
    expect(threadedWasmThreads({ crossOriginIsolated: true, hardwareConcurrency: 16 })).toBe(4);
  });

  it('leaves the training pool only the cores its threads do not use, and the pool as it was without threads', () => {
    // 2 cores, 1 pool worker: 2 threads take both cores, so no worker; 1 thread keeps the worker.
    expect(wasmTrainingPoolSize(1, 2, 2)).toBe(0);
    expect(wasmTrainingPoolSize(1, 2, 1)).toBe(1);
    expect(wasmTrainingPoolSize(1, 2, undefined)).toBe(1);
    // 8 cores, 7 workers: 4 threads leave 4 cores; a pool already smaller (memory cap 3) stays 3.
    expect(wasmTrainingPoolSize(7, 8, 4)).toBe(4);
    expect(wasmTrainingPoolSize(3, 8, 4)).toBe(3);
    expect(wasmTrainingPoolSize(0, 1, 4)).toBe(0);
  });
});

describe('ranking single-threaded and threaded wasm', () => {
  it('labels each variant as the page shows it', () => {
    expect(variantLabel({ backend: 'wasm', threads: 2 })).toBe('wasm (2 threads)');
    expect(variantLabel({ backend: 'wasm', threads: 1 })).toBe('wasm (1 thread)');
    expect(variantLabel({ backend: 'webgpu' })).toBe('webgpu');
  });

  it('keeps both wasm variants, fastest first, then the backends not measured', () => {
    expect(rankVariants(THREADED_WINS, BACKEND_ORDER)).toEqual([
      { backend: 'wasm', threads: 2 },
      { backend: 'wasm', threads: 1 },
      { backend: 'webgpu' },
      { backend: 'webgl' },
      { backend: 'cpu' },
    ]);
    expect(rankVariants(SINGLE_WINS, BACKEND_ORDER).slice(0, 2)).toEqual([{ backend: 'wasm', threads: 1 }, { backend: 'wasm', threads: 2 }]);
    expect(decideVariant(THREADED_WINS)).toEqual({ backend: 'wasm', threads: 2 });
    expect(decideVariant(SINGLE_WINS)).toEqual({ backend: 'wasm', threads: 1 });
    expect(decideBackend(THREADED_WINS)).toBe('wasm');
  });

  it('keeps each candidate\'s faster window of two rounds, so one disturbed window does not decide', () => {
    // Round 1: one thread disturbed (1,000 samples/s), 2 threads 5,000. Round 2: one thread 4,000, 2 threads 4,500.
    const first: ProbeTiming[] = [THREADED_WINS[0], { backend: 'wasm', threads: 1, samples: 1000, milliseconds: 1000 }, THREADED_WINS[2]];
    const second: ProbeTiming[] = [{ backend: 'wasm', threads: 2, samples: 1800, milliseconds: 400 }, { backend: 'wasm', threads: 1, samples: 4000, milliseconds: 1000 }];
    const merged = keepFasterTimings(first, second);
    expect(merged).toEqual([THREADED_WINS[0], second[1], THREADED_WINS[2]]);
    expect(decideVariant(merged)).toEqual({ backend: 'wasm', threads: 2 });
    // One thread's second window at 6,000 samples/s beats both of the threaded candidate's.
    const faster: ProbeTiming = { backend: 'wasm', threads: 1, samples: 6000, milliseconds: 1000 };
    expect(decideVariant(keepFasterTimings(first, [second[0], faster]))).toEqual({ backend: 'wasm', threads: 1 });
    // A failed window never replaces a measured one; a candidate only round 2 has is added.
    const failed: ProbeTiming = { backend: 'wasm', threads: 2, failed: 'did not start' };
    expect(keepFasterTimings(first, [failed])).toEqual(first);
    expect(keepFasterTimings([failed], [THREADED_WINS[2], THREADED_WINS[0]])).toEqual([THREADED_WINS[2], THREADED_WINS[0]]);
  });

  it('falls to single-threaded wasm when the threaded build did not start', () => {
    const failed: ProbeTiming[] = [THREADED_WINS[1], { backend: 'wasm', threads: 2, failed: 'did not start' }];
    expect(rankVariants(failed, BACKEND_ORDER)[0]).toEqual({ backend: 'wasm', threads: 1 });
  });
});

describe('remembering and showing the threaded choice', () => {
  const key = probeKey({ userAgent: CHROME, architecture: 'mlp', wasmThreads: 2 });
  const record: ProbeRecord = { key, winner: 'wasm', timings: THREADED_WINS, measuredAt: new Date(2026, 10, 30, 12).getTime(), probeMilliseconds: 2500 };

  it('keys a page that can run threads apart from one that cannot, and leaves the key without threads as before', () => {
    expect(probeKey({ userAgent: CHROME, architecture: 'mlp' })).toBe(`mlp | no WebGPU adapter | ${CHROME}`);
    expect(probeKey({ userAgent: CHROME, architecture: 'mlp', wasmThreads: 1 })).toBe(`mlp | no WebGPU adapter | ${CHROME}`);
    expect(key).toBe(`mlp | no WebGPU adapter | ${CHROME} | wasm up to 2 threads`);
  });

  it('reads back a record with thread counts, and refuses a damaged thread count', () => {
    expect(parseProbeRecord(structuredClone(record), key)).toEqual(record);
    expect(winningTiming(record)).toBe(THREADED_WINS[2]);
    const damaged = { ...record, timings: [THREADED_WINS[0], { ...THREADED_WINS[1], threads: 0 }] };
    expect(parseProbeRecord(damaged, key)).toBeUndefined();
    expect(parseProbeRecord({ ...record, timings: [{ ...THREADED_WINS[2], threads: 1.5 }] }, key)).toBeUndefined();
  });

  it('words the figures with each variant\'s threads, the winner first', () => {
    expect(describeProbe(record)).toBe('auto: wasm (2 threads) — measured 5,000 samples/s vs webgpu 100 samples/s, wasm (1 thread) 4,000 samples/s on this machine, 30 Nov');
    expect(describeProbe({ ...record, timings: SINGLE_WINS })).toBe(
      'auto: wasm (1 thread) — measured 4,000 samples/s vs webgpu 100 samples/s, wasm (2 threads) 3,000 samples/s on this machine, 30 Nov',
    );
  });

  it('shows the running thread count beside the backend', () => {
    const info: BackendInfo = { requested: 'auto', active: 'wasm', threads: 2, notices: [], probe: { record, source: 'measured' } };
    const markup = renderToStaticMarkup(createElement(BackendStatus, { backend: info }));
    expect(markup).toContain('Backend: <strong>wasm (2 threads)</strong> (asked for auto)');
    expect(markup).toContain('data-threads="2"');
    expect(markup).toContain('data-winner-threads="2"');
    const single = renderToStaticMarkup(createElement(BackendStatus, { backend: { requested: 'wasm', active: 'wasm', threads: 1, notices: [] } }));
    expect(single).toContain('Backend: <strong>wasm (1 thread)</strong>');
  });
});
