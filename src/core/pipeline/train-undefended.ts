/**
 * Stage train-undefended: the price of the training defenses — the same target recipe, seed and
 * data without them, reduced to its train and test accuracy. Runs only when a training defense is
 * on (output defenses need no retraining: their price is read off the target's own outputs).
 *
 * With a training pool it does not wait for the target: the model goes to whichever is free
 * first, the pool's next free worker (after the shadows) or the calling thread once the target is
 * trained. Either way it is the same model (pool-worker.ts runs the same training and the same
 * forward passes), so the accuracies are the same figures.
 */
import { accuracy } from '../models/train';
import { lazyPredictions, predict } from '../models/predict';
import type { EpochMetrics } from '../models/train';
import { trainOnRecords, type TrainedModelRecord } from './trained-model';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import type { StageCodec } from './stage-cache';
import { undefendedInputs } from './keys';
import { cachedStage, stageKey } from './stage-cache';
import { targetSeed } from './train-target';
import { jobRecords } from './train-shadows';

export interface UndefendedAccuracy {
  readonly train: number;
  readonly test: number;
}

const codec: StageCodec<UndefendedAccuracy> = {
  encode: (value) => ({ meta: value, arrays: [] }),
  decode: ({ meta }) => {
    const m = meta as Partial<UndefendedAccuracy> | null;
    return m && typeof m.train === 'number' && typeof m.test === 'number' ? { train: m.train, test: m.test } : undefined;
  },
};

const NAME = 'undefended target model';

/**
 * `threadFree` settles when the calling thread is free to train (the target trained); without a
 * pool the stage starts only then, as it always has.
 */
export async function trainUndefended(ctx: RunContext, data: PipelineData, threadFree: Promise<unknown> = Promise.resolve()): Promise<UndefendedAccuracy> {
  const { config } = ctx;
  const pool = ctx.deps.pool;
  if (!pool) await threadFree;
  return ctx.stage('train-undefended', async () => {
    const onEpoch = (metrics: EpochMetrics) => ctx.progress({ type: 'epoch', model: 'undefended', index: 0, count: 1, metrics });
    const { value } = await cachedStage({
      cache: ctx.deps.cache,
      key: stageKey('train-undefended', undefendedInputs(config, data.identity)),
      codec,
      what: 'the undefended target model',
      warn: (message) => ctx.warn(message),
      compute: async () => {
        if (!pool) return trainHere(ctx, data, onEpoch);
        // Whoever claims it first trains it: the pool when a worker is free, this thread when the target is done.
        let claimed = false;
        const claim = () => !claimed && (claimed = true);
        const { dataset, split } = data;
        const job = { kind: 'classifier', name: NAME, config: config.target, seed: targetSeed(config), defenses: {}, shape: dataset.shape, numClasses: dataset.numClasses, train: jobRecords(dataset, split.targetTrain), test: jobRecords(dataset, split.targetTest) } as const;
        const pooled = pool.run(job, { signal: ctx.deps.signal, gate: ctx.deps.gate, onEpoch: (_, metrics) => onEpoch(metrics), claim });
        // Withdrawn when this thread took it; a failure in the worker surfaces below, where it is awaited.
        pooled.catch(() => undefined);
        return threadFree.then(
          () => (claim() ? trainHere(ctx, data, onEpoch) : pooled.then((record) => accuracies(record, data))),
          // The target failed: the run ends with its error, and the job is not wanted (unless a worker has it already).
          (error: unknown) => {
            claim();
            throw error;
          },
        );
      },
    });
    return value;
  });
}

/** Train it in this thread and read its accuracies off its predictions. */
function trainHere(ctx: RunContext, data: PipelineData, onEpoch: (metrics: EpochMetrics) => void): Promise<UndefendedAccuracy> {
  const { config } = ctx;
  const { dataset, split } = data;
  return trainOnRecords(
    ctx,
    dataset,
    { train: split.targetTrain, test: split.targetTest },
    { config: config.target, seed: targetSeed(config), name: NAME, onEpoch },
    async (plain, train, test) => ({
      train: accuracy(await predict(plain.model, train, dataset.numClasses)),
      test: accuracy(await predict(plain.model, test, dataset.numClasses)),
    }),
  );
}

/** The same figures from a pool worker's logits (predict is these logits, softmaxed). */
function accuracies(record: TrainedModelRecord, data: PipelineData): UndefendedAccuracy {
  const { dataset, split } = data;
  const labels = (indices: Int32Array) => Uint8Array.from(indices, (r) => dataset.labels[r]);
  return {
    train: accuracy(lazyPredictions(record.trainLogits, labels(split.targetTrain), dataset.numClasses)),
    test: accuracy(lazyPredictions(record.testLogits, labels(split.targetTest), dataset.numClasses)),
  };
}

