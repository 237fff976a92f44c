/**
 * Every defense the lab knows, with the metadata the UI and the CLI list (label, explanation,
 * citations, parameter ranges for sliders) and the config they share. Adding a defense means
 * adding an entry here and its implementation in output.ts (output side) or the training loop.
 *
 * A config names the defenses it uses as an object keyed by id, each with its parameters
 * (missing parameters take the registry's defaults):
 *   { "top-k": { "k": 3 }, "l2": { "lambda": 0.001 }, "dp-sgd": {} }
 * Defenses combine freely, except mixup with DP-SGD (see findDefenseProblems).
 */
import type { FieldSpec } from '../schema';

export const OUTPUT_DEFENSE_IDS = ['output-noise', 'top-k', 'rounding', 'label-only'] as const;
export const TRAINING_DEFENSE_IDS = ['l2', 'dropout', 'augmentation', 'early-stopping', 'mixup', 'dp-sgd'] as const;
/** Output defenses are applied in this order: noise, then masking, then rounding, then label-only. */
export const DEFENSE_IDS = [...OUTPUT_DEFENSE_IDS, ...TRAINING_DEFENSE_IDS] as const;

export type OutputDefenseId = (typeof OUTPUT_DEFENSE_IDS)[number];
export type TrainingDefenseId = (typeof TRAINING_DEFENSE_IDS)[number];
export type DefenseId = (typeof DEFENSE_IDS)[number];
export type DefenseKind = 'output' | 'training';

/** Each defense's parameters, every one filled in (see resolveDefenses). */
export interface DefenseParams {
  readonly 'output-noise': { readonly sigma: number };
  readonly 'top-k': { readonly k: number };
  readonly rounding: { readonly decimals: number };
  readonly 'label-only': Readonly<Record<string, never>>;
  readonly l2: { readonly lambda: number };
  readonly dropout: { readonly rate: number };
  readonly augmentation: { readonly shift: number; readonly flip: 'none' | 'horizontal' };
  readonly 'early-stopping': { readonly patience: number; readonly validationFraction: number };
  readonly mixup: { readonly alpha: number };
  readonly 'dp-sgd': {
    readonly clipNorm: number;
    readonly noiseMultiplier: number;
    readonly microbatchSize: number;
    readonly sampling: 'poisson' | 'shuffle';
  };
}

/** What a config holds: the defenses in use, each with any of its parameters (the rest default). */
export type DefenseConfig = { readonly [K in DefenseId]?: Partial<DefenseParams[K]> };

/** A config with every parameter filled in. */
export type ResolvedDefenses = { readonly [K in DefenseId]?: DefenseParams[K] };

/** One parameter: a number for a slider, or a choice for a menu. */
export type ParameterSpec =
  | {
      readonly name: string;
      readonly label: string;
      readonly kind: 'integer' | 'number';
      readonly min: number;
      readonly max: number;
      /** Slider step; the schema accepts any value in [min, max] (integers for 'integer'). */
      readonly step: number;
      /** min itself is refused (e.g. a Beta(α, α) needs α > 0). */
      readonly exclusiveMin?: boolean;
      readonly description: string;
    }
  | { readonly name: string; readonly label: string; readonly kind: 'enum'; readonly values: readonly string[]; readonly description: string };

export interface DefenseInfo<K extends DefenseId = DefenseId> {
  readonly id: K;
  readonly label: string;
  readonly kind: DefenseKind;
  readonly defaults: DefenseParams[K];
  readonly parameters: readonly ParameterSpec[];
  /** One paragraph: what it changes, why that should weaken membership inference, what it costs. */
  readonly explanation: string;
  /** arXiv ids of the papers cited in the explanation, for links. */
  readonly references: readonly string[];
  /**
   * Training defenses only: false when reference models must not train under it (early stopping
   * would carve a validation slice out of each reference model's IN half, so its IN records would
   * not all be IN). Absent means they do.
   */
  readonly appliesToReferenceModels?: boolean;
}

