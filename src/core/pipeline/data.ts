/**
 * Stage load-data: the dataset (and the shadows' own dataset, when they come from another one) and
 * the seeded four-way split of its pool. Datasets are cached by the platform (files in Node,
 * IndexedDB in the app); the split is cheap and recomputed.
 */
import type { ExperimentConfig } from '../config';
import { splitPool, type DataSplit } from '../datasets/split';
import type { ImageDataset } from '../datasets/types';
import type { RunContext } from './context';
import type { DataIdentity } from './keys';

export interface PipelineData {
  readonly dataset: ImageDataset;
  /** The shadows' dataset: `dataset` itself unless config.shadow.dataset names another. */
  readonly shadowDataset: ImageDataset;
  readonly split: DataSplit;
  readonly shadowSplit: DataSplit;
  /** What identifies the data every model trains on: part of each training stage's cache key. */
  readonly identity: DataIdentity;
}


/** The data identity of `config` on `dataset`, part of every training stage's cache key (reference shards derive it too). */
export function dataIdentity(config: ExperimentConfig, dataset: { readonly name: string; readonly count: number }): DataIdentity {
  return { dataset: config.dataset, datasetName: dataset.name, poolSize: dataset.count, partSize: config.partSize, splitSeed: config.seed };
}

export async function loadData(ctx: RunContext, needsShadows: boolean): Promise<PipelineData> {
  const { config, deps } = ctx;
  return ctx.stage('load-data', async () => {
    const dataset = await deps.loadDataset(config.dataset);
    const other = needsShadows && config.shadow.dataset ? await deps.loadDataset(config.shadow.dataset) : undefined;
    if (other && (other.shape.join() !== dataset.shape.join() || other.numClasses !== dataset.numClasses)) {
      throw new Error(
        `the shadow dataset ${other.name} (${other.shape.join('×')}, ${other.numClasses} classes) does not match ` +
          `the target's ${dataset.name} (${dataset.shape.join('×')}, ${dataset.numClasses} classes); shadow data must have the same shape and classes`,
      );
    }
    const topK = config.defenses['top-k']?.k;
    if (topK !== undefined && topK > dataset.numClasses) {
      throw new RangeError(`config.defenses.top-k.k: ${topK} exceeds the ${dataset.numClasses} classes of ${dataset.name}`);
    }
    const shadowDataset = other ?? dataset;
    const split = splitPool(dataset.count, config.partSize, config.seed);
    return {
      dataset,
      shadowDataset,
      split,
      shadowSplit: shadowDataset === dataset ? split : splitPool(shadowDataset.count, config.partSize, config.seed),
      identity: dataIdentity(config, dataset),
    };
  });
}
