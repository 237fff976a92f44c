/**
 * The staged pipeline: a stage's cache key holds exactly what it reads, so with a cache a changed
 * output defense or attack setting trains nothing and gives the same figures as a run from scratch;
 * and the target's attack curves are reported while it trains, ending where the attack stage ends.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { BlobCache } from '../src/core/cache';
import { CancelledError } from '../src/core/cancel';
import { parseExperimentConfig, type ExperimentConfig } from '../src/core/config';
import { runExperiment, type ExperimentResult, type ProgressEvent } from '../src/core/experiment';
import { planRun } from '../src/core/pipeline/plan';
import { LivePacer, downsampleRoc } from '../src/core/pipeline/live';
import { countScores as scoreHistogram } from '../src/core/metrics/histogram';
import { stageKey } from '../src/core/pipeline/stage-cache';
import { shadowInputs, targetInputs, trainingStageKeys } from '../src/core/pipeline/keys';
import { computeRoc } from '../src/core/metrics/roc';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(400);
const loadDataset = async () => dataset;
const base = parseExperimentConfig({
  seed: 5,
  partSize: 60,
  target: { epochs: 4, batchSize: 16 },
  attacks: ['random', 'correctness', 'loss', 'confidence', 'modified-entropy'],
});

function memoryCache(): BlobCache & { entries: Map<string, Uint8Array>; writes: number } {
  const entries = new Map<string, Uint8Array>();
  const cache = {
    entries,
    writes: 0,
    read: async (key: string) => entries.get(key),
    write: async (key: string, bytes: Uint8Array) => {
      cache.writes++;
      entries.set(key, bytes);
    },
  };
  return cache;
}

async function run(config: ExperimentConfig, cache?: BlobCache): Promise<{ result: ExperimentResult; events: ProgressEvent[] }> {
  const events: ProgressEvent[] = [];
  const result = await runExperiment(config, { loadDataset, cache, onProgress: (e) => events.push(e) });
  return { result, events };
}

const figures = (result: ExperimentResult) => result.attacks.map((a) => [a.name, a.auc, a.accuracy, a.tprAtFpr['0.01']]);

describe('the staged pipeline', () => {
  it('keys the training stages by what they read: output defenses and attacks are not in them', () => {
    const data = { dataset: base.dataset, datasetName: 'x', poolSize: 400, partSize: 60, splitSeed: 5 };
    const rounded = parseExperimentConfig({ ...base, defenses: { rounding: { decimals: 1 } }, attacks: ['loss'], rmia: { a: 0.5 } });
    const dropout = parseExperimentConfig({ ...base, defenses: { dropout: { rate: 0.5 } } });
    const key = (config: ExperimentConfig) => stageKey('train-target', targetInputs(config, data, planRun(config)));
    const shadowKey = (config: ExperimentConfig) => stageKey('train-shadow', shadowInputs(config, data, planRun(config), 0));
    expect(key(rounded)).toBe(key(base));
    expect(shadowKey(rounded)).toBe(shadowKey(base));
    expect(key(dropout)).not.toBe(key(base));
    expect(key(parseExperimentConfig({ ...base, seed: 6 }))).toBe(key(base)); // the seed lives in the data identity passed in
    expect(shadowKey(parseExperimentConfig({ ...base, shadow: { count: 3 } }))).toBe(shadowKey(base)); // adding shadows keeps the first
  });

  it('tells the page which changes need training: output defenses and attack settings do not, new models do', () => {
    const trained = new Set(trainingStageKeys(base));
    const needsTraining = (config: ExperimentConfig) => trainingStageKeys(config).some((key) => !trained.has(key));
    expect(needsTraining(parseExperimentConfig({ ...base, defenses: { 'top-k': { k: 1 }, rounding: { decimals: 2 }, 'output-noise': { sigma: 0.1 } } }))).toBe(false);
    expect(needsTraining(parseExperimentConfig({ ...base, defenses: { 'label-only': {} } }))).toBe(false);
    expect(needsTraining(parseExperimentConfig({ ...base, attacks: ['loss', 'entropy'] }))).toBe(false);
    expect(needsTraining(parseExperimentConfig({ ...base, attacks: ['random', 'correctness'] }))).toBe(false); // fewer models
    expect(needsTraining(parseExperimentConfig({ ...base, defenses: { l2: { lambda: 0.01 } } }))).toBe(true);
    expect(needsTraining(parseExperimentConfig({ ...base, attacks: ['loss', 'lira-online'] }))).toBe(true); // reference models
    expect(needsTraining(parseExperimentConfig({ ...base, shadow: { count: 2 } }))).toBe(true);
    expect(needsTraining(parseExperimentConfig({ ...base, seed: 6 }))).toBe(true);
    const lira = parseExperimentConfig({ ...base, attacks: ['lira-online', 'rmia'] });
    const liraTrained = new Set(trainingStageKeys(lira));
    for (const change of [{ rmia: { ...lira.rmia, a: 0.7, gamma: 2 } }, { reference: { ...lira.reference, fixedVariance: !lira.reference.fixedVariance } }]) {
      expect(trainingStageKeys(parseExperimentConfig({ ...lira, ...change })).every((key) => liraTrained.has(key))).toBe(true);
    }
  });

  it('reruns an output-defense change from cached logits: nothing trains, and the figures equal a fresh run', async () => {
    await tf.setBackend('cpu');
    const cache = memoryCache();
    await run(base, cache);
    const changed = parseExperimentConfig({ ...base, defenses: { rounding: { decimals: 1 } } });
    const before = tf.memory().numTensors;
    const cached = await run(changed, cache);
    expect(tf.memory().numTensors).toBe(before);
    expect(cached.events.filter((e) => e.type === 'epoch')).toHaveLength(0);
    expect(cached.events.filter((e) => e.type === 'model-done').every((e) => e.type === 'model-done' && e.cached)).toBe(true);
    const fresh = await run(changed);
    expect(figures(cached.result)).toEqual(figures(fresh.result));
    // The per-epoch figures match; the live attack figures were made under other output defenses, so they are left out.
    const withoutLive = (r: ExperimentResult) => r.target.history.map(({ attacks: _a, seconds: _s, ...h }) => h);
    expect(withoutLive(cached.result)).toEqual(withoutLive(fresh.result));
    expect(cached.result.target.history.some((h) => h.attacks)).toBe(false);
    expect(fresh.result.target.history.some((h) => h.attacks)).toBe(true);
    // And the defense did change what the attacks see.
    expect(figures(cached.result)).not.toEqual(figures((await run(base, cache)).result));
  }, 120_000);

  it('hears a cancel between the reference models\' outputs in a re-run\'s defend stage, not only at its end', async () => {
    await tf.setBackend('cpu');
    const cache = memoryCache();
    const lira = parseExperimentConfig({ ...base, attacks: ['loss', 'lira-online'], reference: { count: 4, epochs: 1 } });
    await run(lira, cache);
    const signal = { aborted: false };
    const events: ProgressEvent[] = [];
    const rounded = parseExperimentConfig({ ...lira, defenses: { rounding: { decimals: 1 } } });
    const rerun = runExperiment(rounded, {
      loadDataset,
      cache,
      signal,
      onProgress: (e) => {
        events.push(e);
        // A run replacing a result being made ahead cancels it like this, mid-stage.
        if (e.type === 'stage-start' && e.stage === 'defend') signal.aborted = true;
      },
    });
    await expect(rerun).rejects.toThrow(CancelledError);
    expect(events.some((e) => e.type === 'stage-start' && e.stage === 'defend')).toBe(true);
    expect(events.some((e) => e.type === 'stage-end' && e.stage === 'defend')).toBe(false);
  }, 120_000);

  it('hands out cached models too, rebuilt with the weights they were trained to', async () => {
    await tf.setBackend('cpu');
    const cache = memoryCache();
    const handedOut = async () => {
      const seen: Record<string, number[]> = {};
      await runExperiment(base, {
        loadDataset,
        cache,
        onModelTrained: async (role, index, model) => void (seen[`${role}-${index}`] = model.getWeights().flatMap((w) => Array.from(w.dataSync()))),
      });
      return seen;
    };
    const trained = await handedOut();
    const before = tf.memory().numTensors;
    const cached = await handedOut();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(cached).sort()).toEqual(['shadow-0', 'target-0']);
    expect(cached['target-0']).toEqual(trained['target-0']);
    expect(cached['shadow-0']).toEqual(trained['shadow-0']);
  }, 120_000);

  it('trains again when a training field changes', async () => {
    await tf.setBackend('cpu');
    const cache = memoryCache();
    await run(base, cache);
    const { events } = await run(parseExperimentConfig({ ...base, target: { ...base.target, epochs: 3 } }), cache);
    expect(events.filter((e) => e.type === 'epoch' && e.model === 'target')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'epoch' && e.model === 'shadow')).toHaveLength(0);
  }, 120_000);

  it('reports the attacks while the target trains, ending on the attack stage figures', async () => {
    await tf.setBackend('cpu');
    const { result, events } = await run(base);
    const live = events.flatMap((e) => (e.type === 'live-attack' ? [e.snapshot] : []));
    expect(live.length).toBeGreaterThanOrEqual(2);
    expect(live[0].epoch).toBe(1);
    expect(live[live.length - 1].epoch).toBe(4);
    // The shadow trained first, so every snapshot has its thresholds.
    expect(live.every((s) => s.shadowThresholds)).toBe(true);
    const last = live[live.length - 1];
    for (const attack of result.attacks) {
      const curve = last.attacks.find((a) => a.name === attack.name);
      expect(curve, attack.name).toBeDefined();
      if (attack.name === 'random') continue; // its own generator stream
      expect(curve!.auc, attack.name).toBeCloseTo(attack.auc, 12);
      expect(curve!.tprAt1, attack.name).toBeCloseTo(attack.tprAtFpr['0.01'], 12);
      // The shadow's threshold(s), per class where the attack takes them so: the same accuracy.
      expect(curve!.accuracy, attack.name).toBeCloseTo(attack.accuracy, 12);
    }
    expect(last.generalizationGap).toBeCloseTo(result.target.generalizationGap, 12);
    // The history in results.json carries the same figures per epoch.
    const history = result.target.history;
    expect(history[history.length - 1].attacks?.find((a) => a.name === 'loss')?.auc).toBeCloseTo(result.attacks.find((a) => a.name === 'loss')!.auc, 12);
  }, 120_000);
});

describe('live curves', () => {
  it('downsamples a ROC to the grid, keeping both ends and never inventing a point', () => {
    const scores = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const mask = Uint8Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const roc = computeRoc(scores, mask);
    const points = downsampleRoc(roc);
    expect(points.length).toBeLessThanOrEqual(80);
    expect(points[0]).toEqual([0, 0]);
    expect(points[points.length - 1]).toEqual([1, 1]);
    const onCurve = new Set(Array.from(roc.fpr, (f, i) => `${f},${roc.tpr[i]}`));
    for (const [f, t] of points) expect(onCurve.has(`${f},${t}`)).toBe(true);
  });

  it('bins scores over their common range', () => {
    const h = scoreHistogram(Float64Array.from([0, 1, 1]), Float64Array.from([0, 0.5]), 2);
    expect(h.edges).toEqual([0, 0.5, 1]);
    expect(h.members).toEqual([1, 2]);
    expect(h.nonMembers).toEqual([1, 1]);
  });

  it('scores less often when scoring costs more than 15 % of training', () => {
    const pacer = new LivePacer();
    expect(pacer.due(1, 100)).toBe(true);
    pacer.record(1, 0.1); // 10 %: every epoch
    expect(pacer.interval).toBe(1);
    pacer.record(1, 0.6); // mean 0.35 s per snapshot on 1 s epochs: every 4th epoch keeps it at 8.75 %
    expect(pacer.interval).toBe(4);
    expect(pacer.due(6, 100)).toBe(false);
    expect(pacer.due(8, 100)).toBe(true);
    expect(pacer.due(100, 100)).toBe(true);
  });
});

describe('the worker memory layer', () => {
  it('serves what it holds without the inner cache, and drops the least recently used past its budget', async () => {
    const { MemoryLayer } = await import('../src/core/memory-cache');
    const inner = memoryCache();
    const layer = new MemoryLayer(10);
    const cache = layer.over(inner);
    await cache.write('a', new Uint8Array(4));
    await cache.write('b', new Uint8Array(4));
    inner.entries.clear();
    expect(await cache.read('a')).toHaveLength(4); // from memory; 'a' is now the most recent
    await cache.write('c', new Uint8Array(4)); // 12 bytes > 10: 'b' goes
    inner.entries.clear();
    expect(await cache.read('b')).toBeUndefined();
    expect(await cache.read('a')).toHaveLength(4);
    expect(layer.size).toBe(8);
  });
});
