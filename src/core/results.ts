/**
 * The files an experiment leaves behind, a contract other tools rely on:
 * results.json (config, backend, target figures, one entry per attack, timings) and scores.csv
 * (one row per evaluated record, one column per attack, higher = more likely a member).
 */
import type { ExperimentResult } from './experiment';

export const RESULTS_FORMAT_VERSION = 1;

/** The plain-JSON form of a result: what `results.json` holds. */
export function toResultsJson(result: ExperimentResult, extra: Record<string, unknown> = {}) {
  const { target, shadow } = result;
  return {
    formatVersion: RESULTS_FORMAT_VERSION,
    ...extra,
    config: result.config,
    backend: result.backend,
    dataset: result.dataset,
    target: {
      architecture: target.architecture,
      trainAccuracy: target.trainAccuracy,
      testAccuracy: target.testAccuracy,
      generalizationGap: target.generalizationGap,
      trainLoss: target.trainLoss,
      testLoss: target.testLoss,
      history: target.history,
    },
    shadow: shadow && {
      architecture: shadow.architecture,
      trainAccuracy: shadow.trainAccuracy,
      testAccuracy: shadow.testAccuracy,
      generalizationGap: shadow.generalizationGap,
      trainLoss: shadow.trainLoss,
      testLoss: shadow.testLoss,
      history: shadow.history,
    },
    attacks: result.attacks.map((attack) => ({
      name: attack.name,
      auc: attack.auc,
      accuracy: attack.accuracy,
      bestAccuracy: attack.bestAccuracy,
      advantage: attack.advantage,
      tprAtFpr: attack.tprAtFpr,
      threshold: attack.threshold,
      roc: attack.roc,
    })),
    timings: result.timings,
  };
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
