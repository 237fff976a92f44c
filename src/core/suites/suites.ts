/**
 * The seed report's questions as suites: each is a grid of experiment configs and a summary
 * (tables and SVG figures) computed from their results. The CLI and the app run the grid; a run is
 * identified by its config's hash, so finished runs are reused and a stopped suite resumes.
 */
import { formatWithInterval, type Interval } from '../metrics/intervals';
import { METRIC_ATTACK_NAMES } from '../attacks/registry';
import { cacheKey } from '../cache';
import { parseExperimentConfig, type ExperimentConfig } from '../config';
import type { DefenseConfig } from '../defenses/registry';
import { heatmapSvg, rocSvg, scatterSvg, type Series } from '../plots/svg';
import type { ResultsJson } from '../results';

export type SuiteSize = 'quick' | 'full';

export interface SuiteRun {
  /** Stable within the suite: a file name. */
  readonly id: string;
  readonly label: string;
  /** The swept parameters of this run, for tables. */
  readonly params: Readonly<Record<string, string | number>>;
  readonly config: ExperimentConfig;
}

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

export interface SuiteSummary {
  readonly tables: readonly Table[];
  readonly figures: readonly { readonly name: string; readonly title: string; readonly svg: string }[];
  /** Findings computed from the numbers (never written by hand). */
  readonly notes: readonly string[];
}

export interface SuiteDefinition {
  readonly name: string;
  readonly title: string;
  /** The report's question this suite answers. */
  readonly question: string;
  runs(size: SuiteSize): SuiteRun[];
  summarise(runs: readonly { readonly run: SuiteRun; readonly result: ResultsJson }[]): SuiteSummary;
}

/** The hash a finished run is stored under: the whole config, so any change reruns it. */
export function runKey(run: SuiteRun): string {
  return cacheKey(run.config);
}

const METRIC_ATTACKS = [...METRIC_ATTACK_NAMES];
const DATASETS = ['mnist', 'fashion-mnist'] as const;
const round = (x: number, digits = 4) => Number(x.toFixed(digits));

/** A figure with its 95 % interval, `0.812 [0.790, 0.830]`, when the run has one; results from before intervals show the bare figure. */
function withInterval(value: number, interval: Interval | undefined): string | number {
  return interval ? formatWithInterval(value, interval) : round(value);
}

function attackOf(result: ResultsJson, name: string) {
  const attack = result.attacks.find((a) => a.name === name);
  if (!attack) throw new Error(`the result has no "${name}" attack`);
  return attack;
}

/** Least-squares line y = a + b x and Pearson's r. */
export function fitLine(points: readonly (readonly [number, number])[]): { intercept: number; slope: number; r: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope, r: sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0 };
}

const metricAttacks: SuiteDefinition = {
  name: 'metric-attacks',
  title: 'Metric attacks compared',
  question: 'How do the loss, confidence, entropy and modified-entropy attacks compare across datasets and architectures?',
  runs(size) {
    const architectures = size === 'quick' ? ['mlp'] : ['mlp', 'cnn'];
    return DATASETS.flatMap((dataset) =>
      architectures.map((architecture) => ({
        id: `${dataset}-${architecture}`,
        label: `${dataset} · ${architecture}`,
        params: { dataset, architecture },
        config: parseExperimentConfig({
          dataset: { name: dataset },
          partSize: size === 'quick' ? 1000 : 5000,
          target: { architecture, epochs: architecture === 'mlp' ? (size === 'quick' ? 60 : 50) : 15 },
          attacks: METRIC_ATTACKS,
        }),
      })),
    );
  },
  summarise(runs) {
    const table: Table = {
      title: 'AUC per attack (the seed report\'s Table 1)',
      columns: ['dataset', 'architecture', 'train acc', 'test acc', 'gap', ...METRIC_ATTACKS],
      rows: runs.map(({ run, result }) => [
        run.params.dataset, run.params.architecture,
        round(result.target.trainAccuracy), round(result.target.testAccuracy), round(result.target.generalizationGap),
        ...METRIC_ATTACKS.map((name) => withInterval(attackOf(result, name).auc, attackOf(result, name).intervals?.auc)),
      ]),
    };
    const tpr: Table = {
      title: 'TPR at 1 % FPR',
      columns: ['dataset', 'architecture', ...METRIC_ATTACKS],
      rows: runs.map(({ run, result }) => [
        run.params.dataset,
        run.params.architecture,
        ...METRIC_ATTACKS.map((name) => withInterval(attackOf(result, name).tprAtFpr['0.01'], attackOf(result, name).intervals?.tprAtFpr['0.01'])),
      ]),
    };
    const figures = runs.map(({ run, result }) => ({
      name: `roc-${run.id}`,
      title: `ROC, ${run.label} (log-log)`,
      svg: rocSvg(`ROC, ${run.label}`, result.attacks.map((a): Series => ({ name: a.name, points: a.roc }))),
    }));
    const best = runs.map(({ run, result }) => {
      const top = [...result.attacks].filter((a) => a.name !== 'random').sort((a, b) => b.auc - a.auc)[0];
      return `${run.label}: strongest attack by AUC is ${top.name} (${top.auc.toFixed(3)}).`;
    });
    return { tables: [table, tpr], figures, notes: best };
  },
};

