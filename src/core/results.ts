/**
 * The files an experiment leaves behind, a contract other tools rely on:
 * results.json (config, backend, target figures, one entry per attack, timings) and scores.csv
 * (one row per evaluated record, one column per attack, higher = more likely a member).
 */
import type { ExperimentResult, ModelSummary } from './experiment';

export const RESULTS_FORMAT_VERSION = 1;

/** The plain-JSON form of a result: what `results.json` holds. */
function modelFigures(model: ModelSummary) {
  return {
    architecture: model.architecture,
    dataset: model.dataset,
    trainAccuracy: model.trainAccuracy,
    testAccuracy: model.testAccuracy,
    generalizationGap: model.generalizationGap,
    trainLoss: model.trainLoss,
    testLoss: model.testLoss,
    history: model.history,
  };
}

export function toResultsJson(result: ExperimentResult, extra: Record<string, unknown> = {}) {
  const { target, shadows, references } = result;
  return {
    formatVersion: RESULTS_FORMAT_VERSION,
    ...extra,
    config: result.config,
    backend: result.backend,
    dataset: result.dataset,
    target: modelFigures(target),
    shadow: shadows.length > 0 ? { count: shadows.length, architecture: shadows[0].architecture, dataset: shadows[0].dataset, models: shadows.map(modelFigures) } : undefined,
    reference: references && {
      count: references.count,
      architecture: references.architecture,
      epochs: references.epochs,
      trainedThisRun: references.trained,
      queries: references.queries,
      masks: 'reference-masks.csv',
    },
    defense: result.defense,
    privacy: result.privacy,
    notApplicable: result.notApplicable,
    attacks: result.attacks.map((attack) => ({
      name: attack.name,
      auc: attack.auc,
      accuracy: attack.accuracy,
      bestAccuracy: attack.bestAccuracy,
      advantage: attack.advantage,
      tprAtFpr: attack.tprAtFpr,
      // JSON has no Infinity: a threshold that calls nobody (everybody) a member is written "Infinity" ("-Infinity").
      threshold: Number.isFinite(attack.threshold) ? attack.threshold : String(attack.threshold),
      roc: attack.roc,
    })),
    timings: result.timings,
  };
}

export type ResultsJson = ReturnType<typeof toResultsJson>;

/** `index,member,label,<attack>…`: one row per evaluated record; index is the record's place in the pool. */
export function toScoresCsv(result: ExperimentResult): string {
  const { records, attacks } = result;
  const header = ['index', 'member', 'label', ...attacks.map((a) => a.name)].join(',');
  const rows: string[] = [header];
  const members = records.member.reduce((sum, m) => sum + m, 0);
  for (let i = 0; i < records.poolIndex.length; i++) {
    const isMember = records.member[i] === 1;
    const within = isMember ? i : i - members;
    const cells = attacks.map((a) => String(isMember ? a.memberScores[within] : a.nonMemberScores[within]));
    rows.push([records.poolIndex[i], records.member[i], records.label[i], ...cells].join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** `index,model_1,…,model_N`: 1 where reference model m trained on the record (LiRA's membership masks). */
export function toReferenceMasksCsv(result: ExperimentResult): string | undefined {
  const { references, records } = result;
  if (!references) return undefined;
  const header = ['index', ...references.inMasks.map((_, m) => `model_${m + 1}`)].join(',');
  const rows = Array.from(records.poolIndex, (index, i) => [index, ...references.inMasks.map((mask) => mask[i])].join(','));
  return `${[header, ...rows].join('\n')}\n`;
}
