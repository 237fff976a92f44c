/** Small hand-made results for the app's tests: no training, exact numbers. */
import { DEFAULT_CONFIG, parseExperimentConfig, type ExperimentConfig } from '../../src/core/config';
import type { ExperimentResult, ModelSummary } from '../../src/core/experiment';
import type { EpochMetrics } from '../../src/core/models/train';

export const TINY_CONFIG: ExperimentConfig = parseExperimentConfig({ seed: 3, partSize: 100, target: { epochs: 2 } });

export function epoch(epoch: number, epochs: number, seconds = 1): EpochMetrics {
  return { epoch, epochs, trainLoss: 1 / epoch, trainAccuracy: 0.5 + 0.1 * epoch, testLoss: 1.2 / epoch, testAccuracy: 0.5 + 0.05 * epoch, seconds };
}

function summary(gap: number): ModelSummary {
  return {
    architecture: 'mlp',
    dataset: 'MNIST',
    trainAccuracy: 0.9,
    testAccuracy: 0.9 - gap,
    generalizationGap: gap,
    trainLoss: 0.1,
    testLoss: 0.5,
    history: [epoch(1, 2), epoch(2, 2)],
  };
}

/** Two members scoring 0.9 and 0.6, two non-members 0.7 and 0.2: AUC 0.75. */
export function fakeResult(config: ExperimentConfig = DEFAULT_CONFIG, gap = 0.2): ExperimentResult {
  return {
    config,
    backend: 'cpu',
    dataset: { name: 'MNIST', poolSize: 70_000, shape: [28, 28, 1], numClasses: 10 },
    target: summary(gap),
    shadows: [summary(gap / 2)],
    attacks: [
      {
        name: 'loss',
        auc: 0.75,
        accuracy: 0.75,
        bestAccuracy: 0.75,
        advantage: 0.5,
        tprAtFpr: { '0.001': 0.5, '0.01': 0.5, '0.1': 0.5 },
        threshold: Infinity,
        roc: [[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]],
        memberScores: new Float64Array([0.9, 0.6]),
        nonMemberScores: new Float64Array([0.7, 0.2]),
      },
    ],
    notApplicable: [],
    privacy: { delta: 1e-5, empirical: [] },
    records: { poolIndex: new Int32Array([5, 9, 1, 4]), member: new Uint8Array([1, 1, 0, 0]), label: new Uint8Array([3, 1, 4, 1]) },
    timings: { 'load-data': 0.5 },
  };
}
