/**
 * The one-run audit on real trained models: tiny MLPs on an MNIST slice with mislabelled canaries.
 * Under DP-SGD its ε lower bound must never exceed the accountant's ε (else the bound, the
 * accountant or the training is wrong); on an undefended overfit model it must be clearly positive.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from '../../src/core/datasets/builtin';
import { gatherImages, splitPool } from '../../src/core/datasets/split';
import type { ImageDataset } from '../../src/core/datasets/types';
import type { DefenseConfig } from '../../src/core/defenses/registry';
import { disposePart, predictLogits, uploadPart } from '../../src/core/models/predict';
import { trainClassifier } from '../../src/core/models/train';
import { appendImages, canaryImages, canaryScores, drawCanaries } from '../../src/core/privacy/canaries';
import { computeDpSgdEpsilon, PRIVACY_DELTA } from '../../src/core/privacy/dp-sgd';
import { runOneRunAudit } from '../../src/core/privacy/one-run-audit';
import { readPublicAsset } from '../../src/node/assets';

let mnist: ImageDataset;

beforeAll(async () => {
  await tf.setBackend('wasm');
  mnist = await loadBuiltinDataset('mnist', readPublicAsset);
});

/** Train one target on `partSize` records plus its IN canaries, then audit with the canaries' scores. */
async function auditOnce(seed: number, options: { partSize: number; canaries: number; guesses: number; epochs: number; batchSize: number; learningRate: number; defenses?: DefenseConfig }) {
  const split = splitPool(mnist.count, options.partSize, seed);
  const canaries = drawCanaries(mnist.count, split, mnist.labels, mnist.numClasses, options.canaries, seed);
  const train = uploadPart(appendImages(gatherImages(mnist, split.targetTrain), canaryImages(mnist, canaries, 'included')), mnist.shape);
  const test = uploadPart(gatherImages(mnist, split.targetTest.subarray(0, 100)), mnist.shape);
  const all = uploadPart(canaryImages(mnist, canaries, 'all'), mnist.shape);
  try {
    const trained = await trainClassifier({
      config: { architecture: 'mlp', epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate },
      inputShape: mnist.shape,
      numClasses: mnist.numClasses,
      seed,
      train,
      test,
      name: 'audited model',
      defenses: options.defenses,
    });
    try {
      const scores = canaryScores(await predictLogits(trained.model, all.x), canaries.wrongLabel, mnist.numClasses);
      const audit = runOneRunAudit({ scores, included: canaries.included, guessesIn: options.guesses, guessesOut: options.guesses, delta: PRIVACY_DELTA, confidence: 0.95 });
      const dp = trained.dpSgd;
      const accountant = dp && computeDpSgdEpsilon({ datasetSize: dp.datasetSize, batchSize: dp.batchSize, epochs: dp.epochs, delta: PRIVACY_DELTA, noiseMultiplier: dp.effectiveNoiseMultiplier });
      return { audit, accountantEpsilon: accountant?.epsilon };
    } finally {
      trained.model.dispose();
    }
  } finally {
    [train, test, all].forEach(disposePart);
  }
}

describe('the one-run audit on trained models', () => {
  it('never exceeds the accountant’s ε on DP-SGD targets over 20 seeded runs', async () => {
    const bounds: number[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const { audit, accountantEpsilon } = await auditOnce(seed, {
        partSize: 100,
        canaries: 200,
        guesses: 40,
        epochs: 2,
        batchSize: 50,
        learningRate: 0.05,
        defenses: { 'dp-sgd': { clipNorm: 1, noiseMultiplier: 2 } },
      });
      // ε ≈ 2.1 here, below the 3.25 that 80 right guesses of 80 would certify: the test can fail.
      expect(accountantEpsilon).toBeGreaterThan(1.5);
      expect(accountantEpsilon).toBeLessThan(3);
      expect(audit.epsilonLowerBound, `seed ${seed}: ${audit.correct} of 80 right`).toBeLessThanOrEqual(accountantEpsilon as number);
      if (process.env.MIA_PRINT_AUDIT) console.log(`seed ${seed}: ${audit.correct}/80 right, bound ${audit.epsilonLowerBound.toFixed(3)}, accountant ${accountantEpsilon?.toFixed(3)}`);
      bounds.push(audit.epsilonLowerBound);
    }
    expect(bounds).toHaveLength(20);
  }, 240_000);

  it('is clearly positive on an undefended model that memorises its canaries', async () => {
    const { audit } = await auditOnce(1, { partSize: 300, canaries: 200, guesses: 40, epochs: 40, batchSize: 32, learningRate: 0.002 });
    if (process.env.MIA_PRINT_AUDIT) console.log(`overfit: ${audit.correct}/80 right, bound ${audit.epsilonLowerBound.toFixed(3)}`);
    expect(audit.correct).toBeGreaterThanOrEqual(75);
    expect(audit.epsilonLowerBound).toBeGreaterThan(1);
  }, 120_000);
});
