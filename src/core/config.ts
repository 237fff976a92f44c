/**
 * ExperimentConfig: the one versioned, validated description of an experiment. It feeds the CLI,
 * tests and (later) the URL hash and IndexedDB keys; a run is reproducible from it alone.
 */
import { ATTACK_NAMES, ATTACKS, METRIC_ATTACK_NAMES, type AttackName } from './attacks/registry';
import { THRESHOLD_SCOPES, type ThresholdScope } from './attacks/evaluate';
import { ARCHITECTURE_IDS, type ArchitectureId } from './models/catalog';
import { DEFENSE_CONFIG_SPEC, findDefenseProblems, type DefenseConfig } from './defenses/registry';
import { ConfigError, findProblems, mergeDeep, type FieldSpec } from './schema';

export const CONFIG_VERSION = 1;

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'custom'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DatasetConfig {
  readonly name: DatasetName;
  /** For `custom`: the user's files (IDX, IDX.gz, CIFAR-10/100 binaries or their .tar.gz). */
  readonly files?: readonly string[];
  /** CIFAR-100 only: fine (100 classes, default) or coarse (20) labels. */
  readonly cifar100Labels?: 'fine' | 'coarse';
}

export interface TrainingConfig {
  readonly architecture: ArchitectureId;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

/** The hidden-layer sizes the seed report swept for the ML attack. */
export const ML_HIDDEN_UNITS = [10, 20, 50, 70, 100, 150, 200] as const;

/** The ML attack's model (Shokri et al., arXiv:1610.05820): attacks/ml.ts. */
export interface MlAttackConfig {
  readonly hiddenUnits: number;
  readonly epochs: number;
  /** Sort each prediction vector in decreasing order (the attack then ignores which class is which). */
  readonly sortPredictions: boolean;
  /** One attack model per class, trained on the shadow records of that class. */
  readonly perClass: boolean;
}

export const DEFAULT_ML_ATTACK: MlAttackConfig = { hiddenUnits: 50, epochs: 50, sortPredictions: false, perClass: false };

export interface ShadowConfig extends TrainingConfig {
  /** k shadow models (Shokri et al.); each trains on a random half of the shadow pool. */
  readonly count: number;
  /** Shadow data from another dataset of the same shape (transferability); the target's by default. */
  readonly dataset?: DatasetConfig;
}

export interface ReferenceConfig extends TrainingConfig {
  /** N reference models for LiRA, RMIA and the similarity attack, each on a random half of the target's evaluation pool. */
  readonly count: number;
  /** LiRA with one global variance (better with few reference models). */
  readonly fixedVariance: boolean;
  /** Query each record with one-pixel shifts too (and a horizontal flip for colour images), averaging the LiRA scores. */
  readonly augmentedQueries: boolean;
}

export interface RmiaConfig {
  /** Offline scaling of the OUT models' probabilities (Zarifzadeh et al., arXiv:2312.03262). */
  readonly a: number;
  readonly gamma: number;
  /** Population records z, drawn from the shadow parts (never trained on by the target or a reference model). */
  readonly populationSize: number;
}

/**
 * The one-run privacy audit of Steinke, Nasr & Jagielski (arXiv:2305.08846), off while `canaries`
 * is 0: that many mislabelled canaries are drawn from the pool outside the four parts, each added
 * to the target's training set by a fair seeded coin; the attacker guesses IN for the `guessesIn`
 * canaries with the lowest loss on their wrong label and OUT for the `guessesOut` with the highest,
 * and the number of right guesses gives a lower bound on ε at `confidence` (privacy/one-run-audit.ts).
 */
export interface AuditConfig {
  readonly canaries: number;
  readonly guessesIn: number;
  readonly guessesOut: number;
  readonly confidence: number;
}

export const DEFAULT_AUDIT: AuditConfig = { canaries: 0, guessesIn: 100, guessesOut: 100, confidence: 0.95 };
/**
 * The audit as the app's switch turns it on: 500 canaries (about 250 mislabelled records join
 * training, which costs some test accuracy), 50 IN and 50 OUT guesses (all right would certify ε ≥ 3.5 at 95 %).
 */
export const SUGGESTED_AUDIT: AuditConfig = { canaries: 500, guessesIn: 50, guessesOut: 50, confidence: 0.95 };

export interface ExperimentConfig {
  readonly version: typeof CONFIG_VERSION;
  readonly seed: number;
  readonly dataset: DatasetConfig;
  /** Records in each of the four parts: target-train, target-test, shadow-train, shadow-test. */
  readonly partSize: number;
  readonly target: TrainingConfig;
  /** The shadow models' training; the target's unless set. */
  readonly shadow: ShadowConfig;
  /** Reference models (LiRA, RMIA, similarity); the target's training unless set. */
  readonly reference: ReferenceConfig;
  readonly mlAttack: MlAttackConfig;
  readonly rmia: RmiaConfig;
  /**
   * Defenses of the target (defenses/registry.ts). Shadow models train and answer under the same
   * ones (the attacker knows the training recipe); reference models train under the same
   * training defenses except early stopping, whose validation slice would change their masks.
   */
  readonly defenses: DefenseConfig;
  readonly attacks: readonly AttackName[];
  /**
   * 'per-class' (default): confidence, entropy and modified entropy take one shadow-chosen threshold
   * per class, as Song & Mittal do (arXiv:2003.10595); 'global': one threshold for all records.
   */
  readonly thresholdScope: ThresholdScope;
  /** The one-run audit (off while audit.canaries is 0). */
  readonly audit: AuditConfig;
}

const trainingFields = {
  architecture: { kind: 'enum', values: ARCHITECTURE_IDS },
  epochs: { kind: 'integer', min: 1, max: 500 },
  batchSize: { kind: 'integer', min: 1, max: 8192 },
  learningRate: { kind: 'number', min: 0, max: 10, exclusiveMin: true },
} as const satisfies Record<string, FieldSpec>;

const trainingSpec: FieldSpec = { kind: 'object', fields: trainingFields };

const datasetSpec: FieldSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'enum', values: DATASET_NAMES },
    files: { kind: 'array', items: { kind: 'string', minLength: 1 }, minLength: 1 },
    cifar100Labels: { kind: 'enum', values: ['fine', 'coarse'] },
  },
  optional: ['files', 'cifar100Labels'],
};

