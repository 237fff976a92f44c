/**
 * Every membership-inference attack the lab knows, with the metadata the UI and the CLI list
 * and the scoring function the engine runs. Adding an attack means adding an entry here.
 *
 * All scores follow one convention: HIGHER = MORE likely a member.
 */
import type { Rng } from '../random';
import {
  liraOfflineScores,
  liraOnlineScores,
  rmiaScores,
  similarityScores,
  type LiraOptions,
  type Population,
  type QueryLogits,
  type ReferenceOutputs,
  type RmiaOptions,
} from './reference';
import { rmiaOnlineScores } from './rmia-online';
import {
  confidenceSignal,
  correctnessSignal,
  entropySignal,
  lossSignal,
  modifiedEntropySignal,
  validatePredictions,
  type Predictions,
} from './signals';

export const ATTACK_NAMES = [
  'random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy',
  'ml', 'lira-online', 'lira-offline', 'rmia', 'similarity',
  'rmia-online', 'label-only-augmentation', 'label-only-boundary', 'quantile',
] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

/** The attacks that need only the target and one shadow model: a quick run's default. */
export const METRIC_ATTACK_NAMES = ['random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy'] as const;

interface AttackBase {
  readonly name: AttackName;
  /** Short human-readable name for menus and chart legends. */
  readonly label: string;
  /** One paragraph: what the attack looks at, why that reveals membership, and where it comes from. */
  readonly explanation: string;
  /** arXiv ids of the papers cited in the explanation, for links. */
  readonly references: readonly string[];
  /**
   * What the target must release for the attack to mean anything: 'labels' when the predicted label
   * is enough (it then runs under the label-only defense), 'scores' (the default) when it reads
   * the probabilities.
   */
  readonly needs?: 'labels' | 'scores';
  /** Membership scores, one per record, higher = more likely a member. */
  score(predictions: Predictions, rng: Rng): Float64Array;
}

/** Needs no shadow model: its threshold is fixed by construction. */
export interface BaselineAttack extends AttackBase {
  readonly kind: 'baseline';
  /** Member iff score >= fixedThreshold. */
  readonly fixedThreshold: number;
}

/** Scores a signal; the threshold is chosen on a shadow model's members and non-members. */
export interface ThresholdAttack extends AttackBase {
  readonly kind: 'threshold';
  /**
   * Song & Mittal (arXiv:2003.10595) pick one threshold per class for confidence, entropy and
   * modified entropy: their scores' scale differs from class to class. Used unless the config's
   * thresholdScope is 'global'.
   */
  readonly perClassThreshold: boolean;
}

/** Learns from the shadow models' outputs (Shokri et al.): attacks/ml.ts runs it. Member iff score >= 0.5. */
export interface ModelAttack extends Omit<AttackBase, 'score'> {
  readonly kind: 'model';
}

/**
 * Compares the target with reference models trained with and without each record
 * (attacks/reference.ts). Its threshold is calibrated on one reference model held out as a
 * pseudo-target, whose members the attacker knows.
 */
export interface ReferenceAttack extends Omit<AttackBase, 'score'> {
  readonly kind: 'reference';
  /** Needs reference models that trained on the record (online) or only ones that did not (offline). */
  readonly needsInModels: boolean;
  /** Membership scores of `target`'s records against the reference models, higher = more likely a member. */
  scoreAgainstReferences(input: ReferenceScoringInput): Float64Array;
}

/** What a reference attack reads: the queried model, the reference models, RMIA's population, the attack settings. */
export interface ReferenceScoringInput {
  readonly target: QueryLogits;
  readonly refs: ReferenceOutputs;
  readonly population: Population;
  readonly lira: LiraOptions;
  readonly rmia: RmiaOptions;
}

/**
 * Asks the target, and the shadow models for its threshold, about perturbed copies of each record
 * and reads only the predicted labels (attacks/label-only.ts, queries in attacks/label-queries.ts).
 */
export interface LabelQueryAttack extends Omit<AttackBase, 'score'> {
  readonly kind: 'label-query';
  readonly needs: 'labels';
  /** Which perturbations it queries. */
  readonly queries: 'augmentations' | 'gaussian-noise';
}

/**
 * Learns each record's threshold from public records the target never saw (attacks/quantile.ts):
 * no shadow or reference model. Member iff score ≥ fixedThreshold (0: above its own quantile).
 */
