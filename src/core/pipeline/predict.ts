/**
 * Stage predict: what the attacks need of the target beyond its logits on its own train and test
 * records (kept with its weights): for the reference attacks, its logits on the evaluation pool
 * under every query view the reference models were asked, and on RMIA's population. The model is
 * rebuilt from its weights for this and disposed after; the logits are cached under the target's
 * key and the views, so a changed attack setting never needs the model again.
 */
import { predictLogits } from '../models/predict';
import { targetQueryLogits } from '../models/references';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import type { RunPlan } from './plan';
import { cachedStage, stageKey, type StageCodec } from './stage-cache';
import { evaluationPool, populationIndices } from './train-references';
import { queryInputs } from './keys';
import { withModel, type TrainedModelRecord } from './trained-model';

/** The target's logits where the reference attacks query it. */
export interface TargetQueries {
  /** queries × pool records × classes, view after view (the pool: members then non-members). */
  readonly pool: Float32Array;
  /** population records × classes. */
  readonly population: Float32Array;
}

const codec: StageCodec<TargetQueries> = {
  encode: (q) => ({ meta: null, arrays: [q.pool, q.population] }),
  decode: ({ arrays }) => (arrays.length === 2 ? { pool: arrays[0], population: arrays[1] } : undefined),
};

/** The target's query logits for the reference attacks; undefined when none runs. */
export async function queryTarget(ctx: RunContext, data: PipelineData, plan: RunPlan, target: TrainedModelRecord): Promise<TargetQueries | undefined> {
  if (!plan.needsReferences) return undefined;
  const { config } = ctx;
  const { dataset } = data;
  return ctx.stage('predict', async () => {
    const { value } = await cachedStage({
      cache: ctx.deps.cache,
      key: stageKey('predict', queryInputs(config, data.identity, plan)),
      codec,
      what: "the target's query outputs",
      warn: (message) => ctx.warn(message),
      compute: async () => {
        const pool = ctx.upload(dataset, evaluationPool(data));
        const population = ctx.upload(dataset, populationIndices(config, data));
        try {
          const recipe = { architecture: config.target.architecture, inputShape: dataset.shape, numClasses: dataset.numClasses, defenses: plan.trainingDefenses };
          return await withModel(target, recipe, async (model) => ({
            pool: await targetQueryLogits(model, pool, config.reference.augmentedQueries),
            population: await predictLogits(model, population.x),
          }));
        } finally {
          ctx.release(pool);
          ctx.release(population);
        }
      },
    });
    return value;
  });
}