export const EXPERIMENT_CONFIG_SPEC: FieldSpec = {
  kind: 'object',
  fields: {
    version: { kind: 'integer', min: CONFIG_VERSION, max: CONFIG_VERSION },
    seed: { kind: 'integer', min: 0, max: 2 ** 31 - 1 },
    dataset: datasetSpec,
    partSize: { kind: 'integer', min: 10, max: 1_000_000 },
    target: trainingSpec,
    shadow: {
      kind: 'object',
      fields: { ...trainingFields, count: { kind: 'integer', min: 1, max: 64 }, dataset: datasetSpec },
      optional: ['dataset'],
    },
    reference: {
      kind: 'object',
      fields: {
        ...trainingFields,
        count: { kind: 'integer', min: 4, max: 256 },
        fixedVariance: { kind: 'boolean' },
        augmentedQueries: { kind: 'boolean' },
      },
    },
    mlAttack: {
      kind: 'object',
      fields: {
        hiddenUnits: { kind: 'integer', min: 1, max: 1024 },
        epochs: { kind: 'integer', min: 1, max: 500 },
        sortPredictions: { kind: 'boolean' },
        perClass: { kind: 'boolean' },
      },
    },
    rmia: {
      kind: 'object',
      fields: {
        a: { kind: 'number', min: 0, max: 1 },
        gamma: { kind: 'number', min: 0, max: 1000, exclusiveMin: true },
        populationSize: { kind: 'integer', min: 10, max: 100_000 },
      },
    },
    defenses: DEFENSE_CONFIG_SPEC,
    attacks: { kind: 'array', items: { kind: 'enum', values: ATTACK_NAMES }, minLength: 1, unique: true },
    thresholdScope: { kind: 'enum', values: THRESHOLD_SCOPES },
    audit: {
      kind: 'object',
      fields: {
        canaries: { kind: 'integer', min: 0, max: 20_000 },
        guessesIn: { kind: 'integer', min: 0, max: 20_000 },
        guessesOut: { kind: 'integer', min: 0, max: 20_000 },
        confidence: { kind: 'number', min: 0.5, max: 0.999 },
      },
    },
  },
};