const gap: SuiteDefinition = {
  name: 'gap',
  title: 'Attack accuracy vs generalization gap',
  question: 'Does attack accuracy grow with the generalization gap, as (1+g)/2 predicts for the correctness attack?',
  runs(size) {
    const partSizes = size === 'quick' ? [250, 1000] : [250, 500, 1000, 2500, 5000];
    const epochs = size === 'quick' ? [3, 40] : [2, 5, 20, 50, 100];
    const architectures = size === 'quick' ? ['mlp'] : ['mlp', 'cnn'];
    return architectures.flatMap((architecture) =>
      partSizes.flatMap((partSize) =>
        epochs
          .filter(() => architecture === 'mlp' || partSize <= 1000)
          .map((e) => ({
            id: `${architecture}-n${partSize}-e${e}`,
            label: `${architecture}, ${partSize} records, ${e} epochs`,
            params: { architecture, partSize, epochs: e },
            config: parseExperimentConfig({ partSize, target: { architecture, epochs: architecture === 'cnn' ? Math.min(e, 20) : e }, attacks: METRIC_ATTACKS }),
          })),
      ),
    );
  },
  summarise(runs) {
    const series: Series[] = METRIC_ATTACKS.map((name) => ({
      name,
      points: runs.map(({ result }) => [result.target.generalizationGap, attackOf(result, name).accuracy] as const),
    }));
    const fits = series.map((s) => ({ name: s.name, ...fitLine(s.points) }));
    const table: Table = {
      title: 'Attack accuracy (at the shadow-chosen threshold) per run',
      columns: ['run', 'gap', ...METRIC_ATTACKS],
      rows: runs.map(({ run, result }) => [run.label, round(result.target.generalizationGap), ...METRIC_ATTACKS.map((name) => round(attackOf(result, name).accuracy))]),
    };
    const fitTable: Table = {
      title: 'Linear fit of attack accuracy on the gap',
      columns: ['attack', 'intercept', 'slope', 'Pearson r'],
      rows: fits.map((f) => [f.name, round(f.intercept), round(f.slope), round(f.r)]),
    };
    const svg = scatterSvg('Attack accuracy vs generalization gap', 'generalization gap g', 'attack accuracy', series, [
      // The seed report's Theorem 2.1: the correctness attack's accuracy is exactly (1 + g)/2 (Yeom et al., arXiv:1709.01604).
      { name: '(1+g)/2', f: (g) => (1 + g) / 2 },
    ]);
    const correctness = fits.find((f) => f.name === 'correctness');
    const notes = correctness ? [`The correctness attack's fit has slope ${correctness.slope.toFixed(3)} and intercept ${correctness.intercept.toFixed(3)} (the identity (1+g)/2 has 0.5 and 0.5).`] : [];
    return { tables: [table, fitTable], figures: [{ name: 'accuracy-vs-gap', title: 'Attack accuracy vs generalization gap', svg }], notes };
  },
};

