/**
 * K MLPs trained together are the K MLPs trainClassifier trains one by one from the same seeds
 * (same initial weights, same batches), on cpu and on wasm: weights agree to ~3e-8 after two epochs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/cancel';
import { gatherImages } from '../../src/core/datasets/split';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { trainMlpBatch, type BatchedEpoch } from '../../src/core/models/batched';
import { disposePart, predictLogits, uploadPart } from '../../src/core/models/predict';
import { trainClassifier } from '../../src/core/models/train';
import { createRng } from '../../src/core/random';
import { makeSyntheticDataset } from '../fixtures';

const POOL = 90;
const data = makeSyntheticDataset(POOL);
const all = Int32Array.from({ length: POOL }, (_, i) => i);
const SEEDS = [11, 12, 13];
const CONFIG = { architecture: 'mlp', epochs: 2, batchSize: 16, learningRate: 1e-3 } as const;

/** Masks of different sizes (41, 45, 52 records), so models run out of batches at different steps. */
function masks(): Uint8Array[] {
  const rng = createRng(7, 'masks');
  return [0.45, 0.5, 0.6].map((p) => Uint8Array.from({ length: POOL }, () => (rng.next() < p ? 1 : 0)));
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

for (const backend of ['cpu', 'wasm']) {
  describe(`trainMlpBatch on ${backend}`, () => {
    it('matches K separate trainClassifier runs and leaves no tensor behind', async () => {
      if (backend === 'wasm') registerWasmKernels();
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const pool = uploadPart(gatherImages(data, all), data.shape);
      const memberships = masks();
      const epochs: BatchedEpoch[] = [];
      const batched = await trainMlpBatch({
        x: pool.x,
        y: pool.y,
        memberships,
        seeds: SEEDS,
        numClasses: 10,
        epochs: CONFIG.epochs,
        batchSize: CONFIG.batchSize,
        learningRate: CONFIG.learningRate,
        onEpoch: (e) => epochs.push(e),
      });
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
      expect(Array.from(epochs[1].trainLoss).every(Number.isFinite)).toBe(true);
      const batchedLogits = await batched.predictLogits(pool.x, 32);

      for (let k = 0; k < SEEDS.length; k++) {
        const members = Int32Array.from(all.filter((i) => memberships[k][i] === 1));
        const train = uploadPart(gatherImages(data, members), data.shape);
        const { model } = await trainClassifier({ config: CONFIG, inputShape: data.shape, numClasses: 10, seed: SEEDS[k], train, test: train, name: `model ${k}` });
        const expected = model.getWeights().map((w) => w.dataSync() as Float32Array);
        const actual = await batched.readWeights(k);
        expected.forEach((w, i) => expect(maxDifference(actual[i], w)).toBeLessThan(1e-5));
        const logits = await predictLogits(model, pool.x);
        expect(maxDifference(batchedLogits[k], logits)).toBeLessThan(1e-5);
        const asLayers = await batched.toLayersModel(k);
        expect(maxDifference(await predictLogits(asLayers, pool.x), logits)).toBeLessThan(1e-4);
        asLayers.dispose();
        model.dispose();
        disposePart(train);
      }
      batched.dispose();
      disposePart(pool);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('trainMlpBatch groups', () => {
  it('gives a model the same weights, bit for bit, alone or in a group (wasm with the lab kernels)', async () => {
    // Shards and retrained cache entries rely on it: a model's group is an accident of scheduling.
    // The group's stacked batches are as wide as its largest batch, so the models here (41, 45,
    // 52 records) see other widths in the group than alone.
    registerWasmKernels();
    await tf.setBackend('wasm');
    const pool = uploadPart(gatherImages(data, all), data.shape);
    const memberships = masks();
    const options = { x: pool.x, y: pool.y, numClasses: 10, epochs: 2, batchSize: CONFIG.batchSize, learningRate: CONFIG.learningRate };
    const group = await trainMlpBatch({ ...options, memberships, seeds: SEEDS });
    for (let k = 0; k < SEEDS.length; k++) {
      const alone = await trainMlpBatch({ ...options, memberships: [memberships[k]], seeds: [SEEDS[k]] });
      const expected = await alone.readWeights(0);
      (await group.readWeights(k)).forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(expected[i])));
      alone.dispose();
    }
    group.dispose();
    disposePart(pool);
  });
});

describe('trainMlpBatch inputs and cancellation', () => {
  it('refuses a seed count that does not match the models', async () => {
    await tf.setBackend('cpu');
    const pool = uploadPart(gatherImages(data, all), data.shape);
    await expect(
      trainMlpBatch({ x: pool.x, y: pool.y, memberships: masks(), seeds: [1], numClasses: 10, epochs: 1, batchSize: 8, learningRate: 1e-3 }),
    ).rejects.toThrow(/1 seeds for 3 models/);
    disposePart(pool);
  });

  it('stops at the next step when cancelled and frees everything', async () => {
    await tf.setBackend('cpu');
    const pool = uploadPart(gatherImages(data, all), data.shape);
    const before = tf.memory().numTensors;
    const signal = { aborted: false };
    const run = trainMlpBatch({
      x: pool.x, y: pool.y, memberships: masks(), seeds: SEEDS, numClasses: 10, epochs: 3, batchSize: 8, learningRate: 1e-3, signal,
      onEpoch: () => { signal.aborted = true; },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    disposePart(pool);
  });
});