/** Pool sizes of the built-in datasets (train and test files together). */
const BUILTIN_POOL_SIZE: Readonly<Record<Exclude<DatasetName, 'custom'>, number>> = {
  mnist: 70_000,
  'fashion-mnist': 70_000,
};

const DEFAULT_TRAINING: TrainingConfig = { architecture: 'mlp', epochs: 30, batchSize: 128, learningRate: 1e-3 };

export const DEFAULT_CONFIG: ExperimentConfig = {
  version: CONFIG_VERSION,
  seed: 0,
  dataset: { name: 'mnist' },
  partSize: 1_000,
  target: DEFAULT_TRAINING,
  shadow: { ...DEFAULT_TRAINING, count: 1 },
  reference: { ...DEFAULT_TRAINING, count: 16, fixedVariance: true, augmentedQueries: false },
  mlAttack: DEFAULT_ML_ATTACK,
  rmia: { a: 0.3, gamma: 1, populationSize: 1_000 },
  defenses: {},
  attacks: METRIC_ATTACK_NAMES,
  thresholdScope: 'per-class',
  audit: DEFAULT_AUDIT,
};

export interface Preset {
  readonly description: string;
  /** Fields that differ from DEFAULT_CONFIG. */
  readonly overrides: Partial<Omit<ExperimentConfig, 'target' | 'shadow' | 'reference' | 'mlAttack' | 'rmia' | 'audit'>> & {
    readonly target?: Partial<TrainingConfig>;
    readonly shadow?: Partial<ShadowConfig>;
    readonly reference?: Partial<ReferenceConfig>;
    readonly mlAttack?: Partial<MlAttackConfig>;
    readonly rmia?: Partial<RmiaConfig>;
    readonly defenses?: DefenseConfig;
    readonly audit?: Partial<AuditConfig>;
  };
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  quick: {
    description: 'MNIST, 1,000 records per part, an MLP overfit for 80 epochs: leaks in under a minute.',
    overrides: { target: { epochs: 80 } },
  },
  standard: {
    description: 'MNIST, 5,000 records per part, an MLP trained for 50 epochs.',
    overrides: { partSize: 5_000, target: { epochs: 50 }, shadow: { epochs: 50 } },
  },
  fashion: {
    description: 'Fashion-MNIST, 2,500 records per part, an MLP trained for 50 epochs.',
    overrides: { dataset: { name: 'fashion-mnist' }, partSize: 2_500, target: { epochs: 50 }, shadow: { epochs: 50 } },
  },
  cnn: {
    description: 'MNIST, 1,000 records per part, the small CNN for 15 epochs.',
    overrides: { target: { architecture: 'cnn', epochs: 15 }, shadow: { architecture: 'cnn', epochs: 15 } },
  },
  shadows: {
    description: 'MNIST, 1,000 records per part, 4 shadow MLPs and the ML attack beside the metric attacks.',
    overrides: { target: { epochs: 80 }, shadow: { count: 4 }, attacks: [...METRIC_ATTACK_NAMES, 'ml'] },
  },
  lira: {
    description: 'MNIST, 16 reference MLPs on 2,000 records (each trained on half): LiRA, RMIA and the similarity attack against the loss attack.',
    overrides: {
      target: { epochs: 30 },
      reference: { count: 16 },
      attacks: ['random', 'correctness', 'loss', 'ml', 'lira-online', 'lira-offline', 'rmia', 'similarity'],
    },
  },
  full: {
    description: 'MNIST, a quarter of the dataset per part (17,500 records), an MLP trained for 50 epochs.',
    overrides: { partSize: 17_500, target: { epochs: 50 }, shadow: { epochs: 50 } },
  },
};

/**
 * Validate a parsed JSON config and fill what it leaves out from `base` (DEFAULT_CONFIG unless
 * given). A shadow section the user omits follows the target's. Throws ConfigError naming every
 * bad field; nothing runs on a refused config.
 */
