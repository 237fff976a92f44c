/**
 * The files an experiment leaves behind, a contract other tools rely on:
 * results.json (config, backend, target figures, one entry per attack, timings) and scores.csv
 * (one row per evaluated record, one column per attack, higher = more likely a member).
 */
import type { ExperimentResult, ModelSummary } from './experiment';
import { breakdownAttack, joinScores, misclassifiedMembers, rankScores, type ScoredRecords } from './attacks/records';

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

/** How to read the attack figures, written into every results.json. */
export const RESULTS_CONVENTIONS = {
  tprAtFpr: 'the largest TPR among ROC points with FPR strictly below the rate (LiRA\'s convention, Carlini et al., arXiv:2112.03570)',
  intervals:
    '95 %: percentile bootstrap over records, stratified (members and non-members resampled apart, 200 resamples, seeded) for auc, accuracy, advantage; ' +
    'exact Clopper–Pearson on TP out of the members at the chosen ROC point for tprAtFpr. They reflect the records of one trained model, not retraining',
  thresholds: 'confidence, entropy and modified-entropy use one shadow-chosen threshold per class (classThresholds) unless config.thresholdScope is "global" (Song & Mittal, arXiv:2003.10595)',
} as const;

function jsonThreshold(threshold: number): number | string {
  return Number.isFinite(threshold) ? threshold : String(threshold);
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
    conventions: RESULTS_CONVENTIONS,
    attacks: result.attacks.map((attack) => ({
      name: attack.name,
      auc: attack.auc,
      accuracy: attack.accuracy,
      bestAccuracy: attack.bestAccuracy,
      advantage: attack.advantage,
      tprAtFpr: attack.tprAtFpr,
      ...(attack.intervals ? { intervals: attack.intervals } : {}),
      // JSON has no Infinity: a threshold that calls nobody (everybody) a member is written "Infinity" ("-Infinity").
      threshold: jsonThreshold(attack.threshold),
      ...(attack.classThresholds ? { classThresholds: attack.classThresholds.map(jsonThreshold) } : {}),
      ...(attack.calledMembers ? { calledMembers: attack.calledMembers } : {}),
      roc: attack.roc,
    })),
    breakdown: breakdownOf(result),
    timings: result.timings,
  };
}

export type ResultsJson = ReturnType<typeof toResultsJson>;

/**
 * results.json as a plain JSON value, as the CLI writes it (Infinity thresholds as strings, NaN as
 * null): what the app's suites keep. Its breakdown by class is per-record work, so the app runs
 * this in a worker (workers/pool-images.worker.ts).
 */
export function toPlainResultsJson(result: ExperimentResult, extra: Record<string, unknown> = {}): ResultsJson {
  return JSON.parse(JSON.stringify(toResultsJson(result, extra))) as ResultsJson;
}

/** The evaluated records as the records module reads them (predicted labels where the run kept them). */
function scoredRecords(result: ExperimentResult): ScoredRecords {
  return result.records;
}

/**
 * Each attack's AUC and TPR at 1 % FPR per class and by whether the target classifies the record
 * correctly, and how many members it gets wrong: where the averages come from. Absent for a result
 * without per-record scores (an imported results.json).
 */
export function breakdownOf(result: ExperimentResult) {
  const records = scoredRecords(result);
  const scored = result.attacks.filter((a) => a.memberScores.length + a.nonMemberScores.length === records.member.length && records.member.length > 0);
  if (scored.length === 0) return undefined;
  return {
    misclassifiedMembers: records.predicted ? misclassifiedMembers(records) : undefined,
    attacks: scored.map((a) => breakdownAttack(a, records, result.dataset.numClasses)),
  };
}

/**
 * `index,member,label,predicted,` then per attack `<attack>,<attack>_rank,<attack>_class_rank`: one
 * row per evaluated record. Rank 1 is the record the attack finds most member-like (ties share the
 * best rank); the class rank counts within the record's label. `predicted` is empty where the run
 * did not keep the target's predicted labels.
 */
export function toRecordsCsv(result: ExperimentResult): string {
  const records = scoredRecords(result);
  const columns = result.attacks.map((a) => {
    const scores = joinScores(a);
    return { name: a.name, scores, rank: rankScores(scores), classRank: rankScores(scores, records.label) };
  });
  const header = ['index', 'member', 'label', 'predicted', ...columns.flatMap((c) => [c.name, `${c.name}_rank`, `${c.name}_class_rank`])].join(',');
  const rows: string[] = [header];
  for (let i = 0; i < records.member.length; i++) {
    const predicted = records.predicted ? String(records.predicted[i]) : '';
    const cells = columns.flatMap((c) => [String(c.scores[i]), String(c.rank[i]), String(c.classRank[i])]);
    rows.push([result.records.poolIndex[i], records.member[i], records.label[i], predicted, ...cells].join(','));
  }
  return `${rows.join('\n')}\n`;
}

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