export interface QuantileAttack extends Omit<AttackBase, 'score'> {
  readonly kind: 'quantile';
  readonly fixedThreshold: number;
}

export type MetricAttack = BaselineAttack | ThresholdAttack;
export type AttackDefinition = MetricAttack | ModelAttack | ReferenceAttack | LabelQueryAttack | QuantileAttack;
export type AttackKind = AttackDefinition['kind'];

/** 0 − x rather than −x, so a signal of 0 gives a score of 0, not −0. */
function negate(signal: Float64Array): Float64Array {
  return signal.map((value) => 0 - value);
}

function drawUniformScores(predictions: Predictions, rng: Rng): Float64Array {
  validatePredictions(predictions);
  const scores = new Float64Array(predictions.count);
  for (let i = 0; i < scores.length; i++) scores[i] = rng.next();
  return scores;
}

export const ATTACKS: { readonly [K in AttackName]: AttackDefinition & { readonly name: K } } = {
  random: {
    name: 'random',
    label: 'Random guess',
    kind: 'baseline',
    needs: 'labels',
    fixedThreshold: 0.5,
    explanation:
      'Ignores the model and flips a fair coin for every record: a uniform score in [0, 1), member ' +
      'if it is at least 0.5. Its accuracy is 50% and its ROC curve the diagonal (AUC 0.5) up to ' +
      'sampling noise. Every other attack should be read against this floor.',
    references: [],
    score: drawUniformScores,
  },
  correctness: {
    name: 'correctness',
    label: 'Correctness',
    kind: 'baseline',
    needs: 'labels',
    fixedThreshold: 0.5,
    explanation:
      'Calls a record a member exactly when the model classifies it correctly (Yeom et al., ' +
      '"Privacy Risk in Machine Learning: Analyzing the Connection to Overfitting", ' +
      'arXiv:1709.01604). Its advantage is the generalization gap g = train accuracy − test ' +
      'accuracy, so on a balanced set its accuracy is exactly (1 + g)/2: a model that overfits ' +
      'leaks membership even to this simplest of attacks.',
    references: ['1709.01604'],
    score: correctnessSignal,
  },
  loss: {
    name: 'loss',
    label: 'Loss threshold',
    kind: 'threshold',
    perClassThreshold: false,
    explanation:
      'Training drives the loss down on the records the model sees, so a low cross-entropy loss ' +
      '−log p_y suggests a member (Yeom et al., "Privacy Risk in Machine Learning: Analyzing the ' +
      'Connection to Overfitting", arXiv:1709.01604). The score is the negated loss; the cut-off ' +
      'is the one that best separates a shadow model\'s own members from its non-members.',
    references: ['1709.01604'],
    score: (predictions) => negate(lossSignal(predictions)),
  },
  confidence: {
    name: 'confidence',
    label: 'Confidence threshold',
    kind: 'threshold',
    perClassThreshold: true,
    explanation:
      'Models are more confident on data they were trained on, so the highest predicted ' +
      'probability, whatever the label, is the score (Salem et al., "ML-Leaks: Model and Data ' +
      'Independent Membership Inference Attacks and Defenses on Machine Learning Models", ' +
      'arXiv:1806.01246). It needs no labels; the threshold comes from a shadow model, one per class by default. ' +
      'The lab reports it on the logit scale log(p/(1 − p)), the same order without the ties of p = 1.',
    references: ['1806.01246'],
    score: confidenceSignal,
  },
  entropy: {
    name: 'entropy',
    label: 'Entropy threshold',
    kind: 'threshold',
    perClassThreshold: true,
    explanation:
      'A peaked prediction vector has low entropy −Σ p log p, and training records tend to get ' +
      'peaked predictions, so the score is the negated entropy (Salem et al., arXiv:1806.01246; ' +
      'evaluated systematically by Song & Mittal, "Systematic Evaluation of Privacy Risks of ' +
      'Machine Learning Models", arXiv:2003.10595). Like confidence it ignores the label, so a ' +
      'confidently wrong prediction looks like a member.',
    references: ['1806.01246', '2003.10595'],
    score: (predictions) => negate(entropySignal(predictions)),
  },
  'modified-entropy': {
    name: 'modified-entropy',
    label: 'Modified entropy threshold',
    kind: 'threshold',
    perClassThreshold: true,
    explanation:
      'Entropy that knows the label: Mentr = −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i) is ' +
      'near 0 only when the model is confident AND right, and grows without bound when it is ' +
      'confident and wrong (Song & Mittal, "Systematic Evaluation of Privacy Risks of Machine ' +
      'Learning Models", arXiv:2003.10595). The score is the negated Mentr, thresholded on a ' +
      'shadow model.',
    references: ['2003.10595'],
    score: (predictions) => negate(modifiedEntropySignal(predictions)),
  },
  ml: {
    name: 'ml',
    label: 'ML attack (shadow models)',
    kind: 'model',
    explanation:
      'Shokri et al. ("Membership Inference Attacks Against Machine Learning Models", ' +
      'arXiv:1610.05820) train k shadow models that imitate the target on data whose membership ' +
      'the attacker knows, then train an attack model, here an MLP on (prediction vector, one-hot ' +
      'label), to tell the shadows\' members from their non-members. Applied to the target, its ' +
      'member probability is the score; member iff it is at least 0.5.',
    references: ['1610.05820'],
  },
  'lira-online': {
    name: 'lira-online',
    label: 'LiRA (online)',
    kind: 'reference',
    explanation:
      'The Likelihood Ratio Attack (Carlini et al., "Membership Inference Attacks From First ' +
      'Principles", arXiv:2112.03570) trains N reference models on random halves of a pool holding ' +
      'the record, fits Gaussians to the logit-scaled confidence log(p_y/(1 − p_y)) of the models ' +
      'that trained on it (IN) and of those that did not (OUT), and scores the target by the ' +
      'likelihood ratio of the two. Read it at low false-positive rates, on the log-scale ROC.',
    references: ['2112.03570'],
    needsInModels: true,
    scoreAgainstReferences: ({ target, refs, lira }) => liraOnlineScores(target, refs, lira),
  },
  'lira-offline': {
    name: 'lira-offline',
    label: 'LiRA (offline)',
    kind: 'reference',
    explanation:
      'Offline LiRA (Carlini et al., arXiv:2112.03570) uses only OUT reference models, which never ' +
      'saw the record, so they can be trained once, before the target is queried: the score is how ' +
      'far the target\'s logit-scaled confidence lies above the OUT Gaussian (a one-sided test).',
    references: ['2112.03570'],
    needsInModels: false,
    scoreAgainstReferences: ({ target, refs, lira }) => liraOfflineScores(target, refs, lira),
  },
  rmia: {
    name: 'rmia',
    label: 'RMIA',
    kind: 'reference',
    explanation:
      'The Robust Membership Inference Attack (Zarifzadeh et al., "Low-Cost High-Power Membership ' +
      'Inference Attacks", arXiv:2312.03262) compares the likelihood ratio p_θ(x)/Pr(x) of the ' +
      'record with that of population records z; the score is the fraction of z that x dominates by ' +
      'more than γ. Offline, Pr(x) is estimated from OUT models scaled by a parameter a.',
    references: ['2312.03262'],
    needsInModels: false,
    scoreAgainstReferences: ({ target, refs, population, rmia }) => rmiaScores(target, refs, population, rmia),
  },
  similarity: {
    name: 'similarity',
    label: 'Similarity (KL to reference models)',
    kind: 'reference',
    explanation:
      'Long et al. ("Understanding Membership Inferences on Well-Generalized Learning Models", ' +
      'arXiv:1712.09136) compare the target\'s output on a record with those of reference models ' +
      'trained with and without it. Here the LiRA reference models serve both roles: the score is ' +
      'the mean KL divergence from the OUT models minus that from the IN models.',
    references: ['1712.09136'],
    needsInModels: true,
    scoreAgainstReferences: ({ target, refs }) => similarityScores(target, refs),
  },
  'rmia-online': {
    name: 'rmia-online',
    label: 'RMIA (online)',
    kind: 'reference',
    explanation:
      'RMIA with IN and OUT reference models (Zarifzadeh et al., "Low-Cost High-Power Membership ' +
      'Inference Attacks", arXiv:2312.03262): Pr(x) is the average of p(x) over all reference ' +
      'models, half of which trained on x, so no parameter a has to stand in for the missing IN ' +
      'models. The score is the fraction of population records z whose likelihood ratio x beats ' +
      'by more than γ. The paper\'s strongest attack when reference models are few.',
    references: ['2312.03262'],
    needsInModels: true,
    scoreAgainstReferences: ({ target, refs, population, rmia }) => rmiaOnlineScores(target, refs, population, rmia),
  },
  'label-only-augmentation': {
    name: 'label-only-augmentation',
    label: 'Label-only: augmentations',
    kind: 'label-query',
    needs: 'labels',
    queries: 'augmentations',
    explanation:
      'Choquette-Choo et al. ("Label-Only Membership Inference Attacks", arXiv:2007.14321) query ' +
      'the target on the augmentations it was trained with, here every shift by up to one pixel ' +
      '(or the augmentation defense\'s shift) and, for colour images, their mirror images, and ' +
      'read only the predicted labels. The score is 1 if the record itself is labelled right, plus the ' +
      'fraction of its views labelled right: a model keeps the label of its training records under ' +
      'the augmentations it saw. It needs nothing but ' +
      'labels, so it runs under the label-only defense; its threshold comes from the shadow models.',
    references: ['2007.14321'],
  },
  'label-only-boundary': {
    name: 'label-only-boundary',
    label: 'Label-only: noise robustness',
    kind: 'label-query',
    needs: 'labels',
    queries: 'gaussian-noise',
    explanation:
      'The distance to the decision boundary, estimated from labels alone by Gaussian-noise ' +
      'robustness, not HopSkipJump (Choquette-Choo et al., arXiv:2007.14321, §4.2, show the two ' +
      'agree): the target labels 12 noisy copies of each record (σ = 0.15, 0.3, 0.5 on pixels in ' +
      '[0, 1], 4 copies each). The score is 0 for a record it gets wrong, else 1 plus the fraction ' +
      'of copies it still gets right: training records sit farther from the boundary. Runs under ' +
      'the label-only defense; its threshold comes from the shadow models.',
    references: ['2007.14321'],
  },
  quantile: {
    name: 'quantile',
    label: 'Quantile regression',
    kind: 'quantile',
    fixedThreshold: 0,
    explanation:
      'Bertran et al. ("Scalable Membership Inference Attacks via Quantile Regression", ' +
      'arXiv:2307.03694) need no shadow or reference model: a small regression model (here linear ' +
      'in 4×4-pooled pixels and the label) learns, with the pinball loss at quantile 1 − α ' +
      '(α = 1 %), the target\'s logit-scaled confidence that only α of non-members exceed, from ' +
      'public records the target never saw (the shadow parts). The score is the target\'s ' +
      'confidence minus the record\'s predicted quantile; member iff it is at least 0.',
    references: ['2307.03694'],
  },
};