export const DEFENSES: { readonly [K in DefenseId]: DefenseInfo<K> } = {
  'output-noise': {
    id: 'output-noise',
    label: 'Noisy scores',
    kind: 'output',
    defaults: { sigma: 0.1 },
    parameters: [
      { name: 'sigma', label: 'Noise σ', kind: 'number', min: 0, max: 1, step: 0.01, description: 'Standard deviation of the Gaussian noise added to each probability.' },
    ],
    explanation:
      'Adds Gaussian noise of standard deviation σ to every probability the model returns, clips ' +
      'negatives to 0 and renormalises the row to sum to 1. Confidence-based attacks see a blurred ' +
      'score; the predicted label may flip when the top two classes are close, which is the price in ' +
      'accuracy. MemGuard (Jia et al., arXiv:1909.10594) crafts the noise adversarially; this is its ' +
      'untargeted baseline. Noise drawn afresh per query can be averaged away by an attacker who ' +
      'repeats queries; the lab draws it once per record.',
    references: ['1909.10594'],
  },
  'top-k': {
    id: 'top-k',
    label: 'Top-k scores',
    kind: 'output',
    defaults: { k: 3 },
    parameters: [
      { name: 'k', label: 'k', kind: 'integer', min: 1, max: 100, step: 1, description: 'Probabilities kept per record; the rest are set to 0.' },
    ],
    explanation:
      'Returns only the k largest probabilities of each prediction and sets the others to zero, ' +
      'without renormalising, so the kept values are exactly the model\'s (Shokri et al., ' +
      'arXiv:1610.05820, Section VI; the report\'s §3.1). It removes the tail of the vector that ' +
      'entropy-style attacks read, but leaves the top scores, so loss and confidence attacks on ' +
      'correctly classified records are barely affected. Accuracy is unchanged.',
    references: ['1610.05820'],
  },
  rounding: {
    id: 'rounding',
    label: 'Rounded scores',
    kind: 'output',
    defaults: { decimals: 1 },
    parameters: [
      { name: 'decimals', label: 'Decimals', kind: 'integer', min: 0, max: 6, step: 1, description: 'Digits kept after the decimal point.' },
    ],
    explanation:
      'Rounds every probability to d decimals, coarsening the scores an attacker can compare ' +
      '(Shokri et al., arXiv:1610.05820, Section VI). Rounding is largest-remainder: each value goes ' +
      'to its floor or its ceiling at d decimals so the row still sums to its rounded total. A member ' +
      'at p = 0.9999 and a non-member at p = 0.97 both read 1.0 at d = 1, which is the point. Ties in ' +
      'the top class can cost a little accuracy.',
    references: ['1610.05820'],
  },
  'label-only': {
    id: 'label-only',
    label: 'Label only',
    kind: 'output',
    defaults: {},
    parameters: [],
    explanation:
      'Returns only the predicted label, never a score. Every attack that thresholds a score ' +
      '(loss, confidence, entropy, modified entropy) no longer applies and is reported as not ' +
      'applicable; the correctness attack, which only asks whether the label is right, still works ' +
      'and shows what remains: the generalization gap (Yeom et al., arXiv:1709.01604). Stronger ' +
      'label-only attacks that query perturbed inputs exist (Choquette-Choo et al., arXiv:2007.14321).',
    references: ['1709.01604', '2007.14321'],
  },
  l2: {
    id: 'l2',
    label: 'L2 weight decay',
    kind: 'training',
    defaults: { lambda: 1e-3 },
    parameters: [
      { name: 'lambda', label: 'λ', kind: 'number', min: 0, max: 0.1, step: 0.0001, description: 'Weight of λ·Σ‖W‖² over every kernel, added to the loss.' },
    ],
    explanation:
      'Adds λ times the sum of squared kernel weights (biases excluded) to the training loss, ' +
      'pulling weights towards zero so the model cannot fit each training record exactly. Shokri et ' +
      'al. (arXiv:1610.05820) found it reduces membership leakage when λ is tuned; too large a λ costs ' +
      'accuracy. With Adam this is an L2 penalty, not decoupled weight decay (arXiv:1711.05101).',
    references: ['1610.05820', '1711.05101'],
  },
  dropout: {
    id: 'dropout',
    label: 'Dropout',
    kind: 'training',
    defaults: { rate: 0.5 },
    parameters: [
      { name: 'rate', label: 'Rate', kind: 'number', min: 0, max: 0.9, step: 0.05, description: 'Fraction of hidden units dropped at each training step.' },
    ],
    explanation:
      'Zeroes a random fraction of hidden units at every training step (Hinton et al., ' +
      'arXiv:1207.0580), so no unit can memorise a record on its own. Salem et al. (arXiv:1806.01246) ' +
      'propose it as a defense against membership inference. The layers sit before the dense layers ' +
      'of each architecture; predictions use the whole network.',
    references: ['1207.0580', '1806.01246'],
  },
  augmentation: {
    id: 'augmentation',
    label: 'Data augmentation',
    kind: 'training',
    defaults: { shift: 2, flip: 'none' },
    parameters: [
      { name: 'shift', label: 'Shift (px)', kind: 'integer', min: 0, max: 8, step: 1, description: 'Each training image moves by up to this many pixels in each direction.' },
      {
        name: 'flip',
        label: 'Flip',
        kind: 'enum',
        values: ['none', 'horizontal'],
        description: 'Mirror half the images left-right. Wrong for digits and letters (a mirrored 3 is not a 3); fine for CIFAR.',
      },
    ],
    explanation:
      'Trains on a randomly shifted copy of each image (zeros fill the border) and, when asked, on ' +
      'left-right mirror images, so the model sees a slightly different record every epoch. Flips ' +
      'suit natural photos (CIFAR) but are wrong for digits and clothing labels that depend on ' +
      'orientation. It narrows the generalization gap, but an attacker who queries the same ' +
      'augmentations recovers much of the leak (Yu et al., arXiv:2007.10567).',
    references: ['2007.10567'],
  },
  'early-stopping': {
    id: 'early-stopping',
    label: 'Early stopping',
    kind: 'training',
    appliesToReferenceModels: false,
    defaults: { patience: 3, validationFraction: 0.1 },
    parameters: [
      { name: 'patience', label: 'Patience (epochs)', kind: 'integer', min: 1, max: 50, step: 1, description: 'Epochs without a better validation loss before training stops.' },
      {
        name: 'validationFraction',
        label: 'Validation slice',
        kind: 'number',
        min: 0,
        max: 0.5,
        step: 0.05,
        exclusiveMin: true,
        description: 'Fraction of the training part held out to watch the loss; never trained on, never counted as members.',
      },
    ],
    explanation:
      'Holds out a seeded slice of the target\'s training part as a validation set, stops when its ' +
      'loss has not improved for `patience` epochs and restores the weights of the best epoch. The ' +
      'model stops before it memorises the training records (Song & Mittal, arXiv:2003.10595, ' +
      'evaluate it as a defense). The held-out records are not trained on, so they are neither ' +
      'members nor evaluated: the experiment leaves them out of the attack.',
    references: ['2003.10595'],
  },
  mixup: {
    id: 'mixup',
    label: 'Mixup',
    kind: 'training',
    defaults: { alpha: 0.4 },
    parameters: [
      { name: 'alpha', label: 'α', kind: 'number', min: 0, max: 4, step: 0.05, exclusiveMin: true, description: 'Beta(α, α) parameter of the mixing weight; small α mixes little.' },
    ],
    explanation:
      'Trains on convex combinations of pairs of records and of their one-hot labels, λx + (1−λ)x\', ' +
      'with λ drawn from Beta(α, α) (Zhang et al., arXiv:1710.09412). The model never sees a training ' +
      'record alone, which smooths it between records and shrinks the confidence gap attacks use.',
    references: ['1710.09412'],
  },
  'dp-sgd': {
    id: 'dp-sgd',
    label: 'DP-SGD',
    kind: 'training',
    defaults: { clipNorm: 1, noiseMultiplier: 1.1, microbatchSize: 1, sampling: 'poisson' },
    parameters: [
      { name: 'clipNorm', label: 'Clip norm C', kind: 'number', min: 0, max: 100, step: 0.1, exclusiveMin: true, description: 'Each (micro)batch gradient is scaled down to at most this L2 norm.' },
      { name: 'noiseMultiplier', label: 'Noise σ', kind: 'number', min: 0, max: 20, step: 0.1, description: 'Gaussian noise of standard deviation σ·C is added to the sum of clipped gradients.' },
      {
        name: 'microbatchSize',
        label: 'Microbatch size',
        kind: 'integer',
        min: 1,
        max: 1024,
        step: 1,
        description: '1 clips every record\'s gradient (true DP-SGD; all of a batch\'s gradient norms come from one pass); m > 1 clips the mean gradient of about m records, which doubles the sensitivity and loops over the microbatches (slower).',
      },
      {
        name: 'sampling',
        label: 'Sampling',
        kind: 'enum',
        values: ['poisson', 'shuffle'],
        description: 'poisson: each record joins each step with probability B/N, as the accountant assumes. shuffle: fixed shuffled batches; ε is then only the customary estimate.',
      },
    ],
    explanation:
      'Differentially private SGD (Abadi et al., arXiv:1607.00133): every record\'s gradient is ' +
      'clipped to norm C, Gaussian noise of standard deviation σ·C is added to their sum, and the ' +
      'result is divided by the batch size. Batches are Poisson-sampled so the accountant\'s ε (RDP ' +
      'of the sampled Gaussian mechanism, arXiv:1908.10530) holds for what was actually run. It bounds ' +
      'what any attack can achieve, at a real cost in accuracy and training time.',
    references: ['1607.00133', '1908.10530'],
  },
};

