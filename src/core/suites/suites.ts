/**
 * The seed report's questions as suites: each is a grid of experiment configs and a summary
 * (tables and SVG figures) computed from their results. The CLI and the app run the grid; a run is
 * identified by its config's hash, so finished runs are reused and a stopped suite resumes.
 */
import { METRIC_ATTACK_NAMES } from '../attacks/registry';
import { cacheKey } from '../cache';
import { parseExperimentConfig, type ExperimentConfig } from '../config';
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
        ...METRIC_ATTACKS.map((name) => round(attackOf(result, name).auc)),
      ]),
    };
    const tpr: Table = {
      title: 'TPR at 1 % FPR',
      columns: ['dataset', 'architecture', ...METRIC_ATTACKS],
      rows: runs.map(({ run, result }) => [run.params.dataset, run.params.architecture, ...METRIC_ATTACKS.map((name) => round(attackOf(result, name).tprAtFpr['0.01']))]),
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
        config: parseExperimentConfig({ dataset: { name: target }, partSize, target: { epochs: 40 }, shadow: { dataset: { name: shadow } }, attacks: METRIC_ATTACKS }),
      })),
    );
    const byArchitecture = architectures.flatMap((target) =>
      architectures.map((shadow) => ({
        id: `arch-${shadow}-vs-${target}`,
        label: `shadow ${shadow} → target ${target}`,
        params: { axis: 'architecture', shadow, target },
        config: parseExperimentConfig({ partSize, target: { architecture: target, epochs: target === 'cnn' ? 15 : 40 }, shadow: { architecture: shadow, epochs: shadow === 'cnn' ? 15 : 40 }, attacks: METRIC_ATTACKS }),
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
      for (const [metric, pick] of [
        ['loss-attack AUC', (r: ResultsJson) => attackOf(r, 'loss').auc],
        ['loss-attack accuracy', (r: ResultsJson) => attackOf(r, 'loss').accuracy],
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

export const SUITES: readonly SuiteDefinition[] = [metricAttacks, gap, transfer];

export function getSuite(name: string): SuiteDefinition {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new RangeError(`unknown suite "${name}"; known suites: ${SUITES.map((s) => s.name).join(', ')}`);
  return suite;
}
