/**
 * Guided lessons for a course demo (issue 7). Each is a link (`#lesson=overfitting`) that sets the
 * controls, hides or locks the ones that distract (TensorFlow Playground's hide flags), and walks
 * the student through a few steps of text shown beside the charts. Steps are cumulative: a step's
 * settings are the lesson's base with every earlier step's changes applied, so a link to step 2
 * reproduces the experiment of step 2. Pure data and functions: tested without a browser.
 */
import { parseExperimentConfig, type ExperimentConfig } from '../../core/config';
import type { ControlGroup } from '../state/url-hash';

type Json = { readonly [key: string]: unknown };

export interface LessonStep {
  readonly title: string;
  /** Short paragraphs for beside the charts. */
  readonly text: readonly string[];
  /** Settings changed on entering this step (a partial config, merged into the previous step's). */
  readonly changes?: Json;
}

export interface Lesson {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** The first step's settings, as a partial config over the defaults. */
  readonly base: Json;
  readonly steps: readonly LessonStep[];
  readonly hide: readonly ControlGroup[];
  readonly lock: readonly ControlGroup[];
}

const METRIC = ['random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy'];

export const LESSONS: readonly Lesson[] = [
  {
    id: 'overfitting',
    title: 'Why overfitting leaks',
    summary: 'An MLP overfit on 1,000 MNIST records gives its members away; more data closes the gap and the leak with it.',
    base: { seed: 0, dataset: { name: 'mnist' }, partSize: 1000, target: { architecture: 'mlp', epochs: 80, batchSize: 128, learningRate: 0.001 }, attacks: METRIC, defenses: {} },
    hide: ['preset', 'shadow', 'advanced', 'defenses', 'backend'],
    lock: ['dataset', 'attacks'],
    steps: [
      {
        title: 'Overfit on purpose',
        text: [
          'The target is a small MLP trained for 80 epochs on only 1,000 MNIST digits: its members.',
          'Press Run and watch the training curves: train accuracy climbs to 1.0 while test accuracy stalls near 0.9. The distance between the solid and the dashed line is the generalization gap g.',
        ],
      },
      {
        title: 'Read the attacks',
        text: [
          'The loss attack calls a record a member when the model\'s loss on it is low. In the ROC chart its curve bends above the diagonal; its AUC in the table is clearly above 0.5, while the random guess stays at 0.5.',
          'The correctness attack only asks "is the prediction right?". Its accuracy is (1 + g)/2 (Yeom et al., arXiv:1709.01604): find your run on the gap chart, on that line.',
        ],
      },
      {
        title: 'More data',
        text: [
          'Now five times the data: 5,000 records per part, 30 epochs. Press Run again.',
          'The gap shrinks, and with it every attack. The gap chart now holds both runs: attack accuracy follows the gap.',
        ],
        changes: { partSize: 5000, target: { epochs: 30 } },
      },
      {
        title: 'Stop early instead',
        text: [
          'Back to 1,000 records, but only 5 epochs. Run it: less memorisation, a smaller gap, weaker attacks, at some cost in test accuracy.',
          'Overfitting is not the only way to leak, but it is the cheapest one to exploit.',
        ],
        changes: { partSize: 1000, target: { epochs: 5 } },
      },
    ],
  },
  {
    id: 'shadows',
    title: 'Shadow models',
    summary: 'How an attacker who cannot see the target\'s training set still picks a threshold: by training look-alike models.',
    base: { seed: 0, dataset: { name: 'mnist' }, partSize: 1000, target: { architecture: 'mlp', epochs: 60, batchSize: 128, learningRate: 0.001 }, shadow: { count: 1 }, attacks: ['random', 'loss', 'confidence', 'entropy', 'modified-entropy'], defenses: {} },
    hide: ['preset', 'advanced', 'defenses', 'backend'],
    lock: ['dataset', 'partSize'],
    steps: [
      {
        title: 'One shadow model',
        text: [
          'The attacker does not know which records the target trained on, so it cannot choose a threshold on the target itself. Shokri et al. (arXiv:1610.05820) train a shadow model the same way on data the attacker owns, where membership is known.',
          'Press Run. The orange curves are the shadow\'s: it overfits like the target. Each attack\'s threshold (the dashed line in the histograms) comes from the shadow.',
        ],
      },
      {
        title: 'Compare accuracy with the oracle',
        text: [
          'In the table, "Accuracy" uses the shadow\'s threshold; "Best acc." is the best threshold chosen on the target itself, which no real attacker has. When the two are close, the shadow was a good stand-in.',
        ],
      },
      {
        title: 'Four shadows and a learned attack',
        text: [
          'Four shadow models, and the ML attack of Shokri et al.: a small network trained on the shadows\' outputs to tell members from non-members. Press Run.',
          'More shadows steady the thresholds; the learned attack rarely beats the simple loss threshold on this data.',
        ],
        changes: { shadow: { count: 4 }, attacks: ['random', 'loss', 'confidence', 'entropy', 'modified-entropy', 'ml'] },
      },
      {
        title: 'Shadows from other data',
        text: [
          'The shadows now train on Fashion-MNIST while the target is still MNIST (Salem et al., arXiv:1806.01246, ask how far this transfers). Run it and compare the accuracy at the shadow\'s threshold with the oracle\'s.',
        ],
        changes: { shadow: { dataset: { name: 'fashion-mnist' } } },
      },
    ],
  },
  {
    id: 'dp-sgd',
    title: 'What DP-SGD costs',
    summary: 'Differential privacy bounds every attack, and the target pays for it in accuracy and training time.',
    base: { seed: 0, dataset: { name: 'mnist' }, partSize: 500, target: { architecture: 'mlp', epochs: 20, batchSize: 64, learningRate: 0.001 }, attacks: ['random', 'correctness', 'loss', 'entropy'], defenses: {} },
    hide: ['preset', 'advanced', 'shadow', 'backend', 'attacks'],
    lock: ['dataset'],
    steps: [
      {
        title: 'Without a defense',
        text: ['A small MLP, 500 records, 20 epochs, no defense. Press Run and note the test accuracy and the loss attack\'s AUC: this is the point to beat.'],
      },
      {
        title: 'Switch DP-SGD on',
        text: [
          'DP-SGD (Abadi et al., arXiv:1607.00133) clips each record\'s gradient to norm C and adds Gaussian noise σ·C. Its ε, shown live in the Defenses panel, bounds what any attack can achieve at δ = 1e-5.',
          'Move the noise slider and watch ε change before you train anything. Then press Run: the results show the test accuracy with and without DP-SGD (its price), the accountant\'s ε, and the region it allows on the log-log ROC. Tick the one-run audit under Attacks to see a lower bound on ε that holds at 95 % beside it; the attacks\' own ε figures are only heuristics for this one trained model.',
        ],
        changes: { defenses: { 'dp-sgd': { clipNorm: 1, noiseMultiplier: 1.1, microbatchSize: 1, sampling: 'poisson' } } },
      },
      {
        title: 'Less noise',
        text: ['σ = 0.5: a much larger ε, better accuracy. Run it; the privacy–utility chart now has two defended points.'],
        changes: { defenses: { 'dp-sgd': { noiseMultiplier: 0.5 } } },
      },
      {
        title: 'More noise',
        text: [
          'σ = 3: a small ε and a visible price. Run it and read the privacy–utility chart: each point is a run, attack AUC against test accuracy. The frontier is what the defense buys for what it costs.',
        ],
        changes: { defenses: { 'dp-sgd': { noiseMultiplier: 3 } } },
      },
    ],
  },
  {
    id: 'label-only',
    title: 'Label-only is not safe',
    summary: 'Returning only the predicted label stops the score attacks, not membership inference: label-only attacks ask about perturbed copies and count the right answers.',
    base: { seed: 0, dataset: { name: 'mnist' }, partSize: 1000, target: { architecture: 'mlp', epochs: 80, batchSize: 128, learningRate: 0.001 }, shadow: { count: 1 }, attacks: ['random', 'correctness', 'loss', 'confidence', 'label-only-augmentation', 'label-only-boundary'], defenses: {} },
    hide: ['preset', 'advanced', 'backend', 'shadow'],
    lock: ['dataset', 'attacks'],
    steps: [
      {
        title: 'Scores out',
        text: [
          'An overfit MLP answers with its full probability vector. Press Run: the loss and confidence attacks read those scores, and the two label-only attacks (Choquette-Choo et al., arXiv:2007.14321) read only the predicted label of perturbed copies of each record.',
          'Compare their AUCs in the table: on this overfit MLP the noise-robustness attack comes close to the loss attack (both about 0.58 on the quick preset). The augmentation attack adds little to plain correctness here: the target never trained on shifted digits, and the members it memorised are the ones a shift breaks.',
        ],
      },
      {
        title: 'Only the label',
        text: [
          'Now the target returns only its predicted label (the label-only defense). Press Run.',
          'The loss and confidence attacks are "not applicable": there is no score to threshold. The label-only attacks stay: the augmentation attack counts how many shifted copies keep the right label, the boundary attack how many noisy copies do. Their AUC has not moved, because the labels were all they ever used.',
        ],
        changes: { defenses: { 'label-only': {} } },
      },
      {
        title: 'What does help',
        text: [
          'Hiding scores changes what the attacker reads, not what the model remembered. Train with fewer epochs (10) and run again: the gap shrinks, and the label-only attacks drop with it. Defenses that limit memorisation (early stopping, DP-SGD) are the ones that count.',
        ],
        changes: { target: { epochs: 10 } },
      },
    ],
  },
  {
    id: 'records',
    title: 'Which records leak',
    summary: 'Averages hide who pays: the Records view shows the members each attack exposes first, as images, with their scores and which attacks agree.',
    base: { seed: 0, dataset: { name: 'mnist' }, partSize: 1000, target: { architecture: 'mlp', epochs: 80, batchSize: 128, learningRate: 0.001 }, shadow: { count: 1 }, attacks: ['random', 'correctness', 'loss', 'modified-entropy', 'quantile'], defenses: {} },
    hide: ['preset', 'advanced', 'backend', 'defenses'],
    lock: ['dataset'],
    steps: [
      {
        title: 'The most exposed members',
        text: [
          'An MLP overfit on 1,000 digits. Press Run, then open the Records view below the charts: it draws the members the chosen attack ranks highest, each with its score and the attack\'s threshold.',
          'Look at them: the first ones are often odd digits, a thick 1, a 7 with a bar, a 4 that looks like a 9. A model can only fit an outlier by remembering it, so outliers leak first.',
        ],
      },
      {
        title: 'Linked views',
        text: [
          'Move the mouse along the ROC curve: the records above that point\'s threshold light up. Click a record to see where its score sits in each histogram.',
          'The table now lists each attack by class and by correctness: members the model gets wrong are few, but a per-record attack still finds some.',
        ],
      },
      {
        title: 'Do the attacks agree?',
        text: [
          'Switch the attack in the Records view: the images change. The overlap counts members flagged at 1 % false positives by no attack, one, several or all. The quantile attack (Bertran et al., arXiv:2307.03694) learns a threshold per record from public data, so where it and the global loss threshold disagree, the record is one whose difficulty the loss alone misjudges.',
        ],
      },
    ],
  },
];

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((lesson) => lesson.id === id);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and values replace. */
export function mergeSettings(base: Json, changes: Json): Json {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    out[key] = isObject(value) && isObject(out[key]) ? mergeSettings(out[key] as Json, value) : value;
  }
  return out;
}

/** The step index clamped to the lesson's steps. */
export function clampStep(lesson: Lesson, step: number): number {
  return Math.max(0, Math.min(lesson.steps.length - 1, Math.floor(step)));
}

/** The experiment of a lesson's step: its base and every change up to that step. */
export function lessonConfig(lesson: Lesson, step: number): ExperimentConfig {
  let settings = lesson.base;
  for (const s of lesson.steps.slice(0, clampStep(lesson, step) + 1)) if (s.changes) settings = mergeSettings(settings, s.changes);
  return parseExperimentConfig(settings);
}

/** Whether entering `step` changes the settings (else the student's own tweaks stay). */
export function stepChangesSettings(lesson: Lesson, step: number): boolean {
  return step === 0 || lesson.steps[clampStep(lesson, step)]?.changes !== undefined;
}

/** The link to a lesson's step. */
export function lessonHash(lesson: Lesson, step = 0): string {
  return `#lesson=${encodeURIComponent(lesson.id)}&step=${clampStep(lesson, step)}`;
}