/** The registry entries in application order. */
export const DEFENSE_LIST: readonly DefenseInfo[] = DEFENSE_IDS.map((id) => DEFENSES[id] as DefenseInfo);

function parameterFieldSpec(parameter: ParameterSpec): FieldSpec {
  if (parameter.kind === 'enum') return { kind: 'enum', values: parameter.values };
  if (parameter.kind === 'integer') return { kind: 'integer', min: parameter.min, max: parameter.max };
  return { kind: 'number', min: parameter.min, max: parameter.max, exclusiveMin: parameter.exclusiveMin };
}

/** The schema of `defenses` in ExperimentConfig: every id optional, every parameter optional. */
export const DEFENSE_CONFIG_SPEC: FieldSpec = {
  kind: 'object',
  fields: Object.fromEntries(
    DEFENSE_LIST.map((info) => [
      info.id,
      {
        kind: 'object',
        fields: Object.fromEntries(info.parameters.map((p) => [p.name, parameterFieldSpec(p)])),
        optional: info.parameters.map((p) => p.name),
      } satisfies FieldSpec,
    ]),
  ),
  optional: [...DEFENSE_IDS],
};

export function isOutputDefense(id: DefenseId): id is OutputDefenseId {
  return (OUTPUT_DEFENSE_IDS as readonly string[]).includes(id);
}

