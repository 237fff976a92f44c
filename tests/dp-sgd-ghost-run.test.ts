/**
 * Whole DP-SGD runs through trainClassifier, once with the one-pass clipped sum and once with the
 * microbatch loop it replaced (the plan refused here, so dp-sgd.ts falls back): same noise seeds,
 * same sampling, same accountant inputs, and the same weights to float tolerance.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gatherImages } from '../src/core/datasets/split';
import type { ImageDataset } from '../src/core/datasets/types';
import type { DefenseConfig } from '../src/core/defenses/registry';
import type { ArchitectureId } from '../src/core/models/architectures';
import { disposePart, uploadPart, type TensorPart } from '../src/core/models/predict';
import { trainClassifier, type TrainedModel } from '../src/core/models/train';
import { makeSyntheticDataset } from './fixtures';

const route = vi.hoisted(() => ({ onePass: true, plansMade: 0 }));

vi.mock('../src/core/defenses/per-example-grads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/core/defenses/per-example-grads')>();
  return {
    ...actual,
    planFor: (...args: Parameters<typeof actual.planFor>) => {
      route.plansMade++;
      return route.onePass ? actual.planFor(...args) : { reason: 'this test asks for the microbatch loop' };
    },
  };
});

const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
let synthetic: { train: TensorPart; test: TensorPart; data: ImageDataset };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const data = makeSyntheticDataset(80, [12, 12, 1]);
  synthetic = { data, train: uploadPart(gatherImages(data, range(0, 48)), data.shape), test: uploadPart(gatherImages(data, range(48, 80)), data.shape) };
});

afterAll(() => {
  disposePart(synthetic.train);
  disposePart(synthetic.test);
});

async function train(architecture: ArchitectureId, defenses: DefenseConfig, onePass: boolean): Promise<TrainedModel> {
  route.onePass = onePass;
  route.plansMade = 0;
  const trained = await trainClassifier({
    config: { architecture, epochs: 2, batchSize: 16, learningRate: 1e-3 },
    inputShape: synthetic.data.shape,
    numClasses: 10,
    seed: 3,
    train: synthetic.train,
    test: synthetic.test,
    name: 'test model',
    defenses,
  });
  // Every step asked for a plan, so the route chosen above was the one taken.
  expect(route.plansMade).toBeGreaterThan(0);
  return trained;
}

function maxRelativeDifference(a: TrainedModel, b: TrainedModel): number {
  let diff = 0;
  let scale = 0;
  const wa = a.model.getWeights();
  const wb = b.model.getWeights();
  wa.forEach((w, i) => {
    const x = w.dataSync();
    const y = wb[i].dataSync();
    for (let j = 0; j < x.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - y[j]));
      scale = Math.max(scale, Math.abs(y[j]));
    }
  });
  return diff / scale;
}

describe('DP-SGD training, one pass against the microbatch loop', () => {
  const cases: readonly [ArchitectureId, DefenseConfig][] = [
    ['mlp', { 'dp-sgd': { clipNorm: 0.5, noiseMultiplier: 1.1 }, l2: { lambda: 0.001 } }],
    ['cnn', { 'dp-sgd': { clipNorm: 0.5, noiseMultiplier: 1.1, sampling: 'shuffle' }, augmentation: { shift: 2 } }],
  ];
  for (const [architecture, defenses] of cases) {
    it(`${architecture}: the same weights and the same accountant inputs (${Object.keys(defenses).join(', ')})`, async () => {
      const before = tf.memory().numTensors;
      const onePass = await train(architecture, defenses, true);
      const loop = await train(architecture, defenses, false);
      expect(onePass.dpSgd).toEqual(loop.dpSgd);
      // Adam divides by √v, so float differences in the gradients stay float-sized in the weights.
      expect(maxRelativeDifference(onePass, loop)).toBeLessThan(1e-4);
      // The comparison is not void: the noise (σ = 1.1) moves the weights well beyond that tolerance.
      const quiet = await train(architecture, { ...defenses, 'dp-sgd': { ...defenses['dp-sgd'], noiseMultiplier: 0 } }, true);
      expect(maxRelativeDifference(onePass, quiet)).toBeGreaterThan(1e-2);
      [onePass, loop, quiet].forEach((t) => t.model.dispose());
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
