/**
 * The privacy–utility chart's points (issue 5): every run of the session that has defenses, the
 * target's test accuracy (on the outputs the attacker sees) against one attack's AUC or TPR at
 * 1 % FPR; runs without defenses form the "no defense" baseline. Pure, tested without a browser.
 */
import type { StoredRun } from '../../shared/storage/db';
import { DEFENSE_IDS, DEFENSES } from '../../core/defenses/registry';
import { describeDefenses } from '../defenses/defense-settings';

export type PrivacyMetric = 'auc' | 'tpr';

export interface PrivacyPoint {
  readonly accuracy: number;
  readonly value: number;
  readonly hash: string;
  /** The defenses and their settings, for the tooltip. */
  readonly label: string;
  /** The accountant's ε when the run used DP-SGD. */
  readonly epsilon?: number;
}

export interface PrivacySeries {
  /** Which defenses (without settings): one series per combination. */
  readonly name: string;
  readonly points: readonly PrivacyPoint[];
}

export const NO_DEFENSE = 'no defense';

function defenseSet(run: StoredRun): string {
  const active = DEFENSE_IDS.filter((id) => run.config.defenses[id] !== undefined);
  return active.length === 0 ? NO_DEFENSE : active.map((id) => DEFENSES[id].label).join(' + ');
}

const hasDefenses = (run: StoredRun) => Object.keys(run.config.defenses).length > 0;

/** Attacks that have a figure in at least one defended run, in the order first seen. */
export function privacyAttacks(runs: readonly StoredRun[]): string[] {
  const names: string[] = [];
  for (const run of runs.filter(hasDefenses)) for (const a of run.result.attacks) if (!names.includes(a.name)) names.push(a.name);
  return names;
}

/**
 * One series per defense combination (plus the undefended baseline when there are defended runs),
 * and how many defended runs have no figure for `attack` (not applicable under label-only, or not run).
 */
export function privacyUtilitySeries(runs: readonly StoredRun[], attack: string, metric: PrivacyMetric): { series: PrivacySeries[]; missing: number } {
  const defended = runs.filter(hasDefenses);
  if (defended.length === 0) return { series: [], missing: 0 };
  const groups = new Map<string, PrivacyPoint[]>();
  let missing = 0;
  for (const run of runs) {
    const { result } = run;
    const found = result.attacks.find((a) => a.name === attack);
    const value = found ? (metric === 'auc' ? found.auc : found.tprAtFpr['0.01']) : Number.NaN;
    const accuracy = result.defense?.testAccuracy.defended ?? result.target.testAccuracy;
    if (!Number.isFinite(value) || !Number.isFinite(accuracy)) {
      if (hasDefenses(run)) missing++;
      continue;
    }
    const name = defenseSet(run);
    const points = groups.get(name) ?? [];
    points.push({
      accuracy,
      value,
      hash: run.hash,
      label: describeDefenses(run.config.defenses),
      ...(result.privacy.accountant ? { epsilon: result.privacy.accountant.epsilon } : {}),
    });
    groups.set(name, points);
  }
  const series = [...groups.entries()]
    .map(([name, points]) => ({ name, points: [...points].sort((a, b) => a.accuracy - b.accuracy) }))
    // The baseline first, so its colour is stable.
    .sort((a, b) => (a.name === NO_DEFENSE ? -1 : b.name === NO_DEFENSE ? 1 : a.name.localeCompare(b.name)));
  return { series, missing };
}
