/**
 * A trained target or shadow model as a stage keeps it: its weights, its training history, what the
 * defenses recorded, and its logits on the records it trained on and on its held-out records. The
 * model itself is disposed as soon as these are read, so no tensor outlives its stage; a later
 * stage that must query it again rebuilds it from the weights (withModel).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureId } from '../models/catalog';
import type { DefenseConfig } from '../defenses/registry';
import type { DpSgdAccounting } from '../defenses/accounting';
import type { InputShape } from '../models/architectures';
import { predictLogits, type TensorPart } from '../models/predict';
import { buildOptionsFor, trainClassifier, type EarlyStoppingReport, type EpochMetrics, type TrainedModel, type TrainOptions } from '../models/train';
import type { ImageDataset } from '../datasets/types';
import { buildWithWeights, readWeights } from '../models/weights';
import type { RunContext } from './context';
import type { StageCodec } from './stage-cache';

export interface TrainedModelRecord {
  readonly weights: readonly Float32Array[];
  readonly history: readonly EpochMetrics[];
  /**
   * What the live attack figures in `history` were computed under (output defenses, attacks,
   * shadows): they are only shown again when that is unchanged, since the key of the model does
   * not include it.
   */
  readonly liveKey?: string;
  /** Logits (count × classes) on the records it trained on (all of `train`, validation slice included) and on `test`. */
  readonly trainLogits: Float32Array;
  readonly testLogits: Float32Array;
  readonly validationIndices?: Int32Array;
  readonly earlyStopping?: EarlyStoppingReport;
  readonly dpSgd?: DpSgdAccounting;
}

interface RecordMeta {
  readonly history: readonly EpochMetrics[];
  readonly liveKey?: string;
  readonly weightCount: number;
  readonly validationIndices?: number[];
  readonly earlyStopping?: EarlyStoppingReport;
  readonly dpSgd?: DpSgdAccounting;
}

export const trainedModelCodec: StageCodec<TrainedModelRecord> = {
  encode: (r) => ({
    meta: {
      history: r.history,
      ...(r.liveKey ? { liveKey: r.liveKey } : {}),
      weightCount: r.weights.length,
      ...(r.validationIndices ? { validationIndices: Array.from(r.validationIndices) } : {}),
      ...(r.earlyStopping ? { earlyStopping: r.earlyStopping } : {}),
      ...(r.dpSgd ? { dpSgd: r.dpSgd } : {}),
    } satisfies RecordMeta,
    arrays: [...r.weights, r.trainLogits, r.testLogits],
  }),
  decode: ({ meta, arrays }) => {
    const m = meta as Partial<RecordMeta> | null;
    if (!m || !Array.isArray(m.history) || typeof m.weightCount !== 'number' || arrays.length !== m.weightCount + 2) return undefined;
    return {
      weights: arrays.slice(0, m.weightCount),
      history: m.history,
      ...(typeof m.liveKey === 'string' ? { liveKey: m.liveKey } : {}),
      trainLogits: arrays[m.weightCount],
      testLogits: arrays[m.weightCount + 1],
      ...(m.validationIndices ? { validationIndices: Int32Array.from(m.validationIndices) } : {}),
      ...(m.earlyStopping ? { earlyStopping: m.earlyStopping } : {}),
      ...(m.dpSgd ? { dpSgd: m.dpSgd } : {}),
    };
  },
};

/** Read what the pipeline keeps of a freshly trained model; `history` replaces the trainer's (it may carry live attack figures). */
export async function recordTrainedModel(trained: TrainedModel, train: TensorPart, test: TensorPart, history: readonly EpochMetrics[]): Promise<TrainedModelRecord> {
  return {
    weights: await readWeights(trained.model),
    history,
    trainLogits: await predictLogits(trained.model, train.x),
    testLogits: await predictLogits(trained.model, test.x),
    ...(trained.validationIndices ? { validationIndices: trained.validationIndices } : {}),
    ...(trained.earlyStopping ? { earlyStopping: trained.earlyStopping } : {}),
    ...(trained.dpSgd ? { dpSgd: trained.dpSgd } : {}),
  };
}

export interface ModelRecipe {
  readonly architecture: ArchitectureId;
  readonly inputShape: InputShape;
  readonly numClasses: number;
  /** The training defenses it was built under (dropout adds layers). */
  readonly defenses: DefenseConfig;
}

/** Rebuild the model from its weights, hand it to `use`, and dispose it afterwards. */
export async function withModel<T>(record: TrainedModelRecord, recipe: ModelRecipe, use: (model: tf.LayersModel) => Promise<T>): Promise<T> {
  const model = buildWithWeights(recipe.architecture, recipe.inputShape, recipe.numClasses, record.weights, buildOptionsFor(recipe.defenses));
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

/** A model that came from the cache, rebuilt from its weights and handed out like a freshly trained one (a merge's bundle needs it). */
export async function keepCachedModel(ctx: RunContext, role: 'target' | 'shadow', index: number, record: TrainedModelRecord, recipe: ModelRecipe): Promise<void> {
  if (!ctx.deps.onModelTrained) return;
  await withModel(record, recipe, (model) => keepModel(ctx, role, index, model));
}

/** Hand a freshly trained model to deps.onModelTrained; a failure (a full disk, say) is a warning, never a lost run. */
export async function keepModel(ctx: RunContext, role: 'target' | 'shadow', index: number, model: tf.LayersModel): Promise<void> {
  if (!ctx.deps.onModelTrained) return;
  try {
    await ctx.deps.onModelTrained(role, index, model);
  } catch (error) {
    ctx.warn(`the ${role} model's weights were not saved: ${(error as Error).message}`);
  }
}

/** What a stage says about the model it trains; the rest (data, shape, cancel, pause) comes from the run. */
export type ModelTraining = Omit<TrainOptions, 'train' | 'test' | 'inputShape' | 'numClasses' | 'signal' | 'gate'>;

/**
 * Upload the records at `trainIndices` and `testIndices` of `source`, train a model on them, hand
 * it to `use`, and dispose the model and the uploads whatever happens.
 */
export async function trainOnRecords<T>(
  ctx: RunContext,
  source: ImageDataset,
  records: { readonly train: ArrayLike<number>; readonly test: ArrayLike<number> },
  training: ModelTraining,
  use: (trained: TrainedModel, train: TensorPart, test: TensorPart) => Promise<T>,
): Promise<T> {
  const train = ctx.upload(source, records.train);
  const test = ctx.upload(source, records.test);
  try {
    const trained = await trainClassifier({
      ...training,
      inputShape: source.shape,
      numClasses: source.numClasses,
      signal: ctx.deps.signal,
      gate: ctx.deps.gate,
      train,
      test,
    });
    try {
      return await use(trained, train, test);
    } finally {
      trained.model.dispose();
    }
  } finally {
    ctx.release(train);
    ctx.release(test);
  }
}