export function parseExperimentConfig(input: unknown, base: ExperimentConfig = DEFAULT_CONFIG): ExperimentConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(['config: expected a JSON object']);
  }
  const user = input as Record<string, unknown>;
  // Catch unknown fields before merging so a typo is never silently replaced by a default.
  const unknownProblems = findProblems(mergeDeep(base, user), EXPERIMENT_CONFIG_SPEC, 'config').filter((p) =>
    p.includes('unknown field'),
  );
  if (unknownProblems.length > 0) throw new ConfigError(unknownProblems);
  // Shadow and reference models train like the target unless their sections say otherwise.
  const follow = (own: unknown) => (user.target !== undefined ? mergeDeep(user.target as object, own ?? {}) : own ?? {});
  const merged = mergeDeep(base, {
    ...user,
    shadow: mergeDeep(base.shadow, follow(user.shadow)),
    reference: mergeDeep(base.reference, follow(user.reference)),
  });
  // A bad target value copied into the shadow and reference sections is reported once, at the target.
  const copied = (problem: string) => {
    const match = /^config\.(shadow|reference)\.(\w+):/.exec(problem);
    const own = match && (user[match[1]] as Record<string, unknown> | undefined)?.[match[2]];
    return match !== null && own === undefined && (user.target as Record<string, unknown> | undefined)?.[match[2]] !== undefined;
  };
  const problems = findProblems(merged, EXPERIMENT_CONFIG_SPEC, 'config').filter((problem) => !copied(problem));
  const config = merged as ExperimentConfig;
  if (problems.length === 0) problems.push(...findSemanticProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Cross-field rules the schema cannot say. */
function findSemanticProblems(config: ExperimentConfig): string[] {
  const problems: string[] = [];
  const { dataset } = config;
  if (dataset.name === 'custom' && !dataset.files) problems.push('config.dataset.files: required when dataset.name is "custom"');
  if (dataset.name !== 'custom' && dataset.files) problems.push('config.dataset.files: only allowed when dataset.name is "custom"');
  if (dataset.name !== 'custom') {
    const maxPart = BUILTIN_POOL_SIZE[dataset.name] / 4;
    if (config.partSize > maxPart) {
      problems.push(`config.partSize: at most a quarter of ${dataset.name} (${maxPart}), got ${config.partSize}`);
    }
  }
  if (config.shadow.dataset?.name === 'custom' && !config.shadow.dataset.files) {
    problems.push('config.shadow.dataset.files: required when shadow.dataset.name is "custom"');
  }
  problems.push(...findDefenseProblems(config.defenses, config.target));
  if (!(ML_HIDDEN_UNITS as readonly number[]).includes(config.mlAttack.hiddenUnits)) {
    problems.push(`config.mlAttack.hiddenUnits: one of ${ML_HIDDEN_UNITS.join(', ')} (the seed report's sweep), got ${config.mlAttack.hiddenUnits}`);
  }
  const online = config.attacks.filter((name) => { const a = ATTACKS[name]; return a.kind === 'reference' && a.needsInModels; });
  if (online.length > 0 && config.reference.count % 2 !== 0) {
    problems.push(`config.reference.count: must be even so that every record is IN for exactly half of the models (${online.join(', ')}), got ${config.reference.count}`);
  }
  problems.push(...findAuditProblems(config));
  return problems;
}

/** The audit's guesses must fit among its canaries, and the canaries in the pool outside the four parts. */
function findAuditProblems(config: ExperimentConfig): string[] {
  const { canaries, guessesIn, guessesOut } = config.audit;
  if (canaries === 0) return [];
  const problems: string[] = [];
  if (guessesIn + guessesOut < 1) problems.push('config.audit: guessesIn + guessesOut must be at least 1 when canaries > 0');
  if (config.defenses['early-stopping']) {
    problems.push('config.audit: cannot be combined with early-stopping, whose validation slice would take IN canaries out of training and break their fair coins');
  }
  if (guessesIn + guessesOut > canaries) {
    problems.push(`config.audit: guessesIn + guessesOut (${guessesIn + guessesOut}) must not exceed canaries (${canaries})`);
  }
  if (config.dataset.name !== 'custom') {
    const spare = BUILTIN_POOL_SIZE[config.dataset.name] - 4 * config.partSize;
    if (canaries > spare) {
      problems.push(`config.audit.canaries: at most ${spare}, the ${config.dataset.name} records outside the four parts of ${config.partSize}, got ${canaries}`);
    }
  }
  return problems;
}

/** The config of a named preset; throws a ConfigError listing the presets for an unknown name. */
export function presetConfig(name: string): ExperimentConfig {
  const preset = PRESETS[name];
  if (!preset) throw new ConfigError([`preset: unknown preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`]);
  return parseExperimentConfig(preset.overrides);
}
