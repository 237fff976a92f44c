/**
 * Every membership-inference attack the lab knows, with the metadata the UI and the CLI list
 * and the scoring function the engine runs. Adding an attack means adding an entry here.
 *
 * All scores follow one convention: HIGHER = MORE likely a member.
 */
import type { Rng } from '../random';
import {
  confidenceSignal,
  correctnessSignal,
  entropySignal,
  lossSignal,
  modifiedEntropySignal,
  validatePredictions,
  type Predictions,
} from './signals';

export const ATTACK_NAMES = ['random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy'] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

interface AttackBase {
  readonly name: AttackName;
  /** Short human-readable name for menus and chart legends. */
  readonly label: string;
  /** One paragraph: what the attack looks at, why that reveals membership, and where it comes from. */
  readonly explanation: string;
  /** arXiv ids of the papers cited in the explanation, for links. */
  readonly references: readonly string[];
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
}

export type AttackDefinition = BaselineAttack | ThresholdAttack;
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
    explanation:
      'Models are more confident on data they were trained on, so the highest predicted ' +
      'probability, whatever the label, is the score (Salem et al., "ML-Leaks: Model and Data ' +
      'Independent Membership Inference Attacks and Defenses on Machine Learning Models", ' +
      'arXiv:1806.01246). It needs no labels; the threshold comes from a shadow model.',
    references: ['1806.01246'],
    score: confidenceSignal,
  },
  entropy: {
    name: 'entropy',
    label: 'Entropy threshold',
    kind: 'threshold',
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
    explanation:
      'Entropy that knows the label: Mentr = −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i) is ' +
      'near 0 only when the model is confident AND right, and grows without bound when it is ' +
      'confident and wrong (Song & Mittal, "Systematic Evaluation of Privacy Risks of Machine ' +
      'Learning Models", arXiv:2003.10595). The score is the negated Mentr, thresholded on a ' +
      'shadow model.',
    references: ['2003.10595'],
    score: (predictions) => negate(modifiedEntropySignal(predictions)),
  },
};

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