/** What the target must release for `attack` to run: see AttackBase.needs. */
export function attackNeeds(attack: AttackDefinition): 'labels' | 'scores' {
  return attack.needs ?? 'scores';
}

/** Whether the attack needs the k shadow models (for its threshold or its attack model). */
export function usesShadows(attack: AttackDefinition): boolean {
  return attack.kind === 'threshold' || attack.kind === 'model' || attack.kind === 'label-query';
}

/** Whether the attack needs the N reference models. */
export function usesReferences(attack: AttackDefinition): boolean {
  return attack.kind === 'reference';
}

/** What the attack needs, in words, for listings: shadows, references, public records, labels only. */
export function attackRequirements(attack: AttackDefinition): string {
  const parts: string[] = [];
  if (usesShadows(attack)) parts.push('shadows');
  if (attack.kind === 'reference') parts.push(attack.needsInModels ? 'references (IN and OUT)' : 'references (OUT only)');
  if (attack.kind === 'quantile') parts.push('public non-member records');
  if (attackNeeds(attack) === 'labels') parts.push('labels only');
  return parts.length > 0 ? parts.join(', ') : 'the target\'s outputs only';
}

export function isMetricAttack(attack: AttackDefinition): attack is MetricAttack {
  return attack.kind === 'baseline' || attack.kind === 'threshold';
}

export function isAttackName(value: unknown): value is AttackName {
  return typeof value === 'string' && (ATTACK_NAMES as readonly string[]).includes(value);
}

/** The registry entry for `name`; an unknown name is an error that lists the known ones. */
export function getAttack(name: string): AttackDefinition {
  if (!isAttackName(name)) {
    throw new RangeError(`unknown attack "${name}"; known attacks: ${ATTACK_NAMES.join(', ')}`);
  }
  return ATTACKS[name];
}
