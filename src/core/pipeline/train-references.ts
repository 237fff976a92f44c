/**
 * Stage train-references: the N reference models of LiRA, RMIA and the similarity attack, each on
 * a random half of the target's evaluation pool (members then non-members), every record IN for
 * half of them (models/references.ts, which caches each model's logits on its own). RMIA's
 * population sample comes from the shadow parts, which no reference model trains on.
 */
import type { ExperimentConfig } from '../config';
import { trainReferenceModels, type ReferenceSet, type RemoteReferenceTraining } from '../models/references';
import { jobRecords } from './train-shadows';
import { etaSeconds, type RunContext } from './context';
import { splitPool } from '../datasets/split';
import type { DefenseConfig } from '../defenses/registry';
import { dataIdentity, type PipelineData } from './data';
import type { DataIdentity } from './keys';
import { planRun, type RunPlan } from './plan';

/** Pool indices of the target's evaluation records, members first: what the reference models split in halves. */
export function evaluationPool(data: Pick<PipelineData, 'split'>): Int32Array {
  const { targetTrain, targetTest } = data.split;
  const pool = new Int32Array(targetTrain.length + targetTest.length);
  pool.set(targetTrain, 0);
  pool.set(targetTest, targetTrain.length);
  return pool;
}

/** RMIA's population z: the first populationSize records of the shadow parts (never trained on by the target or the references). */
export function populationIndices(config: ExperimentConfig, data: Pick<PipelineData, 'split'>): Int32Array {
  const { shadowTrain, shadowTest } = data.split;
  const all = new Int32Array(shadowTrain.length + shadowTest.length);
  all.set(shadowTrain, 0);
  all.set(shadowTest, shadowTrain.length);
  return all.slice(0, config.rmia.populationSize);
}

/** What the reference models train and are queried on, the defenses they train under and their data identity. */
export interface ReferenceRecords {
  readonly poolIndex: Int32Array;
  readonly populationIndex: Int32Array;
  readonly defenses: DefenseConfig;
  readonly identity: DataIdentity;
}

/**
 * This stage's inputs without running the stages before it: what `lab references` (one shard of
 * the models, on another machine) and `lab merge` (which checks the shards' keys) need to reach the
 * very cache keys this stage uses.
 */
export function referenceRecords(config: ExperimentConfig, dataset: { readonly name: string; readonly count: number }): ReferenceRecords {
  const data = { split: splitPool(dataset.count, config.partSize, config.seed) };
  return {
    poolIndex: evaluationPool(data),
    populationIndex: populationIndices(config, data),
    defenses: planRun(config).referenceDefenses,
    identity: dataIdentity(config, dataset),
  };
}

export async function trainReferences(ctx: RunContext, data: PipelineData, plan: RunPlan): Promise<ReferenceSet> {
  const { config } = ctx;
  const { dataset } = data;
  const population = populationIndices(config, data);
  if (population.length < config.rmia.populationSize) {
    ctx.warn(`RMIA's population is ${population.length} records (the shadow parts), not ${config.rmia.populationSize}`);
  }
  return ctx.stage('train-references', async () => {
    const pool = ctx.upload(dataset, evaluationPool(data));
    const populationPart = ctx.upload(dataset, population);
    const started = Date.now();
    let done = 0;
    try {
      return await trainReferenceModels({
        inputShape: dataset.shape,
        numClasses: dataset.numClasses,
        signal: ctx.deps.signal,
        gate: ctx.deps.gate,
        pool,
        population: populationPart,
        config: config.reference,
        defenses: plan.referenceDefenses,
        seed: config.seed,
        identity: data.identity,
        cache: ctx.deps.cache,
        onEpoch: (index, metrics) => ctx.progress({ type: 'epoch', model: 'reference', index, count: config.reference.count, metrics }),
        onModel: (p) =>
          ctx.progress({ type: 'model-done', model: 'reference', index: p.index, count: p.count, seconds: p.seconds, cached: p.cached, etaSeconds: etaSeconds(started, ++done, p.count) }),
        onCorruptCache: (index) => ctx.warn(`reference model ${index + 1}: its cache entry is corrupt or incomplete; retraining it`),
        onCacheWriteError: (index, message) => ctx.warn(`reference model ${index + 1}: its outputs could not be cached (${message}); the run goes on without the cache`),
        ...(ctx.deps.pool ? { remote: remoteReferences(ctx, data, plan, population) } : {}),
      });
    } finally {
      ctx.release(pool);
      ctx.release(populationPart);
    }
  });
}

/** Groups of reference models trained by the run's pool: each job carries the pool's and the population's pixels. */
function remoteReferences(ctx: RunContext, data: PipelineData, plan: RunPlan, population: Int32Array): RemoteReferenceTraining {
  const { config } = ctx;
  const { dataset } = data;
  const pool = ctx.deps.pool!;
  const poolIndex = evaluationPool(data);
  const count = config.reference.count;
  return {
    lanes: pool.size,
    train: (only) =>
      pool.run(
        {
          kind: 'references',
          name: referenceGroupName(only, count),
          config: config.reference,
          seed: config.seed,
          defenses: plan.referenceDefenses,
          identity: data.identity,
          shape: dataset.shape,
          numClasses: dataset.numClasses,
          pool: jobRecords(dataset, poolIndex),
          population: jobRecords(dataset, population),
          only,
        },
        { signal: ctx.deps.signal, gate: ctx.deps.gate, onEpoch: (index, metrics) => ctx.progress({ type: 'epoch', model: 'reference', index, count, metrics }) },
      ),
  };
}

/** "reference model 3 of 16", "reference models 1–8 of 16", or a list when the group has gaps (cached models left out). */
function referenceGroupName(only: readonly number[], count: number): string {
  if (only.length === 1) return `reference model ${only[0] + 1} of ${count}`;
  const contiguous = only.every((m, k) => k === 0 || m === only[k - 1] + 1);
  return `reference models ${contiguous ? `${only[0] + 1}–${only[only.length - 1] + 1}` : only.map((m) => m + 1).join(', ')} of ${count}`;
}
