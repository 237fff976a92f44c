import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../src/core/cancel';
import { parseExperimentConfig } from '../src/core/config';
import { runExperiment, type ProgressEvent } from '../src/core/experiment';
import { toResultsJson, toScoresCsv } from '../src/core/results';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(400);
const config = parseExperimentConfig({
  seed: 11,
  partSize: 60,
  target: { epochs: 3, batchSize: 16 },
  attacks: ['random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy'],
});
const loadDataset = async () => dataset;

describe('runExperiment', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`runs end to end on ${backend} and leaves tf.memory().numTensors as it found it`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const events: ProgressEvent[] = [];
      const result = await runExperiment(config, { loadDataset, onProgress: (e) => events.push(e) });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.backend).toBe(backend);
      expect(result.attacks.map((a) => a.name)).toEqual(config.attacks);
      expect(events.filter((e) => e.type === 'epoch')).toHaveLength(6);
      expect(events.filter((e) => e.type === 'stage-end').map((e) => e.type === 'stage-end' && e.stage)).toEqual([
        'load-data', 'train-shadow', 'train-target', 'defend', 'attack', 'audit',
      ]);
      const g = result.target.generalizationGap;
      expect(g).toBeCloseTo(result.target.trainAccuracy - result.target.testAccuracy, 12);
      const correctness = result.attacks.find((a) => a.name === 'correctness');
      expect(correctness?.accuracy).toBeCloseTo((1 + g) / 2, 12);
    });
  }

  it('is reproducible from its config', async () => {
    await tf.setBackend('cpu');
    const a = await runExperiment(config, { loadDataset });
    const b = await runExperiment(config, { loadDataset });
    expect(a.attacks.map((x) => x.auc)).toEqual(b.attacks.map((x) => x.auc));
    expect(a.target.trainLoss).toBe(b.target.trainLoss);
    const c = await runExperiment(parseExperimentConfig({ seed: 12 }, config), { loadDataset });
    expect(c.target.trainLoss).not.toBe(a.target.trainLoss);
  });

  it('skips the shadow model when only baselines are asked for', async () => {
    await tf.setBackend('cpu');
    const baselines = parseExperimentConfig({ attacks: ['random', 'correctness'] }, config);
    const result = await runExperiment(baselines, { loadDataset });
    expect(result.shadows).toEqual([]);
    expect(result.timings['train-shadow']).toBeUndefined();
  });

  it('writes results.json and scores.csv in the documented shape', async () => {
    await tf.setBackend('cpu');
    const result = await runExperiment(config, { loadDataset });
    const json = JSON.parse(JSON.stringify(toResultsJson(result)));
    expect(Object.keys(json.target)).toEqual(expect.arrayContaining(['trainAccuracy', 'testAccuracy', 'generalizationGap', 'trainLoss', 'testLoss']));
    for (const attack of json.attacks) {
      // classThresholds only for the attacks that used one threshold per class.
      const keys = Object.keys(attack).filter((key) => key !== 'classThresholds');
      expect(keys).toEqual(['name', 'auc', 'accuracy', 'bestAccuracy', 'advantage', 'tprAtFpr', 'intervals', 'threshold', 'calledMembers', 'roc']);
      expect(Object.keys(attack.tprAtFpr)).toEqual(['0.001', '0.01', '0.1']);
      expect(Object.keys(attack.intervals)).toEqual(['auc', 'accuracy', 'advantage', 'tprAtFpr']);
      expect(attack.intervals.auc.lower).toBeLessThanOrEqual(attack.intervals.auc.upper);
      expect(attack.roc[0]).toEqual([0, 0]);
      expect(attack.roc[attack.roc.length - 1]).toEqual([1, 1]);
    }
    const lines = toScoresCsv(result).trim().split('\n');
    expect(lines[0]).toBe(`index,member,label,${config.attacks.join(',')}`);
    expect(lines).toHaveLength(1 + 2 * config.partSize);
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows.filter((r) => r[1] === '1')).toHaveLength(config.partSize);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2 * config.partSize);
    for (const row of rows) expect(Number(row[2])).toBe(dataset.labels[Number(row[0])]);
    // Each score column reproduces its attack's AUC: a consumer can recompute every metric.
    const lossColumn = 3 + config.attacks.indexOf('loss');
    const members = rows.filter((r) => r[1] === '1').map((r) => Number(r[lossColumn]));
    const nonMembers = rows.filter((r) => r[1] === '0').map((r) => Number(r[lossColumn]));
    let wins = 0;
    for (const m of members) for (const n of nonMembers) wins += m > n ? 1 : m === n ? 0.5 : 0;
    expect(wins / (members.length * nonMembers.length)).toBeCloseTo(result.attacks.find((a) => a.name === 'loss')!.auc, 10);
  });

  it('refuses a part size larger than a quarter of the pool before training', async () => {
    await tf.setBackend('cpu');
    const tooBig = parseExperimentConfig({ partSize: 101 }, config);
    await expect(runExperiment(tooBig, { loadDataset })).rejects.toThrow(RangeError);
  });

  it('stops when cancelled and leaves no tensor behind', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const signal = { aborted: false };
    const run = runExperiment(config, {
      loadDataset,
      signal,
      onProgress: (e) => {
        if (e.type === 'epoch' && e.model === 'shadow') signal.aborted = true;
      },
    });
    await expect(run).rejects.toThrow(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails mid-run (an error thrown while the shadow model trains) and leaves no tensor behind', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    let epochs = 0;
    const run = runExperiment(config, {
      loadDataset,
      onProgress: (e) => {
        if (e.type === 'epoch' && e.model === 'shadow') throw new Error(`a listener failed at shadow epoch ${++epochs}`);
      },
    });
    await expect(run).rejects.toThrow(/a listener failed at shadow epoch 1/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('transferability', () => {
  const other = { ...makeSyntheticDataset(400, [28, 28, 1], 10, 7), name: 'other synthetic' };
  const byName = async (d: { name: string }) => (d.name === 'fashion-mnist' ? other : dataset);

  it('trains the shadow model on another dataset and another architecture when asked, and says so', async () => {
    await tf.setBackend('cpu');
    const transfer = parseExperimentConfig({ shadow: { dataset: { name: 'fashion-mnist' }, architecture: 'cnn', epochs: 1 } }, config);
    expect(transfer.target.architecture).toBe('mlp');
    const result = await runExperiment(transfer, { loadDataset: byName });
    expect(result.shadows[0]).toMatchObject({ dataset: 'other synthetic', architecture: 'cnn' });
    expect(result.target).toMatchObject({ dataset: 'synthetic', architecture: 'mlp' });
    expect(toResultsJson(result).shadow).toMatchObject({ dataset: 'other synthetic', architecture: 'cnn', count: 1 });
  });

  it('refuses shadow data of another shape, naming both datasets', async () => {
    const rgb = { ...makeSyntheticDataset(400, [32, 32, 3]), name: 'colour' };
    const transfer = parseExperimentConfig({ shadow: { dataset: { name: 'fashion-mnist' } } }, config);
    await expect(runExperiment(transfer, { loadDataset: async (d) => (d.name === 'fashion-mnist' ? rgb : dataset) })).rejects.toThrow(
      /shadow dataset colour \(32×32×3, 10 classes\) does not match the target's synthetic \(28×28×1/,
    );
  });
});