const TRANSFER_ATTACKS = [...METRIC_ATTACKS, 'ml'] as const;

const transfer: SuiteDefinition = {
  name: 'transfer',
  title: 'Transferability of shadow models',
  question: 'Does the threshold chosen on a shadow model of another architecture, or trained on another dataset, still work on the target?',
  runs(size) {
    const architectures = size === 'quick' ? ['mlp'] : ['mlp', 'cnn'];
    const partSize = size === 'quick' ? 1000 : 2500;
    const byData = DATASETS.flatMap((target) =>
      DATASETS.map((shadow) => ({
        id: `data-${shadow}-vs-${target}`,
        label: `shadow ${shadow} → target ${target}`,
        params: { axis: 'dataset', shadow, target },
        config: parseExperimentConfig({ dataset: { name: target }, partSize, target: { epochs: 40 }, shadow: { dataset: { name: shadow } }, attacks: TRANSFER_ATTACKS }),
      })),
    );
    const byArchitecture = architectures.flatMap((target) =>
      architectures.map((shadow) => ({
        id: `arch-${shadow}-vs-${target}`,
        label: `shadow ${shadow} → target ${target}`,
        params: { axis: 'architecture', shadow, target },
        config: parseExperimentConfig({ partSize, target: { architecture: target, epochs: target === 'cnn' ? 15 : 40 }, shadow: { architecture: shadow, epochs: shadow === 'cnn' ? 15 : 40 }, attacks: TRANSFER_ATTACKS }),
      })),
    );
    return [...byData, ...(architectures.length > 1 ? byArchitecture : [])];
  },
  summarise(runs) {
    const figures: SuiteSummary['figures'][number][] = [];
    const tables: Table[] = [];
    for (const axis of ['dataset', 'architecture']) {
      const these = runs.filter(({ run }) => run.params.axis === axis);
      if (these.length === 0) continue;
      const shadows = [...new Set(these.map(({ run }) => String(run.params.shadow)))];
      const targets = [...new Set(these.map(({ run }) => String(run.params.target)))];
      // A threshold attack's AUC does not depend on the shadow (only its threshold does), so the
      // shadow's effect shows in the loss attack's accuracy at the shadow's threshold and in the
      // ML attack, which learns everything from the shadows.
      for (const [metric, pick] of [
        ['loss-attack accuracy', (r: ResultsJson) => attackOf(r, 'loss').accuracy],
        ['ML-attack AUC', (r: ResultsJson) => attackOf(r, 'ml').auc],
      ] as const) {
        const values = shadows.map((s) => targets.map((t) => {
          const found = these.find(({ run }) => run.params.shadow === s && run.params.target === t);
          return found ? pick(found.result) : NaN;
        }));
        const name = `${axis}-${metric.replace(/[^a-z]+/gi, '-').toLowerCase()}`;
        figures.push({ name, title: `${metric}: shadow ${axis} (rows) × target ${axis} (columns)`, svg: heatmapSvg(`${metric}, shadow × target ${axis}`, shadows.map((s) => `shadow ${s}`), targets.map((t) => `target ${t}`), values) });
        tables.push({ title: `${metric}, shadow ${axis} × target ${axis}`, columns: ['shadow \\ target', ...targets], rows: shadows.map((s, i) => [s, ...values[i].map((v) => round(v))]) });
      }
    }
    return { tables, figures, notes: [] };
  },
};

/** The defended settings each suite compares; `none` first. */
interface DefenseSetting {
  readonly id: string;
  readonly defenses: DefenseConfig;
}

const ALL_DEFENSES: readonly DefenseSetting[] = [
  { id: 'none', defenses: {} },
  { id: 'top-k-1', defenses: { 'top-k': { k: 1 } } },
  { id: 'label-only', defenses: { 'label-only': {} } },
  { id: 'rounding-1', defenses: { rounding: { decimals: 1 } } },
  { id: 'output-noise', defenses: { 'output-noise': {} } },
  { id: 'l2', defenses: { l2: {} } },
  { id: 'dropout', defenses: { dropout: {} } },
  { id: 'augmentation', defenses: { augmentation: {} } },
  { id: 'early-stopping', defenses: { 'early-stopping': {} } },
  { id: 'mixup', defenses: { mixup: {} } },
  { id: 'dp-sgd', defenses: { 'dp-sgd': {} } },
];

