/**
 * What a config asks the pipeline to do, decided once from the registries: which attacks run and
 * which cannot, whether shadow and reference models are needed, and which defenses each kind of
 * model trains under. No stage looks at attack or defense names itself.
 */
import { ATTACKS, usesReferences, usesShadows, type AttackName } from '../attacks/registry';
import type { ExperimentConfig } from '../config';
import { isAttackApplicable, NOT_APPLICABLE_REASON } from '../defenses/output';
import { activeDefenses, DEFENSES, type DefenseConfig, type DefenseId } from '../defenses/registry';

export interface RunPlan {
  /** The requested attacks that can run on what the target releases, in the config's order. */
  readonly attacks: readonly AttackName[];
  readonly notApplicable: readonly { readonly name: AttackName; readonly reason: string }[];
  readonly activeDefenses: readonly DefenseId[];
  /** Training-side defenses: the target and shadows train under them. */
  readonly trainingDefenses: DefenseConfig;
  /** The training defenses reference models train under (the registry says which apply to them). */
  readonly referenceDefenses: DefenseConfig;
  readonly hasTrainingDefenses: boolean;
  readonly hasOutputDefenses: boolean;
  readonly labelOnly: boolean;
  readonly needsShadows: boolean;
  readonly needsReferences: boolean;
}

function pick(defenses: DefenseConfig, keep: (id: DefenseId) => boolean): DefenseConfig {
  return Object.fromEntries(Object.entries(defenses).filter(([id]) => keep(id as DefenseId)));
}

/** The config's output-side defenses: what the attacker is shown, nothing a model trains on. */
export function outputDefenses(config: ExperimentConfig): DefenseConfig {
  return pick(config.defenses, (id) => DEFENSES[id].kind === 'output');
}

export function planRun(config: ExperimentConfig): RunPlan {
  const defenses = config.defenses;
  const active = activeDefenses(defenses);
  const labelOnly = defenses['label-only'] !== undefined;
  const attacks = config.attacks.filter((name) => isAttackApplicable(name, labelOnly));
  const training = (id: DefenseId) => DEFENSES[id].kind === 'training';
  return {
    attacks,
    notApplicable: config.attacks.filter((name) => !isAttackApplicable(name, labelOnly)).map((name) => ({ name, reason: NOT_APPLICABLE_REASON })),
    activeDefenses: active,
    trainingDefenses: pick(defenses, training),
    referenceDefenses: pick(defenses, (id) => training(id) && DEFENSES[id].appliesToReferenceModels !== false),
    hasTrainingDefenses: active.some(training),
    hasOutputDefenses: active.some((id) => !training(id)),
    labelOnly,
    needsShadows: attacks.some((name) => usesShadows(ATTACKS[name])),
    needsReferences: attacks.some((name) => usesReferences(ATTACKS[name])),
  };
}
