/**
 * Auto's backend choice by measurement: the tf-free decision (src/shared/backend-probe.ts) on
 * hand-made timings with hand-computed rates, and the timing half (workers/backend-probe.ts) on
 * the cpu backend in Node, where what can be checked is the count of steps and tensors, not speed.
 */
import * as tf from '@tensorflow/tfjs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendStatus } from '../src/app/components/BackendStatus';
import { parseExperimentConfig } from '../src/core/config';
import {
  architectureClass,
  decideBackend,
  describeProbe,
  parseProbeRecord,
  probeInputShape,
  probeKey,
  rankBackends,
  samplesPerSecond,
  type ProbeRecord,
  type ProbeTiming,
} from '../src/shared/backend-probe';
import { BACKEND_ORDER } from '../workers/backend-order';
import { timeBackends } from '../workers/backend-probe';
import type { AdapterInfo, BackendInfo } from '../workers/protocol';

const SWIFTSHADER: AdapterInfo = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader', isFallbackAdapter: true };
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36';

// 1,840 samples in 1 s, 92 in 1 s, 384 in 250 ms (= 1,536 samples/s).
const TIMINGS: ProbeTiming[] = [
  { backend: 'webgpu', samples: 92, milliseconds: 1000 },
  { backend: 'webgl', samples: 384, milliseconds: 250 },
  { backend: 'wasm', samples: 1840, milliseconds: 1000 },
];