/** Accuracy the attacker sees on the target's test part, with the run's defenses. */
const defendedTestAccuracy = (result: ResultsJson) => result.defense?.testAccuracy.defended ?? result.target.testAccuracy;

/** Attacks that got numbers, and those reported as not applicable, as table cells. */
type AttackJson = ResultsJson['attacks'][number];

function attackCell(result: ResultsJson, name: string, pick: (a: AttackJson) => number, pickInterval?: (a: AttackJson) => Interval | undefined): string | number {
  const attack = result.attacks.find((a) => a.name === name);
  if (!attack) return 'n/a';
  return pickInterval ? withInterval(pick(attack), pickInterval(attack)) : round(pick(attack));
}

function defenseRuns(settings: readonly DefenseSetting[], size: SuiteSize): SuiteRun[] {
  const epochs = size === 'quick' ? 30 : 50;
  return settings.map((setting) => ({
    id: setting.id,
    label: setting.id,
    params: { defense: setting.id },
    config: parseExperimentConfig({
      partSize: size === 'quick' ? 500 : 2500,
      target: { epochs },
      defenses: setting.defenses,
      // The label-only attacks too: under the label-only defense they are what still runs.
      attacks: [...METRIC_ATTACKS, ...LABEL_QUERY_ATTACKS, ...(size === 'quick' ? [] : ['ml' as const])],
    }),
  }));
}

const LABEL_QUERY_ATTACKS = ['label-only-augmentation', 'label-only-boundary'] as const;

const defensesSuite: SuiteDefinition = {
  name: 'defenses',
  title: 'Defense effectiveness',
  question: 'How much does each defense weaken each attack?',
  runs: (size) => defenseRuns(ALL_DEFENSES, size),
  summarise(runs) {
    const attacks = [...new Set(runs.flatMap(({ result }) => [...result.attacks.map((a) => a.name), ...result.notApplicable.map((a) => a.name)]))];
    const auc: Table = {
      title: 'AUC per defense (rows) and attack (columns); n/a = not applicable to the outputs the defense leaves',
      columns: ['defense', 'test acc', ...attacks],
      rows: runs.map(({ run, result }) => [run.label, round(defendedTestAccuracy(result)), ...attacks.map((name) => attackCell(result, name, (a) => a.auc, (a) => a.intervals?.auc))]),
    };
    const tpr: Table = {
      title: 'TPR at 1 % FPR per defense and attack',
      columns: ['defense', ...attacks],
      rows: runs.map(({ run, result }) => [run.label, ...attacks.map((name) => attackCell(result, name, (a) => a.tprAtFpr['0.01'], (a) => a.intervals?.tprAtFpr['0.01']))]),
    };
    const heat = runs.map(({ result }) => attacks.map((name) => result.attacks.find((a) => a.name === name)?.auc ?? NaN));
    const figures = [{ name: 'defense-auc', title: 'Attack AUC under each defense', svg: heatmapSvg('Attack AUC: defense (rows) × attack (columns)', runs.map(({ run }) => run.label), attacks, heat) }];
    const none = runs.find(({ run }) => run.params.defense === 'none');
    const notes = none
      ? runs
          .filter(({ run }) => run !== none.run)
          .map(({ run, result }) => {
            const loss = result.attacks.find((a) => a.name === 'loss');
            const base = none.result.attacks.find((a) => a.name === 'loss');
            return loss && base ? `${run.label}: loss-attack AUC ${base.auc.toFixed(3)} → ${loss.auc.toFixed(3)}, test accuracy ${defendedTestAccuracy(none.result).toFixed(3)} → ${defendedTestAccuracy(result).toFixed(3)}.` : `${run.label}: the loss attack is not applicable.`;
          })
      : [];
    return { tables: [auc, tpr], figures, notes };
  },
};

