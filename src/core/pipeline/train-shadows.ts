/**
 * Stage train-shadow: k shadow models trained like the target on data whose membership the
 * attacker knows (Shokri et al., arXiv:1610.05820). The first trains on shadow-train and is tested
 * on shadow-test; the others on random halves of both. Each is cached on its own, keyed by what
 * it reads, so adding a shadow trains only the new one.
 */
import type { ExperimentConfig } from '../config';
import { gatherImages } from '../datasets/split';
import type { ImageDataset } from '../datasets/types';
import type { EpochMetrics } from '../models/train';
import type { JobRecords } from './pool';
import { createRng, permutation } from '../random';
import { etaSeconds, type RunContext } from './context';
import { settleAll } from '../settle';
import type { PipelineData } from './data';
import type { RunPlan } from './plan';
import { shadowInputs } from './keys';
import { cachedStage, stageKey } from './stage-cache';
import { keepCachedModel, keepModel, recordTrainedModel, trainedModelCodec, trainOnRecords, type TrainedModelRecord } from './trained-model';

export interface TrainedShadow {
  readonly record: TrainedModelRecord;
  /** Labels of the records it trained on and of its held-out records, in logit order. */
  readonly trainLabels: Uint8Array;
  readonly testLabels: Uint8Array;
}

/** Shadow i's seed; the first shadow's comes right after the target's in the 'models' stream. */
export function shadowSeed(config: ExperimentConfig, index: number): number {
  if (index > 0) return createRng(config.seed, `shadow/${index}`).nextSeed();
  const seeds = createRng(config.seed, 'models');
  seeds.nextSeed();
  return seeds.nextSeed();
}

/** Pool indices of shadow i's train and test records (the halves depend only on the seed and i). */
export function shadowRecords(config: ExperimentConfig, data: PipelineData): { train: Int32Array; test: Int32Array }[] {
  const { shadowTrain, shadowTest } = data.shadowSplit;
  const pool = new Int32Array(shadowTrain.length + shadowTest.length);
  pool.set(shadowTrain, 0);
  pool.set(shadowTest, shadowTrain.length);
  const halves = createRng(config.seed, 'shadow/halves');
  return Array.from({ length: config.shadow.count }, (_, i) => {
    const order = i === 0 ? Int32Array.from(pool.keys()) : permutation(pool.length, halves);
    const pick = (from: number, to: number) => Int32Array.from(order.subarray(from, to), (k) => pool[k]);
    return { train: pick(0, config.partSize), test: pick(config.partSize, 2 * config.partSize) };
  });
}

export async function trainShadows(ctx: RunContext, data: PipelineData, plan: RunPlan): Promise<TrainedShadow[]> {
  const { config } = ctx;
  const source = data.shadowDataset;
  const count = config.shadow.count;
  return ctx.stage('train-shadow', async () => {
    const started = Date.now();
    let done = 0;
    const pool = ctx.deps.pool;
    const trainOne = async (i: number, records: { train: Int32Array; test: Int32Array }): Promise<TrainedShadow> => {
      const modelStarted = Date.now();
      const name = count === 1 ? 'shadow model' : `shadow model ${i + 1} of ${count}`;
      const onEpoch = (metrics: EpochMetrics) => ctx.progress({ type: 'epoch', model: 'shadow', index: i, count, metrics });
      let pooled = false;
      const { value: record, cached } = await cachedStage({
        cache: ctx.deps.cache,
        key: stageKey('train-shadow', shadowInputs(config, data.identity, plan, i)),
        codec: trainedModelCodec,
        what: `the ${name}`,
        warn: (message) => ctx.warn(message),
        compute: async () => {
          if (!pool) return trainHere(i, records, name, onEpoch);
          pooled = true;
          const job = { kind: 'classifier', name, config: config.shadow, seed: shadowSeed(config, i), defenses: plan.trainingDefenses, shape: source.shape, numClasses: source.numClasses, train: jobRecords(source, records.train), test: jobRecords(source, records.test) } as const;
          return pool.run(job, { signal: ctx.deps.signal, gate: ctx.deps.gate, onEpoch: (_, metrics) => onEpoch(metrics) });
        },
      });
      // A model from the cache or from a pool worker is handed on rebuilt from its weights.
      if (cached || pooled) await keepCachedModel(ctx, 'shadow', i, record, { architecture: config.shadow.architecture, inputShape: source.shape, numClasses: source.numClasses, defenses: plan.trainingDefenses });
      const seconds = (Date.now() - modelStarted) / 1000;
      done++;
      ctx.progress({ type: 'model-done', model: 'shadow', index: i, count, seconds, cached, etaSeconds: etaSeconds(started, done, count) });
      return { record, trainLabels: Uint8Array.from(records.train, (r) => source.labels[r]), testLabels: Uint8Array.from(records.test, (r) => source.labels[r]) };
    };
    const trainHere = (i: number, records: { train: Int32Array; test: Int32Array }, name: string, onEpoch: (metrics: EpochMetrics) => void) =>
      trainOnRecords(
        ctx,
        source,
        records,
        { config: config.shadow, seed: shadowSeed(config, i), defenses: plan.trainingDefenses, name, onEpoch },
        async (trained, train, test) => {
          await keepModel(ctx, 'shadow', i, trained.model);
          return recordTrainedModel(trained, train, test, trained.history);
        },
      );
    const all = shadowRecords(config, data);
    // With a pool every shadow is a job at once (the pool queues them); without, one after another.
    if (pool) return settleAll(all.map((records, i) => trainOne(i, records)));
    const shadows: TrainedShadow[] = [];
    for (const [i, records] of all.entries()) shadows.push(await trainOne(i, records));
    return shadows;
  });
}

/** The pixels and labels of `indices`, copied out of `source` for a pool job (its buffers are transferred). */
export function jobRecords(source: ImageDataset, indices: ArrayLike<number>): JobRecords {
  const { images, labels, count } = gatherImages(source, indices);
  return { images, labels, count };
}
