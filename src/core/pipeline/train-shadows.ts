/**
 * Stage train-shadow: k shadow models trained like the target on data whose membership the
 * attacker knows (Shokri et al., arXiv:1610.05820). The first trains on shadow-train and is tested
 * on shadow-test; the others on random halves of both. Each is cached on its own, keyed by what
 * it reads, so adding a shadow trains only the new one.
 */
import type { ExperimentConfig } from '../config';
import { createRng, permutation } from '../random';
import { etaSeconds, type RunContext } from './context';
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
    const shadows: TrainedShadow[] = [];
    const started = Date.now();
    for (const [i, records] of shadowRecords(config, data).entries()) {
      const modelStarted = Date.now();
      const name = count === 1 ? 'shadow model' : `shadow model ${i + 1} of ${count}`;
      const { value: record, cached } = await cachedStage({
        cache: ctx.deps.cache,
        key: stageKey('train-shadow', shadowInputs(config, data.identity, plan, i)),
        codec: trainedModelCodec,
        what: `the ${name}`,
        warn: (message) => ctx.warn(message),
        compute: () =>
          trainOnRecords(
            ctx,
            source,
            records,
            {
              config: config.shadow,
              seed: shadowSeed(config, i),
              defenses: plan.trainingDefenses,
              name,
              onEpoch: (metrics) => ctx.progress({ type: 'epoch', model: 'shadow', index: i, count, metrics }),
            },
            async (trained, train, test) => {
              await keepModel(ctx, 'shadow', i, trained.model);
              return recordTrainedModel(trained, train, test, trained.history);
            },
          ),
      });
      if (cached) await keepCachedModel(ctx, 'shadow', i, record, { architecture: config.shadow.architecture, inputShape: source.shape, numClasses: source.numClasses, defenses: plan.trainingDefenses });
      shadows.push({ record, trainLabels: Uint8Array.from(records.train, (r) => source.labels[r]), testLabels: Uint8Array.from(records.test, (r) => source.labels[r]) });
      const seconds = (Date.now() - modelStarted) / 1000;
      ctx.progress({ type: 'model-done', model: 'shadow', index: i, count, seconds, cached, etaSeconds: etaSeconds(started, i + 1, count) });
    }
    return shadows;
  });
}