const PRICE_SETTINGS = (size: SuiteSize): DefenseSetting[] => [
  { id: 'none', defenses: {} },
  ...(size === 'quick' ? [1e-3, 1e-2] : [1e-4, 1e-3, 3e-3, 1e-2, 3e-2]).map((lambda) => ({ id: `l2-${lambda}`, defenses: { l2: { lambda } } })),
  ...(size === 'quick' ? [0.5] : [0.2, 0.5, 0.7]).map((rate) => ({ id: `dropout-${rate}`, defenses: { dropout: { rate } } })),
  ...(size === 'quick' ? [0.5, 1.5] : [0.5, 0.8, 1.1, 1.5, 2.5]).map((noiseMultiplier) => ({ id: `dp-sgd-${noiseMultiplier}`, defenses: { 'dp-sgd': { noiseMultiplier } } })),
  ...(size === 'quick' ? [1] : [1, 3]).map((k) => ({ id: `top-${k}`, defenses: { 'top-k': { k } } })),
];

/** Settings no other setting beats on both axes (higher accuracy, lower attack AUC), by accuracy. */
export function paretoFrontier(points: readonly { readonly x: number; readonly y: number }[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[b].x - points[a].x || points[a].y - points[b].y);
  const frontier: number[] = [];
  let best = Infinity;
  for (const i of order) {
    if (points[i].y < best) {
      frontier.push(i);
      best = points[i].y;
    }
  }
  return frontier;
}

const priceSuite: SuiteDefinition = {
  name: 'price',
  title: 'The price of defense',
  question: 'What does each defense, at each setting, cost in test accuracy, and which settings are on the privacy–utility frontier?',
  runs: (size) => defenseRuns(PRICE_SETTINGS(size), size),
  summarise(runs) {
    const points = runs.map(({ result }) => ({ x: defendedTestAccuracy(result), y: result.attacks.find((a) => a.name === 'loss')?.auc ?? 0.5 }));
    const frontier = new Set(paretoFrontier(points));
    const table: Table = {
      title: 'Test accuracy, loss-attack AUC and TPR at 1 % FPR, and DP-SGD ε per setting (* = on the frontier)',
      columns: ['setting', 'test acc', 'undefended test acc', 'loss AUC', 'loss TPR@1%FPR', 'ε (accountant)', 'frontier'],
      rows: runs.map(({ run, result }, i) => [
        run.label,
        round(defendedTestAccuracy(result)),
        round(result.defense?.testAccuracy.undefended ?? result.target.testAccuracy),
        attackCell(result, 'loss', (a) => a.auc, (a) => a.intervals?.auc),
        attackCell(result, 'loss', (a) => a.tprAtFpr['0.01'], (a) => a.intervals?.tprAtFpr['0.01']),
        result.privacy.accountant ? round(result.privacy.accountant.epsilon, 3) : '—',
        frontier.has(i) ? '*' : '',
      ]),
    };
    const series: Series[] = [...new Set(runs.map(({ run }) => String(run.label).replace(/-[\d.e-]+$/, '')))].map((family) => ({
      name: family,
      points: runs.flatMap(({ run }, i) => (String(run.label).replace(/-[\d.e-]+$/, '') === family ? [[points[i].x, points[i].y] as const] : [])),
    }));
    const svg = scatterSvg('Privacy vs utility: loss-attack AUC against test accuracy', 'target test accuracy', 'loss-attack AUC', series, [{ name: 'chance (AUC 0.5)', f: () => 0.5, dashed: true }]);
    const notes = [...frontier].map((i) => `${runs[i].run.label} is on the frontier (test accuracy ${points[i].x.toFixed(3)}, loss AUC ${points[i].y.toFixed(3)}).`);
    return { tables: [table], figures: [{ name: 'privacy-utility', title: 'Privacy vs utility', svg }], notes };
  },
};

export const SUITES: readonly SuiteDefinition[] = [metricAttacks, gap, transfer, defensesSuite, priceSuite];

export function getSuite(name: string): SuiteDefinition {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new RangeError(`unknown suite "${name}"; known suites: ${SUITES.map((s) => s.name).join(', ')}`);
  return suite;
}
