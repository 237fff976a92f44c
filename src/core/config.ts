/**
 * ExperimentConfig: the one versioned, validated description of an experiment. It feeds the CLI,
 * tests and (later) the URL hash and IndexedDB keys; a run is reproducible from it alone.
 */
import { ATTACK_NAMES, type AttackName } from './attacks/registry';
import { ARCHITECTURE_IDS, type ArchitectureId } from './models/architectures';
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

export interface ExperimentConfig {
  readonly version: typeof CONFIG_VERSION;
  readonly seed: number;
  readonly dataset: DatasetConfig;
  /** Records in each of the four parts: target-train, target-test, shadow-train, shadow-test. */
  readonly partSize: number;
  readonly target: TrainingConfig;
  /** The shadow model's training; the same architecture as the target's unless set. */
  readonly shadow: TrainingConfig;
  readonly attacks: readonly AttackName[];
}

const trainingSpec: FieldSpec = {
  kind: 'object',
  fields: {
    architecture: { kind: 'enum', values: ARCHITECTURE_IDS },
    epochs: { kind: 'integer', min: 1, max: 500 },
    batchSize: { kind: 'integer', min: 1, max: 8192 },
    learningRate: { kind: 'number', min: 0, max: 10, exclusiveMin: true },
  },
};

export const EXPERIMENT_CONFIG_SPEC: FieldSpec = {
  kind: 'object',
  fields: {
    version: { kind: 'integer', min: CONFIG_VERSION, max: CONFIG_VERSION },
    seed: { kind: 'integer', min: 0, max: 2 ** 31 - 1 },
    dataset: {
      kind: 'object',
      fields: {
        name: { kind: 'enum', values: DATASET_NAMES },
        files: { kind: 'array', items: { kind: 'string', minLength: 1 }, minLength: 1 },
        cifar100Labels: { kind: 'enum', values: ['fine', 'coarse'] },
      },
      optional: ['files', 'cifar100Labels'],
    },
    partSize: { kind: 'integer', min: 10, max: 1_000_000 },
    target: trainingSpec,
    shadow: trainingSpec,
    attacks: { kind: 'array', items: { kind: 'enum', values: ATTACK_NAMES }, minLength: 1, unique: true },
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
  shadow: DEFAULT_TRAINING,
  attacks: ATTACK_NAMES,
};

export interface Preset {
  readonly description: string;
  /** Fields that differ from DEFAULT_CONFIG. */
  readonly overrides: Partial<Omit<ExperimentConfig, 'target' | 'shadow'>> & {
    readonly target?: Partial<TrainingConfig>;
    readonly shadow?: Partial<TrainingConfig>;
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
    description: 'MNIST, 1,000 records per part, the small CNN for 15 epochs (cpu backend: slow in Node).',
    overrides: { target: { architecture: 'cnn', epochs: 15 }, shadow: { architecture: 'cnn', epochs: 15 } },
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
  const shadowBase = user.target !== undefined && user.shadow === undefined ? user.target : user.shadow;
  const merged = mergeDeep(base, { ...user, shadow: mergeDeep(base.shadow, shadowBase === undefined ? {} : shadowBase) });
  const problems = findProblems(merged, EXPERIMENT_CONFIG_SPEC, 'config');
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
  return problems;
}

/** The config of a named preset; throws a ConfigError listing the presets for an unknown name. */
export function presetConfig(name: string): ExperimentConfig {
  const preset = PRESETS[name];
  if (!preset) throw new ConfigError([`preset: unknown preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`]);
  return parseExperimentConfig(preset.overrides);
}
