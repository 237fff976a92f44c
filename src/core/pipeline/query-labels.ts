/**
 * Stage query-labels: the queries of the attacks that read more than the target's outputs on the
 * evaluated records. Label-only attacks (Choquette-Choo et al., arXiv:2007.14321) ask the target,
 * and each shadow model for its threshold, about perturbed copies of every record; the quantile
 * attack (Bertran et al., arXiv:2307.03694) asks the target about public records. Models are
 * rebuilt from their weights (withModel) and disposed; the logits of every view are kept and
 * cached under the model's key and the views, and the output defenses are applied later, in the
 * attack stage, like everywhere else.
 */
import { ATTACKS, type AttackName, type LabelQueryAttack } from '../attacks/registry';
import type { ViewLogits } from '../attacks/label-queries';
import { labelQuerySettings, queryViews } from '../attacks/query-attacks';
import type { ExperimentConfig } from '../config';
import { resolveDefenses } from '../defenses/registry';
import { predictLogits } from '../models/predict';
import { createRng } from '../random';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import type { RunPlan } from './plan';
import { cachedStage, stageKey, type StageCodec } from './stage-cache';
import { populationIndices } from './train-references';
import { shadowRecords, type TrainedShadow } from './train-shadows';
import { shadowInputs, targetInputs } from './keys';
import { withModel, type TrainedModelRecord } from './trained-model';

/** One model's view logits on the records it trained on and on its held-out records (all of them, validation slice included). */
export interface SplitViews {
  readonly members: ViewLogits;
  readonly nonMembers: ViewLogits;
}

export interface LabelQueryViews {
  readonly target: SplitViews;
  readonly shadows: readonly SplitViews[];
}

export interface ExtraQueries {
  /** Per label-query attack: the target's and every shadow's views. */
  readonly labels: ReadonlyMap<AttackName, LabelQueryViews>;
  /** The quantile attack's public records (pool indices) and the target's logits on them. */
  readonly quantile?: { readonly indices: Int32Array; readonly logits: Float32Array };
}

const splitCodec: StageCodec<SplitViews> = {
  encode: (s) => ({ meta: { members: [s.members.count, s.members.views], nonMembers: [s.nonMembers.count, s.nonMembers.views] }, arrays: [s.members.logits, s.nonMembers.logits] }),
  decode: ({ meta, arrays }) => {
    const m = meta as { members?: [number, number]; nonMembers?: [number, number] } | null;
    if (!m?.members || !m.nonMembers || arrays.length !== 2) return undefined;
    return {
      members: { logits: arrays[0], count: m.members[0], views: m.members[1] },
      nonMembers: { logits: arrays[1], count: m.nonMembers[0], views: m.nonMembers[1] },
    };
  },
};

const logitsCodec: StageCodec<Float32Array> = {
  encode: (logits) => ({ meta: null, arrays: [logits] }),
  decode: ({ arrays }) => (arrays.length === 1 ? arrays[0] : undefined),
};

/** Attacks of the plan that query labels. */
function labelQueryAttacks(plan: RunPlan): LabelQueryAttack[] {
  return plan.attacks.map((name) => ATTACKS[name]).filter((a): a is LabelQueryAttack => a.kind === 'label-query');
}

export function needsExtraQueries(plan: RunPlan): boolean {
  return plan.attacks.some((name) => ATTACKS[name].kind === 'label-query' || ATTACKS[name].kind === 'quantile');
}

/** The queries of the label-only and quantile attacks; undefined when none runs. */
export async function queryLabels(ctx: RunContext, data: PipelineData, plan: RunPlan, target: TrainedModelRecord, shadows: readonly TrainedShadow[]): Promise<ExtraQueries | undefined> {
  if (!needsExtraQueries(plan)) return undefined;
  const { config } = ctx;
  const { dataset } = data;
  // The augmentation defense with its defaults filled in (resolveDefenses), so an unset shift is the registry's.
  const settings = labelQuerySettings(dataset.shape, resolveDefenses(config.defenses).augmentation);
  const recipe = (architecture: ExperimentConfig['target']['architecture']) => ({ architecture, inputShape: dataset.shape, numClasses: dataset.numClasses, defenses: plan.trainingDefenses });
  return ctx.stage('query-labels', async () => {
    const views = async (attack: LabelQueryAttack, record: TrainedModelRecord, architecture: ExperimentConfig['target']['architecture'], source: PipelineData['dataset'], records: { train: Int32Array; test: Int32Array }, modelInputs: unknown, stream: string) =>
      (await cachedStage({
        cache: ctx.deps.cache,
        key: stageKey('query-labels', { model: modelInputs, queries: attack.queries, settings }),
        codec: splitCodec,
        what: `the ${stream} label queries`,
        warn: (message) => ctx.warn(message),
        compute: async () => {
          const train = ctx.upload(source, records.train);
          const test = ctx.upload(source, records.test);
          try {
            return await withModel(record, recipe(architecture), async (model) => ({
              members: await queryViews(attack, model, train, settings, createRng(config.seed, `query-labels/${attack.name}/${stream}/members`)),
              nonMembers: await queryViews(attack, model, test, settings, createRng(config.seed, `query-labels/${attack.name}/${stream}/non-members`)),
            }));
          } finally {
            ctx.release(train);
            ctx.release(test);
          }
        },
      })).value;
    const labels = new Map<AttackName, LabelQueryViews>();
    const shadowParts = shadowRecords(config, data);
    for (const attack of labelQueryAttacks(plan)) {
      const targetViews = await views(attack, target, config.target.architecture, dataset, { train: data.split.targetTrain, test: data.split.targetTest }, targetInputs(config, data.identity, plan), 'target');
      const shadowViews: SplitViews[] = [];
      for (const [i, shadow] of shadows.entries()) {
        shadowViews.push(await views(attack, shadow.record, config.shadow.architecture, data.shadowDataset, shadowParts[i], shadowInputs(config, data.identity, plan, i), `shadow/${i}`));
      }
      labels.set(attack.name, { target: targetViews, shadows: shadowViews });
    }
    const quantile = plan.attacks.some((name) => ATTACKS[name].kind === 'quantile')
      ? await (async () => {
          const indices = populationIndices(config, data);
          const { value } = await cachedStage({
            cache: ctx.deps.cache,
            key: stageKey('query-public', { model: targetInputs(config, data.identity, plan), indices: indices.length }),
            codec: logitsCodec,
            what: "the target's outputs on the public records",
            warn: (message) => ctx.warn(message),
            compute: async () => {
              const part = ctx.upload(dataset, indices);
              try {
                return await withModel(target, recipe(config.target.architecture), (model) => predictLogits(model, part.x));
              } finally {
                ctx.release(part);
              }
            },
          });
          return { indices, logits: value };
        })()
      : undefined;
    return { labels, ...(quantile ? { quantile } : {}) };
  });
}
