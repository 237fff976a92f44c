/**
 * `lab compare-defenses --config FILE --out DIR`: one target setup under each listed defense (and
 * none), a table of defense × attack (AUC, TPR at 1 % FPR) with the target's test accuracy: the
 * privacy bought and the accuracy paid. The file is
 *   { "experiment": { …an experiment config… }, "defenses": [ { "l2": { "lambda": 0.01 } }, … ] }
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobCache } from '../core/cache';
import { parseExperimentConfig, presetConfig, type ExperimentConfig } from '../core/config';
import { DEFENSE_CONFIG_SPEC, activeDefenses, resolveDefenses, type DefenseConfig } from '../core/defenses/registry';
import { runExperiment, type ExperimentResult, type ProgressEvent } from '../core/experiment';
import { toResultsJson, toScoresCsv } from '../core/results';
import { ConfigError, findProblems } from '../core/schema';
import type { CancelSignal } from '../core/cancel';

export interface CompareInput {
  readonly experiment: ExperimentConfig;
  readonly defenses: readonly DefenseConfig[];
}

/** Validate the compare file: the experiment as any config, each defense list as `defenses`. */
export function parseCompareFile(value: unknown): CompareInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(['compare file: expected a JSON object with "experiment" and "defenses"']);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => key !== 'experiment' && key !== 'defenses');
  if (unknown.length > 0) throw new ConfigError(unknown.map((key) => `compare.${key}: unknown field (known: experiment, defenses)`));
  if (!Array.isArray(record.defenses) || record.defenses.length === 0) throw new ConfigError(['compare.defenses: expected a non-empty list of defense configs']);
  const problems = record.defenses.flatMap((d, i) => findProblems(d, DEFENSE_CONFIG_SPEC, `compare.defenses[${i}]`));
  if (problems.length > 0) throw new ConfigError(problems);
  const experiment = parseExperimentConfig(record.experiment ?? {}, presetConfig('quick'));
  const defenses = record.defenses as DefenseConfig[];
  // Each combination must be a valid experiment on its own (e.g. no mixup with dp-sgd).
  defenses.forEach((d) => parseExperimentConfig({ ...experiment, defenses: d }));
  return { experiment, defenses };
}

/** "none", or each active defense with its resolved settings: "l2(lambda=0.01)+dropout(rate=0.5)". */
export function defenseLabel(defenses: DefenseConfig): string {
  const resolved = resolveDefenses(defenses) as Record<string, Record<string, unknown>>;
  const ids = activeDefenses(defenses);
  if (ids.length === 0) return 'none';
  return ids.map((id) => {
    const params = Object.entries(resolved[id]).map(([k, v]) => `${k}=${v}`).join(',');
    return params ? `${id}(${params})` : id;
  }).join('+');
}

export interface CompareRow {
  readonly label: string;
  readonly result: ExperimentResult;
}

/** The comparison as CSV: one row per defense × attack. */
export function compareCsv(rows: readonly CompareRow[]): string {
  const lines = ['defense,attack,auc,tpr_at_1pct_fpr,accuracy,target_test_accuracy,target_train_accuracy,accountant_epsilon,heuristic_epsilon'];
  for (const { label, result } of rows) {
    const testAccuracy = result.defense?.testAccuracy.defended ?? result.target.testAccuracy;
    const trainAccuracy = result.defense?.trainAccuracy.defended ?? result.target.trainAccuracy;
    const accountant = result.privacy.accountant?.epsilon ?? '';
    for (const attack of result.attacks) {
      const empirical = result.privacy.empirical.find((e) => e.attack === attack.name)?.epsilon ?? '';
      lines.push([JSON.stringify(label), attack.name, attack.auc, attack.tprAtFpr['0.01'], attack.accuracy, testAccuracy, trainAccuracy, accountant, empirical].join(','));
    }
    for (const { name } of result.notApplicable) lines.push([JSON.stringify(label), name, 'not applicable', '', '', testAccuracy, trainAccuracy, accountant, ''].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The comparison as a terminal table: AUC / TPR@1%FPR per attack, then test accuracy and ε. */
export function compareTable(rows: readonly CompareRow[]): string {
  const attacks = [...new Set(rows.flatMap(({ result }) => [...result.attacks.map((a) => a.name), ...result.notApplicable.map((a) => a.name)]))];
  const header = ['defense', 'test acc', 'ε (accountant)', ...attacks.map((a) => `${a} AUC / TPR@1%`)];
  const body = rows.map(({ label, result }) => [
    label,
    (100 * (result.defense?.testAccuracy.defended ?? result.target.testAccuracy)).toFixed(1) + '%',
    result.privacy.accountant ? result.privacy.accountant.epsilon.toFixed(2) : '—',
    ...attacks.map((name) => {
      const attack = result.attacks.find((a) => a.name === name);
      return attack ? `${attack.auc.toFixed(3)} / ${attack.tprAtFpr['0.01'].toFixed(3)}` : 'n/a';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export interface CompareDeps {
  readonly loadDataset: Parameters<typeof runExperiment>[1]['loadDataset'];
  readonly onProgress?: (label: string, event: ProgressEvent) => void;
  readonly signal?: CancelSignal;
  readonly cache?: BlobCache;
}

/** Run the undefended target, then each defense, writing each run's results under `outDir/<label>/`. */
export async function compareDefenses(input: CompareInput, outDir: string, deps: CompareDeps): Promise<CompareRow[]> {
  const settings = [{}, ...input.defenses.filter((d) => activeDefenses(d).length > 0)];
  const rows: CompareRow[] = [];
  for (const defenses of settings) {
    const label = defenseLabel(defenses);
    const config = parseExperimentConfig({ ...input.experiment, defenses });
    const result = await runExperiment(config, { loadDataset: deps.loadDataset, signal: deps.signal, cache: deps.cache, onProgress: (e) => deps.onProgress?.(label, e) });
    const dir = join(outDir, label.replace(/[^a-z0-9=.,+-]+/gi, '_'));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'results.json'), `${JSON.stringify(toResultsJson(result), null, 2)}\n`);
    await writeFile(join(dir, 'scores.csv'), toScoresCsv(result));
    rows.push({ label, result });
  }
  await writeFile(join(outDir, 'compare-defenses.csv'), compareCsv(rows));
  return rows;
}

export async function readCompareFile(path: string): Promise<CompareInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`--config ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`]);
  }
  try {
    return parseCompareFile(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) throw new ConfigError([`--config ${path}: not valid JSON (${error.message})`]);
    throw error;
  }
}
