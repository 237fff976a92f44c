/**
 * The batched groups the reference models train in (models/references.ts `referenceGroups`):
 * grouped by steps per epoch, longest first, on a hand-made table; and a model's outputs do not
 * depend on its group: the stage's groups give, bit for bit, the logits each model gives trained
 * alone (wasm with the lab's kernels, the CLI's and the pool's backend).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ReferenceConfig } from '../../src/core/config';
import { gatherImages } from '../../src/core/datasets/split';
import { disposePart, uploadPart, type TensorPart } from '../../src/core/models/predict';
import { BATCH_GROUP, planReferenceModels, referenceGroups, referenceSteps, trainReferenceModels } from '../../src/core/models/references';
import { activateBackend } from '../../src/node/backend';
import { makeSyntheticDataset } from '../fixtures';

describe('referenceGroups', () => {
  it('groups models by steps per epoch, most steps first, each group in index order', () => {
    // Models 1, 4 and 7 need 9 steps an epoch, the others 8 (the bench's masks have three such models).
    const steps = [8, 9, 8, 8, 9, 8, 8, 9, 8, 8];
    const groups = referenceGroups(steps.map((_, m) => m), (m) => steps[m], 4);
    // By hand: 9-step models 1, 4, 7 and the first 8-step model, 0; then 2, 3, 5, 6; then 8, 9.
    expect(groups).toEqual([
      [0, 1, 4, 7],
      [2, 3, 5, 6],
      [8, 9],
    ]);
    // Cut by index (0–3, 4–7, 8–9) two groups would run 9 steps: 4·9 + 4·9 + 2·8 = 88 model-steps
    // instead of 4·9 + 4·8 + 2·8 = 84.
    const cost = (gs: number[][]) => gs.reduce((n, g) => n + g.length * Math.max(...g.map((m) => steps[m])), 0);
    expect(cost(groups)).toBe(84);
    expect(cost([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])).toBe(88);
  });

  it('keeps only the models it is given (a shard, or the ones the cache lacks), and groups of one', () => {
    const steps: Record<number, number> = { 3: 2, 5: 3, 11: 2 };
    expect(referenceGroups([11, 3, 5], (m) => steps[m], 2)).toEqual([[3, 5], [11]]);
    expect(referenceGroups([11, 3, 5], (m) => steps[m], 1)).toEqual([[5], [3], [11]]);
    expect(referenceGroups([], () => 1, 4)).toEqual([]);
    expect(() => referenceGroups([1], () => 1, 0)).toThrow(/size of at least 1, got 0/);
  });

  it("counts a model's steps from its mask: ceil(records IN / batch size)", () => {
    const inMask = [Uint8Array.of(1, 1, 1, 0, 1), Uint8Array.of(1, 0, 0, 0, 0), Uint8Array.of(0, 0, 0, 0, 0)];
    const stepsOf = referenceSteps({ inMask }, 2);
    expect([0, 1, 2].map(stepsOf)).toEqual([2, 1, 0]);
  });
});

describe('reference models in groups', () => {
  const POOL = 70;
  const data = makeSyntheticDataset(POOL + 20);
  const config: ReferenceConfig = { ...DEFAULT_CONFIG.reference, count: 6, epochs: 2, batchSize: 16 };
  let pool: TensorPart;
  let population: TensorPart;

  beforeAll(async () => {
    await activateBackend('wasm', { ...DEFAULT_CONFIG, reference: config });
    pool = uploadPart(gatherImages(data, Int32Array.from({ length: POOL }, (_, i) => i)), data.shape);
    population = uploadPart(gatherImages(data, Int32Array.from({ length: 20 }, (_, i) => POOL + i)), data.shape);
  });
  afterAll(() => {
    disposePart(pool);
    disposePart(population);
  });

  it("give each model the logits it gives trained alone, bit for bit, though the groups are not the index order's", async () => {
    const input = { inputShape: data.shape, numClasses: data.numClasses, pool, population, config, defenses: {}, seed: 5, identity: 'reference-groups test' };
    const plan = planReferenceModels(input);
    const stepsOf = referenceSteps(plan, config.batchSize);
    const groups = referenceGroups([0, 1, 2, 3, 4, 5], stepsOf, BATCH_GROUP);
    // Seed 5's masks give models 0 and 3 two steps an epoch (31, 32 records), the others three:
    // the groups are not the cuts by index.
    expect([0, 1, 2, 3, 4, 5].map(stepsOf)).toEqual([2, 3, 3, 2, 3, 3]);
    expect(groups).toEqual([
      [1, 2, 4, 5],
      [0, 3],
    ]);

    const before = tf.memory().numTensors;
    const grouped = await trainReferenceModels(input);
    for (let m = 0; m < config.count; m++) {
      const alone = await trainReferenceModels({ ...input, only: [m] });
      expect(Array.from(grouped.outputs.logits[m])).toEqual(Array.from(alone.outputs.logits[m]));
      expect(Array.from(grouped.populationLogits[m])).toEqual(Array.from(alone.populationLogits[m]));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
