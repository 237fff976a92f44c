/**
 * Files in and out of the app. Exports reuse the CLI's formats (toResultsJson, toScoresCsv), so a
 * browser run and a CLI run can be compared with the same tools. An imported file is either a
 * results.json (restores the charts and table; it carries no per-record scores) or a config.
 */
import { parseExperimentConfig, type ExperimentConfig } from '../../core/config';
import type { AttackResult } from '../../core/attacks/evaluate';
import type { ExperimentResult, ModelSummary } from '../../core/experiment';
import { toResultsJson } from '../../core/results';
import type { StoredRun } from '../../shared/storage/db';
import { configHash } from '../../core/hash';

export function resultsJsonText(result: ExperimentResult): string {
  return `${JSON.stringify(toResultsJson(result, { createdAt: new Date().toISOString(), engine: { app: 'MIA Lab (browser)' } }), null, 2)}\n`;
}

export function configJsonText(config: ExperimentConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

export type ImportedFile =
  | { readonly kind: 'results'; readonly run: StoredRun }
  | { readonly kind: 'config'; readonly config: ExperimentConfig };

export class ImportError extends Error {
  constructor(fileName: string, problem: string, readonly problems: readonly string[] = []) {
    super(`${fileName}: ${problem}`);
    this.name = 'ImportError';
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number => (typeof value === 'number' ? value : value === 'Infinity' || value === '-Infinity' ? Number(value) : Number.NaN);

function readSummary(value: unknown, fileName: string, where: string): ModelSummary {
  if (!isObject(value)) throw new ImportError(fileName, `${where} is missing or not an object`);
  return {
    architecture: String(value.architecture ?? ''),
    dataset: String(value.dataset ?? ''),
    trainAccuracy: num(value.trainAccuracy),
    testAccuracy: num(value.testAccuracy),
    generalizationGap: num(value.generalizationGap),
    trainLoss: num(value.trainLoss),
    testLoss: num(value.testLoss),
    history: Array.isArray(value.history) ? (value.history as ModelSummary['history']) : [],
  };
}

/** `shadow: { count, models: [...] }` today; a single model summary in older files. */
function readShadows(value: unknown, fileName: string): ModelSummary[] {
  if (!isObject(value)) return [];
  if (Array.isArray(value.models)) return value.models.map((model, i) => readSummary(model, fileName, `shadow.models[${i}]`));
  return [readSummary(value, fileName, 'shadow')];
}

/** An attack's 95 % intervals (results from before they existed have none: the table then shows the bare figures). */
function readIntervals(value: unknown): Pick<AttackResult, 'intervals'> {
  const interval = (v: unknown) => (isObject(v) && typeof v.lower === 'number' && typeof v.upper === 'number' ? { lower: v.lower, upper: v.upper } : undefined);
  if (!isObject(value) || !isObject(value.tprAtFpr)) return {};
  const tpr = value.tprAtFpr;
  const parts = { auc: interval(value.auc), accuracy: interval(value.accuracy), advantage: interval(value.advantage) };
  const tprParts = { '0.001': interval(tpr['0.001']), '0.01': interval(tpr['0.01']), '0.1': interval(tpr['0.1']) };
  if (!parts.auc || !parts.accuracy || !parts.advantage || !tprParts['0.001'] || !tprParts['0.01'] || !tprParts['0.1']) return {};
  return { intervals: { auc: parts.auc, accuracy: parts.accuracy, advantage: parts.advantage, tprAtFpr: { '0.001': tprParts['0.001'], '0.01': tprParts['0.01'], '0.1': tprParts['0.1'] } } };
}

/** JSON writes ±Infinity thresholds as null: read them back as NaN ("not known"). */
function readAttack(value: unknown, fileName: string, index: number): AttackResult {
  if (!isObject(value) || typeof value.name !== 'string') throw new ImportError(fileName, `attacks[${index}] has no name`);
  const tpr = isObject(value.tprAtFpr) ? value.tprAtFpr : {};
  return {
    name: value.name as AttackResult['name'],
    auc: num(value.auc),
    accuracy: num(value.accuracy),
    bestAccuracy: num(value.bestAccuracy),
    advantage: num(value.advantage),
    tprAtFpr: { '0.001': num(tpr['0.001']), '0.01': num(tpr['0.01']), '0.1': num(tpr['0.1']) },
    threshold: num(value.threshold),
    ...readIntervals(value.intervals),
    ...(Array.isArray(value.classThresholds) ? { classThresholds: value.classThresholds.map(num) } : {}),
    roc: Array.isArray(value.roc) ? (value.roc as [number, number][]) : [],
    memberScores: new Float64Array(0),
    nonMemberScores: new Float64Array(0),
  };
}

function readConfig(value: unknown, fileName: string): ExperimentConfig {
  try {
    return parseExperimentConfig(value);
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems ?? [(error as Error).message];
    throw new ImportError(fileName, 'holds a config this version of the lab refuses', problems);
  }
}

export function parseImportedFile(fileName: string, text: string, now = Date.now()): ImportedFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ImportError(fileName, `is not JSON (${(error as Error).message})`);
  }
  if (!isObject(data)) throw new ImportError(fileName, 'is not a JSON object');
  if (!('attacks' in data && 'target' in data && isObject(data.config))) {
    return { kind: 'config', config: readConfig(data, fileName) };
  }
  if (!Array.isArray(data.attacks)) throw new ImportError(fileName, 'attacks is not a list');
  const config = readConfig(data.config, fileName);
  const dataset = isObject(data.dataset) ? data.dataset : {};
  const result: ExperimentResult = {
    config,
    backend: String(data.backend ?? 'unknown'),
    dataset: {
      name: String(dataset.name ?? config.dataset.name),
      poolSize: num(dataset.poolSize),
      shape: Array.isArray(dataset.shape) ? (dataset.shape as number[]) : [],
      numClasses: num(dataset.numClasses),
    },
    target: readSummary(data.target, fileName, 'target'),
    shadows: readShadows(data.shadow, fileName),
    attacks: data.attacks.map((attack, i) => readAttack(attack, fileName, i)),
    notApplicable: Array.isArray(data.notApplicable) ? (data.notApplicable as ExperimentResult['notApplicable']) : [],
    ...(isObject(data.defense) ? { defense: data.defense as unknown as ExperimentResult['defense'] } : {}),
    privacy: isObject(data.privacy) ? (data.privacy as unknown as ExperimentResult['privacy']) : { delta: 1e-5, empirical: [] },
    records: { poolIndex: new Int32Array(0), member: new Uint8Array(0), label: new Uint8Array(0) },
    timings: isObject(data.timings) ? (data.timings as ExperimentResult['timings']) : {},
  };
  return { kind: 'results', run: { hash: configHash(config), config, result, finishedAt: now, origin: 'import' } };
}
