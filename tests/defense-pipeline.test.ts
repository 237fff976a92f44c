/** Defenses inside a whole experiment: what the attacker sees, what is reported, what it costs. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../src/core/config';
import { runExperiment } from '../src/core/experiment';
import { computeDpSgdEpsilon, PRIVACY_DELTA } from '../src/core/privacy/dp-sgd';

import { toResultsJson } from '../src/core/results';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(400);
const loadDataset = async () => dataset;
const base = { seed: 2, partSize: 60, target: { epochs: 3, batchSize: 16 } };

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('defenses in the pipeline', () => {
  it('reports score attacks as not applicable under label-only output, never as numbers', async () => {
    const config = parseExperimentConfig({ ...base, defenses: { 'label-only': {} }, attacks: ['random', 'correctness', 'loss', 'entropy', 'lira-online'] });
    const before = tf.memory().numTensors;
    const result = await runExperiment(config, { loadDataset });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.attacks.map((a) => a.name)).toEqual(['random', 'correctness']);
    expect(result.notApplicable.map((a) => a.name)).toEqual(['loss', 'entropy', 'lira-online']);
    expect(result.notApplicable[0].reason).toMatch(/not applicable/);
    expect(result.shadows).toEqual([]);
    expect(result.timings['train-references']).toBeUndefined();
    const json = JSON.stringify(toResultsJson(result));
    expect(json).not.toMatch(/NaN|null/);
    const g = result.target.generalizationGap;
    expect(result.attacks[1].accuracy).toBeCloseTo((1 + g) / 2, 12);
  });

  it('keeps exactly the argmax under top-1 masking, so accuracy costs nothing and no retraining happens', async () => {
    const config = parseExperimentConfig({ ...base, defenses: { 'top-k': { k: 1 } } });
    const result = await runExperiment(config, { loadDataset });
    expect(result.defense?.active).toEqual(['top-k']);
    expect(result.defense?.testAccuracy.defended).toBe(result.defense?.testAccuracy.undefended);
    expect(result.timings['train-undefended']).toBeUndefined();
    for (const attack of result.attacks) expect(Number.isFinite(attack.auc), attack.name).toBe(true);
  });

  it('gives the DP-SGD accountant\'s ε for what was actually run, and an empirical bound per attack', async () => {
    const config = parseExperimentConfig({ ...base, defenses: { 'dp-sgd': { noiseMultiplier: 1.2, clipNorm: 1 } } });
    const result = await runExperiment(config, { loadDataset });
    const accountant = result.privacy.accountant;
    expect(accountant).toBeDefined();
    const expected = computeDpSgdEpsilon({ datasetSize: 60, batchSize: 16, epochs: 3, delta: PRIVACY_DELTA, noiseMultiplier: 1.2 });
    expect(accountant?.epsilon).toBeCloseTo(expected.epsilon, 10);
    expect(accountant?.samplingMatchesAccountant).toBe(true);
    expect(result.timings['train-undefended']).toBeGreaterThan(0);
    expect(result.privacy.empirical.map((e) => e.attack)).toEqual(result.attacks.filter((a) => a.name !== 'random').map((a) => a.name));
  });

  it('leaves early stopping\'s validation records out of the members and keeps the set balanced', async () => {
    const config = parseExperimentConfig({ ...base, target: { epochs: 6, batchSize: 16 }, defenses: { 'early-stopping': { patience: 1, validationFraction: 0.2 } } });
    const result = await runExperiment(config, { loadDataset });
    const held = result.defense?.validationRecords ?? 0;
    expect(held).toBe(12);
    expect(result.records.member.filter((m) => m === 1)).toHaveLength(60 - held);
    expect(result.records.member.filter((m) => m === 0)).toHaveLength(60 - held);
    const correctness = result.attacks.find((a) => a.name === 'correctness');
    expect(correctness?.accuracy).toBeCloseTo((1 + result.target.generalizationGap) / 2, 12);
  });

  it('refuses mixup with DP-SGD before anything runs', () => {
    expect(() => parseExperimentConfig({ ...base, defenses: { mixup: {}, 'dp-sgd': {} } })).toThrow(/mixup cannot be combined with dp-sgd/);
  });
});

describe('trained models handed out', () => {
  it('passes the target and every shadow to onModelTrained, and turns its failure into a warning', async () => {
    const config = parseExperimentConfig({ ...base, shadow: { count: 2 } });
    const seen: string[] = [];
    await runExperiment(config, {
      loadDataset,
      onModelTrained: async (role, index, model) => void seen.push(`${role}-${index}:${model.layers.length}`),
    });
    expect(seen).toEqual(['shadow-0:3', 'shadow-1:3', 'target-0:3']);
    const warnings: string[] = [];
    const result = await runExperiment(parseExperimentConfig({ ...base, attacks: ['random'] }), {
      loadDataset,
      onModelTrained: async () => {
        throw new Error('QuotaExceededError');
      },
      onProgress: (event) => event.type === 'warning' && warnings.push(event.message),
    });
    expect(result.attacks).toHaveLength(1);
    expect(warnings).toEqual(["the target model's weights were not saved: QuotaExceededError"]);
  });
});
