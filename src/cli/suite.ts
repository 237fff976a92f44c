/**
 * `lab suite NAME --out DIR [--size quick|full]`: run one of the report's suites (core/suites) and
 * write its JSON, a CSV per table, its figures as SVG and a report.md that puts them together with
 * the settings, the machine and the backend. The runs go through the one suite runner
 * (core/suites/runner.ts, the app's too); each finished run is kept as DIR/runs/<id>.json with its
 * config hash, so a stopped suite resumes and an unchanged run is never repeated.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { version as tfVersion } from '@tensorflow/tfjs';
import type { BlobCache } from '../core/cache';
import { CancelledError, type CancelSignal } from '../core/cancel';
import { runExperiment, type ProgressEvent } from '../core/experiment';
import { toResultsJson, type ResultsJson } from '../core/results';
import { SuiteRunner, describeFailure, finishedRuns, type SuiteRunOutcome } from '../core/suites/runner';
import type { SuiteDefinition, SuiteRun, SuiteSize, SuiteSummary, Table } from '../core/suites/suites';

export interface SuiteDeps {
  readonly loadDataset: Parameters<typeof runExperiment>[1]['loadDataset'];
  readonly backend: string;
  readonly cache?: BlobCache;
  readonly signal?: CancelSignal;
  readonly onRunStart?: (run: SuiteRun, index: number, total: number, reused: boolean) => void;
  readonly onProgress?: (run: SuiteRun, event: ProgressEvent) => void;
}

interface StoredRun {
  readonly key: string;
  readonly result: ResultsJson;
}

async function readStored(path: string, key: string): Promise<ResultsJson | undefined> {
  try {
    const stored = JSON.parse(await readFile(path, 'utf8')) as StoredRun;
    return stored.key === key ? stored.result : undefined;
  } catch {
    return undefined;
  }
}

const csvCell = (value: string | number) => (typeof value === 'number' ? String(value) : /[",\n]/.test(value) ? JSON.stringify(value) : value);

export function tableCsv(table: Table): string {
  return `${[table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

function tableMarkdown(table: Table): string {
  const row = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [`**${table.title}**`, '', row(table.columns), row(table.columns.map(() => '---')), ...table.rows.map(row)].join('\n');
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** The report: question, settings, machine, tables, figures and computed notes. */
export function suiteReport(suite: SuiteDefinition, size: SuiteSize, runs: readonly { run: SuiteRun; result: ResultsJson }[], summary: SuiteSummary, machine: Record<string, string>): string {
  const lines = [
    `# ${suite.title}`,
    '',
    `> ${suite.question}`,
    '',
    `Suite \`${suite.name}\`, size \`${size}\`, ${runs.length} runs. Regenerate with \`npm run lab -- suite ${suite.name} --size ${size}\`.`,
    '',
    '## Machine',
    '',
    ...Object.entries(machine).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Runs',
    '',
    '| run | dataset | part size | target | epochs | seed | defenses | backend | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(({ run, result }) => {
      const c = result.config;
      const seconds = Object.values(result.timings).reduce((sum: number, t) => sum + (t ?? 0), 0);
      return `| ${run.label} | ${result.dataset.name} | ${c.partSize} | ${c.target.architecture} | ${c.target.epochs} | ${c.seed} | ${Object.keys(c.defenses).join(', ') || 'none'} | ${result.backend} | ${seconds.toFixed(1)} |`;
    }),
    '',
    '## Results',
    '',
    ...summary.tables.flatMap((table) => [tableMarkdown(table), '']),
    ...summary.figures.flatMap((figure) => [`![${figure.title}](${figure.name}.svg)`, '']),
  ];
  if (summary.notes.length > 0) lines.push('## Computed findings', '', ...summary.notes.map((note) => `- ${note}`), '');
  return `${lines.join('\n')}\n`;
}

/** Train one run in this process; a cancel or a failure is an outcome, not a throw. */
async function executeRun(run: SuiteRun, deps: SuiteDeps): Promise<SuiteRunOutcome> {
  try {
    const result = await runExperiment(run.config, { loadDataset: deps.loadDataset, cache: deps.cache, signal: deps.signal, onProgress: (e) => deps.onProgress?.(run, e) });
    return { kind: 'result', result };
  } catch (error) {
    if (error instanceof CancelledError || deps.signal?.aborted) return { kind: 'cancelled' };
    return { kind: 'failed', message: describeFailure(error as Error & { problems?: unknown[] }) };
  }
}

/**
 * Run (or reuse) every run of `suite`, then write the summary files; returns the summary. A
 * cancelled suite throws CancelledError and a failed run an Error naming it, after every other run
 * has finished: what finished stays in DIR/runs/ for the next start.
 */
export async function runSuite(suite: SuiteDefinition, size: SuiteSize, outDir: string, deps: SuiteDeps): Promise<SuiteSummary> {
  await mkdir(join(outDir, 'runs'), { recursive: true });
  const runs = suite.runs(size);
  const pathOf = (run: SuiteRun) => join(outDir, 'runs', `${run.id}.json`);
  const announce = (run: SuiteRun, reused: boolean) => deps.onRunStart?.(run, runs.indexOf(run), runs.length, reused);
  const runner = new SuiteRunner(suite, size, {
    async lookup(key, run) {
      const stored = await readStored(pathOf(run), key);
      if (stored) announce(run, true);
      return stored;
    },
    async store(key, run, _suite, result) {
      // Through JSON and back, so a fresh run and a reused one are summarised from the same data.
      const plain = JSON.parse(JSON.stringify(toResultsJson(result))) as ResultsJson;
      await writeFile(pathOf(run), `${JSON.stringify({ key, result: plain } satisfies StoredRun)}\n`);
      return plain;
    },
    execute(run) {
      announce(run, false);
      return executeRun(run, deps);
    },
    // Ctrl-C reaches the run through deps.signal, which the engine checks between batches.
    cancel: () => {},
    onChange: () => {},
    now: () => Date.now(),
  });
  const progress = await runner.run();
  if (progress.status === 'stopped') throw new CancelledError(`suite ${suite.name}`);
  const failed = progress.states.filter((state) => state.status === 'failed');
  if (failed.length > 0) {
    const where = join(outDir, 'runs');
    throw new Error(`suite ${suite.name}: ${failed.map((state) => `run ${state.id} failed: ${state.error}`).join('; ')} (finished runs are kept in ${where})`);
  }
  const finished = finishedRuns(progress);
  const summary = suite.summarise(finished);
  const machine = {
    CPU: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    OS: `${osType()} ${release()}`,
    Node: process.version,
    'TensorFlow.js': tfVersion.tfjs,
    backend: deps.backend,
  };
  for (const table of summary.tables) await writeFile(join(outDir, `${slug(table.title)}.csv`), tableCsv(table));
  for (const figure of summary.figures) await writeFile(join(outDir, `${figure.name}.svg`), figure.svg);
  await writeFile(join(outDir, 'suite.json'), `${JSON.stringify({ suite: suite.name, size, machine, runs: finished.map(({ run }) => ({ id: run.id, label: run.label, params: run.params })), tables: summary.tables, notes: summary.notes }, null, 2)}\n`);
  await writeFile(join(outDir, 'report.md'), suiteReport(suite, size, finished, summary, machine));
  return summary;
}
