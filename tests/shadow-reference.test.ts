/**
 * Shadow models, the ML attack and the reference-model attacks end to end on a slice of MNIST
 * (wasm backend): an overfit MLP target, small enough to run in a test.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlobCache } from '../src/core/cache';
import { parseExperimentConfig } from '../src/core/config';
import { loadBuiltinDataset } from '../src/core/datasets/builtin';
import type { ImageDataset } from '../src/core/datasets/types';
import { runExperiment, type ExperimentResult, type ProgressEvent } from '../src/core/experiment';
import { toReferenceMasksCsv, toResultsJson, toScoresCsv } from '../src/core/results';
import { readPublicAsset } from '../src/node/assets';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';

let mnist: ImageDataset;
const loadDataset = async () => mnist;

function memoryCache(): BlobCache & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return { entries, read: async (key) => entries.get(key), write: async (key, bytes) => void entries.set(key, bytes) };
}

const config = parseExperimentConfig({
  seed: 5,
  partSize: 500,
  target: { epochs: 20 },
  shadow: { count: 2 },
  reference: { count: 8 },
  rmia: { populationSize: 500 },
  attacks: ['random', 'loss', 'ml', 'lira-online', 'lira-offline', 'rmia', 'similarity'],
});

const byName = (result: ExperimentResult, name: string) => {
  const attack = result.attacks.find((a) => a.name === name);
  if (!attack) throw new Error(`no ${name} in the result`);
  return attack;
};

describe('shadow and reference attacks on MNIST', () => {
  let first: ExperimentResult;
  const cache = memoryCache();
  const events: ProgressEvent[] = [];

  beforeAll(async () => {
    // The lab's kernels, as the CLI runs: with them a reference model is bit for bit the same in
    // any batched group (stock wasm multiplies a group of one on XNNPACK, larger ones in a loop).
    registerWasmKernels();
    await tf.setBackend('wasm');
    mnist = await loadBuiltinDataset('mnist', readPublicAsset);
    const before = tf.memory().numTensors;
    first = await runExperiment(config, { loadDataset, cache, onProgress: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('trains k shadow models and N reference models, reporting each with an ETA', () => {
    expect(first.shadows).toHaveLength(2);
    expect(first.references?.count).toBe(8);
    const done = events.filter((e) => e.type === 'model-done');
    expect(done.filter((e) => e.model === 'shadow')).toHaveLength(2);
    expect(done.filter((e) => e.model === 'reference')).toHaveLength(8);
    expect(done.every((e) => e.etaSeconds >= 0)).toBe(true);
  });

  it('gets the ML attack above chance on the overfit target', () => {
    expect(first.target.generalizationGap).toBeGreaterThan(0.05);
    expect(byName(first, 'ml').auc).toBeGreaterThan(0.55);
  });

  it('gets online LiRA above the loss attack at 1 % FPR, and every reference attack above chance', () => {
    expect(byName(first, 'lira-online').tprAtFpr['0.01']).toBeGreaterThan(byName(first, 'loss').tprAtFpr['0.01']);
    for (const name of ['lira-online', 'lira-offline', 'rmia', 'similarity']) expect(byName(first, name).auc, name).toBeGreaterThan(0.6);
  });

  it('writes every attack into results.json and scores.csv, and the masks', () => {
    const json = toResultsJson(first);
    expect(json.attacks.map((a) => a.name)).toEqual(config.attacks);
    expect(json.shadow).toMatchObject({ count: 2, architecture: 'mlp', dataset: 'MNIST' });
    expect(json.reference).toMatchObject({ count: 8, architecture: 'mlp' });
    expect(toScoresCsv(first).split('\n')[0]).toBe('index,member,label,random,loss,ml,lira-online,lira-offline,rmia,similarity');
    const masks = toReferenceMasksCsv(first)?.trim().split('\n') ?? [];
    expect(masks).toHaveLength(1 + 1000);
    expect(masks[1].split(',').slice(1).filter((m) => m === '1')).toHaveLength(4);
  });

  it('gives the same scores from the cache, and retrains a corrupt entry instead of trusting it', async () => {
    // 2 shadows, the target, 8 reference models, the target's query outputs: in the order they ran.
    expect(cache.entries.size).toBe(12);
    const keys = [...cache.entries.keys()];
    for (const victim of [keys[0], keys[3]]) {
      const bytes = cache.entries.get(victim)!.slice();
      bytes[bytes.length - 9] ^= 0xff;
      cache.entries.set(victim, bytes);
    }
    const again: ProgressEvent[] = [];
    const second = await runExperiment(config, { loadDataset, cache, onProgress: (e) => again.push(e) });
    expect(second.references?.trained).toBe(1);
    expect(again.filter((e) => e.type === 'warning' && /corrupt/.test(e.message))).toHaveLength(2);
    // The corrupt shadow retrained, the other shadow and the target came from the cache.
    const shadowsDone = again.filter((e) => e.type === 'model-done' && e.model === 'shadow');
    expect(shadowsDone.map((e) => e.type === 'model-done' && e.cached)).toEqual([false, true]);
    expect(again.some((e) => e.type === 'epoch' && e.model === 'target')).toBe(false);
    // The retrained model is the same model, though batched training groups it differently the
    // second time (alone): with the lab's kernels its weights do not depend on its group.
    for (const name of ['lira-online', 'rmia', 'similarity']) {
      const again = byName(second, name).memberScores;
      byName(first, name).memberScores.forEach((score, i) => expect(again[i], `${name} record ${i}`).toBeCloseTo(score, 3));
    }
  }, 300_000);

  it('goes on when the cache cannot be written (a full disk), with a warning per model', async () => {
    const small = parseExperimentConfig({ ...config, reference: { count: 4, epochs: 2 }, attacks: ['lira-offline'] });
    const warnings: string[] = [];
    const full: BlobCache = { read: async () => undefined, write: async () => Promise.reject(new Error('ENOSPC: no space left on device')) };
    const result = await runExperiment(small, { loadDataset, cache: full, onProgress: (e) => e.type === 'warning' && warnings.push(e.message) });
    expect(result.attacks.map((a) => a.name)).toEqual(['lira-offline']);
    // The target, 4 reference models and the target's query outputs: each a warning, none a failure.
    expect(warnings).toHaveLength(6);
    for (const warning of warnings) expect(warning).toMatch(/could not be cached \(ENOSPC: no space left on device\); the run goes on/);
  }, 300_000);
});