/** The ids a config uses, in application order. */
export function activeDefenses(config: DefenseConfig): DefenseId[] {
  return DEFENSE_IDS.filter((id) => config[id] !== undefined);
}

/** Every parameter filled from the registry's defaults. Assumes the config passed DEFENSE_CONFIG_SPEC. */
export function resolveDefenses(config: DefenseConfig): ResolvedDefenses {
  const resolved: Record<string, unknown> = {};
  for (const id of activeDefenses(config)) resolved[id] = { ...DEFENSES[id].defaults, ...config[id] };
  return resolved as ResolvedDefenses;
}

/**
 * Cross-field rules the schema cannot say, each as "path: what is wrong" (empty when fine).
 * `training` is the config's batch size where known; `path` prefixes the messages.
 */
export function findDefenseProblems(config: DefenseConfig, training?: { readonly batchSize: number }, path = 'config.defenses'): string[] {
  const problems: string[] = [];
  const resolved = resolveDefenses(config);
  if (resolved.mixup && resolved['dp-sgd']) {
    problems.push(
      `${path}: mixup cannot be combined with dp-sgd (a mixed example carries two records, so one ` +
        `record's influence is no longer confined to one clipped gradient and the accountant's ε would be wrong)`,
    );
  }
  const dp = resolved['dp-sgd'];
  if (dp && training && dp.microbatchSize > training.batchSize) {
    problems.push(`${path}.dp-sgd.microbatchSize: ${dp.microbatchSize} exceeds the batch size ${training.batchSize}`);
  }
  return problems;
}