describe('what the measurement depends on', () => {
  it('tells dense-only experiments from convolutional ones, whichever model has the convolutions', () => {
    expect(architectureClass(parseExperimentConfig({}))).toBe('mlp');
    expect(architectureClass(parseExperimentConfig({ target: { architecture: 'cnn' } }))).toBe('convolutional');
    expect(architectureClass(parseExperimentConfig({ reference: { architecture: 'resnet' } }))).toBe('convolutional');
  });

  it('probes on the dataset\'s image shape before the dataset is loaded', () => {
    expect(probeInputShape({ name: 'mnist' })).toEqual([28, 28, 1]);
    expect(probeInputShape({ name: 'fashion-mnist' })).toEqual([28, 28, 1]);
    expect(probeInputShape({ name: 'custom', files: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'] })).toEqual([28, 28, 1]);
    expect(probeInputShape({ name: 'custom', files: ['data_batch_1.bin', 'test_batch.bin'] })).toEqual([32, 32, 3]);
    expect(probeInputShape({ name: 'custom', files: ['cifar-100-binary.tar.gz'] })).toEqual([32, 32, 3]);
  });

  it('keys a record by adapter, browser version and architecture class, each of which changes the key', () => {
    const base = { adapter: SWIFTSHADER, userAgent: CHROME, architecture: 'mlp' } as const;
    expect(probeKey(base)).toBe(probeKey({ ...base, adapter: { ...SWIFTSHADER } }));
    const variants = [
      probeKey(base),
      probeKey({ ...base, adapter: undefined }),
      probeKey({ ...base, adapter: { ...SWIFTSHADER, isFallbackAdapter: false } }),
      probeKey({ ...base, adapter: { ...SWIFTSHADER, vendor: 'nvidia', architecture: 'ampere' } }),
      probeKey({ ...base, userAgent: CHROME.replace('131.0.0.0', '132.0.0.0') }),
      probeKey({ ...base, architecture: 'convolutional' }),
    ];
    expect(new Set(variants).size).toBe(variants.length);
  });
});

describe('the decision from the timings', () => {
  it('computes samples per second, and none for a backend that failed', () => {
    expect(samplesPerSecond(TIMINGS[1])).toBe(1536);
    expect(samplesPerSecond({ backend: 'webgpu', failed: 'did not start' })).toBeUndefined();
  });

  it('picks the fastest, not the first or the GPU', () => {
    expect(decideBackend(TIMINGS)).toBe('wasm');
    expect(decideBackend(TIMINGS.slice(0, 2))).toBe('webgl');
  });

  it('lets a real GPU win when it is faster, and breaks a tie by the order given', () => {
    expect(decideBackend([{ backend: 'webgpu', samples: 9000, milliseconds: 1000 }, TIMINGS[2]])).toBe('webgpu');
    expect(decideBackend([{ backend: 'webgl', samples: 100, milliseconds: 100 }, { backend: 'wasm', samples: 200, milliseconds: 200 }])).toBe('webgl');
  });

  it('decides nothing when nothing was measured', () => {
    expect(decideBackend([{ backend: 'webgpu', failed: 'did not start' }, { backend: 'wasm', failed: 'out of memory' }])).toBeUndefined();
    expect(decideBackend([])).toBeUndefined();
  });

  it('starts the fastest first, the runners-up next, unmeasured backends last in the usual order, broken ones never', () => {
    expect(rankBackends(TIMINGS, BACKEND_ORDER)).toEqual(['wasm', 'webgl', 'webgpu', 'cpu']);
    expect(rankBackends([{ backend: 'webgpu', failed: 'did not start' }, TIMINGS[2]], BACKEND_ORDER)).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(rankBackends(TIMINGS, BACKEND_ORDER, new Set(['wasm']))).toEqual(['webgl', 'webgpu', 'cpu']);
  });
});

describe('the remembered record', () => {
  const key = probeKey({ adapter: SWIFTSHADER, userAgent: CHROME, architecture: 'mlp' });
  // 30 Nov 2026 at noon, local time, so the day is the same in every time zone.
  const record: ProbeRecord = { key, winner: 'wasm', timings: TIMINGS, measuredAt: new Date(2026, 10, 30, 12).getTime(), probeMilliseconds: 1234 };

  it('reads back what was stored (a structured clone keeps plain data)', () => {
    expect(parseProbeRecord(structuredClone(record), key)).toEqual(record);
  });

  it('refuses a record under another key, a winner the timings do not support, or damaged timings', () => {
    expect(parseProbeRecord(record, probeKey({ userAgent: CHROME, architecture: 'mlp' }))).toBeUndefined();
    expect(parseProbeRecord({ ...record, winner: 'webgpu' }, key)).toBeUndefined();
    expect(parseProbeRecord({ ...record, timings: [{ backend: 'wasm', samples: 'many', milliseconds: 1 }] }, key)).toBeUndefined();
    expect(parseProbeRecord({ ...record, timings: [{ backend: 'cuda', samples: 10, milliseconds: 1 }] }, key)).toBeUndefined();
    expect(parseProbeRecord({ ...record, timings: [] }, key)).toBeUndefined();
    expect(parseProbeRecord(undefined, key)).toBeUndefined();
    const { probeMilliseconds: _dropped, ...older } = record;
    expect(parseProbeRecord(older, key)).toBeUndefined();
  });

  it('is worded with the figures, the winner first', () => {
    expect(describeProbe(record)).toBe('auto: wasm — measured 1,840 samples/s vs webgpu 92 samples/s, webgl 1,536 samples/s on this machine, 30 Nov');
    const failed: ProbeRecord = { ...record, timings: [{ backend: 'webgpu', failed: 'did not start' }, TIMINGS[2]] };
    expect(describeProbe(failed)).toBe('auto: wasm — measured 1,840 samples/s vs webgpu did not run on this machine, 30 Nov');
  });
});

describe('the figures on the page', () => {
  const key = probeKey({ adapter: SWIFTSHADER, userAgent: CHROME, architecture: 'mlp' });
  const record: ProbeRecord = { key, winner: 'wasm', timings: TIMINGS, measuredAt: new Date(2026, 10, 30, 12).getTime(), probeMilliseconds: 1234 };
  const info: BackendInfo = { requested: 'auto', active: 'wasm', adapter: SWIFTSHADER, notices: [], probe: { record, source: 'remembered' } };

  it('shows the measurement that chose the backend, says it was remembered, and offers to re-measure', () => {
    const markup = renderToStaticMarkup(createElement(BackendStatus, { backend: info }));
    expect(markup).toContain('Backend: <strong>wasm</strong> (asked for auto)');
    expect(markup).toContain('auto: wasm — measured 1,840 samples/s vs webgpu 92 samples/s, webgl 1,536 samples/s on this machine, 30 Nov');
    expect(markup).toContain('(remembered: measured once per browser version');
    const measured = renderToStaticMarkup(createElement(BackendStatus, { backend: { ...info, probe: { record, source: 'measured' } } }));
    expect(measured).toContain('(measured before this run in 1.2 s, start-ups and shader compilation included)');
    expect(markup).toMatch(/data-testid="backend-remeasure"[^>]*>Re-measure</);
  });

  it('shows no figures for a backend the user named', () => {
    const markup = renderToStaticMarkup(createElement(BackendStatus, { backend: { requested: 'wasm', active: 'wasm', notices: [] } }));
    expect(markup).toContain('Backend: <strong>wasm</strong>');
    expect(markup).not.toContain('samples/s');
    expect(markup).not.toContain('Re-measure');
  });
});

describe('timing the backends (cpu in Node)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const config = parseExperimentConfig({ seed: 5, target: { batchSize: 16 } });
  const budget = { millisecondsPerBackend: 0, minSteps: 2, maxSteps: 3 };

  it('times whole batches of real training steps after a warm-up, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const timings = await timeBackends(['cpu'], config, async () => true, budget);
    expect(tf.memory().numTensors).toBe(before);
    expect(timings).toHaveLength(1);
    const [timing] = timings;
    if ('failed' in timing) throw new Error(`the cpu probe failed: ${timing.failed}`);
    // With no time budget, exactly the minimum number of timed steps runs, each a batch of 16.
    expect(timing.samples).toBe(2 * 16);
    expect(timing.milliseconds).toBeGreaterThan(0);
  });

  it('stops at the step cap with time left, counting every step of the last group', async () => {
    // Groups of 1 then 2 steps: 3 steps of 16 samples, the cap, long before a minute has passed.
    const [timing] = await timeBackends(['cpu'], config, async () => true, { millisecondsPerBackend: 60_000, minSteps: 2, maxSteps: 3 });
    expect('failed' in timing ? timing.failed : timing.samples).toBe(3 * 16);
  });

  it('times convolutional models on CIFAR-shaped data too', async () => {
    // One timed step of 2 images: convolution gradients are slow on the cpu backend.
    const cnn = parseExperimentConfig({ seed: 5, dataset: { name: 'custom', files: ['data_batch_1.bin'] }, target: { architecture: 'cnn', batchSize: 2 } });
    const [timing] = await timeBackends(['cpu'], cnn, async () => true, { millisecondsPerBackend: 0, minSteps: 1, maxSteps: 1 });
    expect('failed' in timing ? timing.failed : timing.samples).toBe(2);
  });

  it('records a backend that does not start instead of timing it', async () => {
    const started: string[] = [];
    const timings = await timeBackends(['webgpu', 'cpu'], config, async (name) => (started.push(name), name === 'cpu'), budget);
    expect(started).toEqual(['webgpu', 'cpu']);
    expect(timings[0]).toEqual({ backend: 'webgpu', failed: 'did not start' });
    expect(decideBackend(timings)).toBe('cpu');
  });
});
