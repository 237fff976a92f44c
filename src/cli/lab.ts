/**
 * `npm run lab -- …`: run an experiment headless in Node. A thin shell over the core: it parses
 * arguments, reads files, picks the backend, prints progress and writes results.json and scores.csv.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../core/schema';
import { PRESETS, parseExperimentConfig, presetConfig, type ExperimentConfig } from '../core/config';
import { CancelledError } from '../core/cancel';
import { runExperiment, type ProgressEvent } from '../core/experiment';
import { toRecordsCsv, toReferenceMasksCsv, toResultsJson, toScoresCsv } from '../core/results';
import { activateBackend } from '../node/backend';
import { configHasConvolutions } from '../core/models/catalog';
import { fileCache } from '../node/cache';
import { loadDataset } from '../node/load-dataset';
import { createNodeTrainingPool, defaultWorkerCount } from '../node/training-pool';
import { planRun } from '../core/pipeline/plan';
import { compareDefenses, compareTable, readCompareFile } from './compare-defenses';
import { epsilonCommand } from './epsilon';
import { runSuite } from './suite';
import { runShardCommand } from './shard-commands';
import { SUITES, getSuite, type SuiteSize } from '../core/suites/suites';
import { ATTACK_NAMES, ATTACKS, attackRequirements } from '../core/attacks/registry';
import { formatResultsTable } from './table';
import { eachFlag, UsageError } from './args';

const USAGE = `Usage: npm run lab -- [options]
       npm run lab -- compare-defenses --config FILE [--out DIR] [--backend NAME]
                                         one target under each defense in FILE
       npm run lab -- suite NAME [--size quick|full] [--out DIR]
                                         one of the report's five experiments (suite list)
       npm run lab -- epsilon --help     the DP-SGD privacy accountant
       npm run lab -- references --config FILE --shard I/N --out DIR
                                         one shard of the reference models (--help)
       npm run lab -- merge DIR... --config FILE --out OUT
                                         the experiment with the shards' reference models
       npm run lab -- bundle OUT --out FILE
                                         a merged experiment as one file for the app

  --preset NAME      start from a preset (default: quick); see --list-presets
  --config FILE      a JSON ExperimentConfig; fields it omits come from the preset
  --out DIR          where results.json, scores.csv and records.csv go (default: runs/<preset or config name>)
  --seed N           override the config's seed
  --backend NAME     auto (default), cpu or wasm
  --cache DIR        where every stage's output (trained models' weights and logits) is kept (default: runs/.cache)
  --no-cache         train every model afresh and keep nothing
  --workers N        worker threads that train beside the main thread: the shadows while the
                     target trains, and groups of reference models (default: cores − 1; 0 = one
                     model after another in the main thread; same models either way)
  --list-presets     list the presets and exit
  --list-attacks     list the attacks, one per line, with what each needs, and exit
  --help             show this help`;

interface CliOptions {
  preset?: string;
  config?: string;
  out?: string;
  seed?: number;
  backend: string;
  cache?: string;
  size?: SuiteSize;
  noCache: boolean;
  workers?: number;
  listPresets: boolean;
  listAttacks: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { backend: 'auto', noCache: false, listPresets: false, listAttacks: false, help: false };
  eachFlag(argv, (flag, value) => {
    switch (flag) {
      case '--preset': options.preset = value(); break;
      case '--config': options.config = value(); break;
      case '--out': options.out = value(); break;
      case '--backend': options.backend = value(); break;
      case '--cache': options.cache = value(); break;
      case '--size': {
        const size = value();
        if (size !== 'quick' && size !== 'full') throw new UsageError(`--size: quick or full, got ${size}`);
        options.size = size;
        break;
      }
      case '--no-cache': options.noCache = true; break;
      case '--workers': {
        const text = value();
        const workers = Number(text);
        if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new UsageError(`--workers: expected an integer in [0, 64], got ${text}`);
        options.workers = workers;
        break;
      }
      case '--seed': {
        const text = value();
        const seed = Number(text);
        if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new UsageError(`--seed: expected an integer in [0, 2147483647], got ${text}`);
        options.seed = seed;
        break;
      }
      case '--list-presets': options.listPresets = true; break;
      case '--list-attacks': options.listAttacks = true; break;
      case '--help': case '-h': options.help = true; break;
      default: throw new UsageError(`unknown option ${flag}`);
    }
  });
  return options;
}

async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
}

async function resolveConfig(options: CliOptions): Promise<ExperimentConfig> {
  const base = presetConfig(options.preset ?? 'quick');
  const fromFile = options.config ? parseExperimentConfig(await readConfigFile(options.config), base) : base;
  return options.seed === undefined ? fromFile : parseExperimentConfig({ seed: options.seed }, fromFile);
}

function printProgress(event: ProgressEvent): void {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  switch (event.type) {
    case 'stage-start':
      console.log(`» ${event.stage}`);
      break;
    case 'stage-end':
      console.log(`  ${event.stage} done in ${event.seconds.toFixed(1)} s`);
      break;
    case 'warning':
      console.log(`  warning: ${event.message}`);
      break;
    case 'model-done': {
      const eta = event.index + 1 < event.count ? `, about ${formatSeconds(event.etaSeconds)} to go` : '';
      console.log(`  [${event.model} ${event.index + 1}/${event.count}] ${event.cached ? 'from the cache' : `trained in ${event.seconds.toFixed(1)} s`}${eta}`);
      break;
    }
    case 'epoch': {
      // Per-epoch lines for the target and the first shadow; many models get one line each (model-done).
      if (event.model === 'reference' || event.index > 0) break;
      const m = event.metrics;
      const who = event.count > 1 ? `${event.model} 1/${event.count}` : event.model;
      console.log(
        `  [${who}] epoch ${String(m.epoch).padStart(3)}/${m.epochs}  ` +
          `train loss ${m.trainLoss.toFixed(4)} acc ${pct(m.trainAccuracy)}  ` +
          `test loss ${m.testLoss.toFixed(4)} acc ${pct(m.testAccuracy)}  (${m.seconds.toFixed(2)} s)`,
      );
      break;
    }
  }
}

function formatSeconds(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

function cancelOnSigint(): AbortController {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.log('\ncancelling after the current batch…');
    controller.abort();
  });
  return controller;
}

async function compareCommand(options: CliOptions): Promise<void> {
  if (!options.config) throw new UsageError('compare-defenses needs --config FILE ({"experiment": {…}, "defenses": [{…}, …]})');
  const input = await readCompareFile(options.config);
  const outDir = options.out ?? join('runs', `compare-${basename(options.config, '.json')}`);
  const backend = await activateBackend(options.backend, input.experiment);
  console.log(`MIA Lab compare-defenses: ${input.defenses.length + 1} targets (none first), backend ${backend}`);
  const cache = options.noCache ? undefined : fileCache(options.cache ?? join('runs', '.cache'));
  let current = '';
  const rows = await compareDefenses(input, outDir, {
    loadDataset,
    cache,
    signal: cancelOnSigint().signal,
    onProgress: (label, event) => {
      if (label !== current) console.log(`\n== defense: ${(current = label)}`);
      printProgress(event);
    },
  });
  console.log(`\n${compareTable(rows)}`);
  console.log(`\nwrote ${join(outDir, 'compare-defenses.csv')} and each run's results under ${outDir}/`);
}

async function suiteCommand(name: string | undefined, options: CliOptions): Promise<void> {
  if (!name || name.startsWith('--') || name === 'list') {
    for (const suite of SUITES) console.log(`${suite.name.padEnd(16)} ${suite.title}: ${suite.question}`);
    if (!name || name.startsWith('--')) throw new UsageError('suite needs a NAME (listed above)');
    return;
  }
  const suite = getSuiteOrUsage(name);
  const size = options.size ?? 'quick';
  const outDir = options.out ?? join('runs', `suite-${suite.name}-${size}`);
  const runs = suite.runs(size);
  const conv = runs.find((run) => configHasConvolutions(run.config));
  const backend = await activateBackend(options.backend, conv?.config ?? runs[0].config);
  console.log(`MIA Lab suite ${suite.name} (${size}): ${runs.length} runs, backend ${backend}`);
  const started = Date.now();
  let done = 0;
  await runSuite(suite, size, outDir, {
    loadDataset,
    backend,
    cache: options.noCache ? undefined : fileCache(options.cache ?? join('runs', '.cache')),
    signal: cancelOnSigint().signal,
    onRunStart: (run, index, total, reused) => {
      const eta = done > 0 ? `, about ${formatSeconds(((Date.now() - started) / 1000 / done) * (total - index))} to go` : '';
      console.log(`\n== run ${index + 1}/${total}: ${run.label}${reused ? ' (finished before: reused)' : ''}${eta}`);
      if (!reused) done++;
    },
    onProgress: (_, event) => {
      if (event.type !== 'epoch') printProgress(event);
    },
  });
  console.log(`\nwrote ${join(outDir, 'report.md')}, suite.json, the tables as CSV and the figures as SVG`);
}

function getSuiteOrUsage(name: string) {
  try {
    return getSuite(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'references' || argv[0] === 'merge' || argv[0] === 'bundle') {
    const code = await runShardCommand(argv[0], argv.slice(1), { onProgress: printProgress, signal: cancelOnSigint().signal });
    if (code !== 0) process.exit(code);
    return;
  }
  const command = argv[0] === 'compare-defenses' || argv[0] === 'suite' ? argv[0] : undefined;
  const suiteName = command === 'suite' ? argv[1] : undefined;
  const options = parseArgs(command === 'suite' ? argv.slice(suiteName && !suiteName.startsWith('--') ? 2 : 1) : command ? argv.slice(1) : argv);
  if (options.help) return void console.log(USAGE);
  if (command && options.workers !== undefined) throw new UsageError(`--workers: only a single experiment trains in a pool so far, not ${command}`);
  if (command === 'compare-defenses') return compareCommand(options);
  if (command === 'suite') return suiteCommand(suiteName, options);
  if (options.listAttacks) {
    for (const name of ATTACK_NAMES) console.log(`${name.padEnd(24)} ${attackRequirements(ATTACKS[name])}`);
    return;
  }
  if (options.listPresets) {
    for (const [name, preset] of Object.entries(PRESETS)) console.log(`${name.padEnd(10)} ${preset.description}`);
    return;
  }
  const config = await resolveConfig(options);
  const outDir = options.out ?? join('runs', options.config ? basename(options.config, '.json') : (options.preset ?? 'quick'));
  const backend = await activateBackend(options.backend, config);
  console.log(`MIA Lab: ${config.dataset.name}, ${config.partSize} records per part, target ${config.target.architecture}, backend ${backend}, seed ${config.seed}`);

  const controller = cancelOnSigint();
  const cache = options.noCache ? undefined : fileCache(options.cache ?? join('runs', '.cache'));
  const workers = options.workers ?? defaultWorkerCount();
  // Started now, while the data loads, when the run has shadows or reference models for them to train.
  const plan = planRun(config);
  const pool = workers > 0 ? createNodeTrainingPool(workers, backend, { warm: plan.needsShadows || plan.needsReferences }) : undefined;
  console.log(workers > 0 ? `training pool: ${workers} worker thread${workers === 1 ? '' : 's'} beside the main thread` : 'training pool: none (--workers 0)');
  const result = await runExperiment(config, { loadDataset, onProgress: printProgress, signal: controller.signal, cache, pool }).finally(() => pool?.close());

  // The table first: if the files cannot be written (a full disk), the figures are still on screen.
  console.log(`\n${formatResultsTable(result)}`);
  await mkdir(outDir, { recursive: true });
  const json = toResultsJson(result, { createdAt: new Date().toISOString(), engine: { node: process.version } });
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(outDir, 'scores.csv'), toScoresCsv(result));
  await writeFile(join(outDir, 'records.csv'), toRecordsCsv(result));
  const masks = toReferenceMasksCsv(result);
  if (masks) await writeFile(join(outDir, 'reference-masks.csv'), masks);
  console.log(`\nwrote ${join(outDir, 'results.json')}, ${join(outDir, 'scores.csv')} and ${join(outDir, 'records.csv')}`);
}

const argv = process.argv.slice(2);
if (argv[0] === 'epsilon') {
  epsilonCommand(argv.slice(1)).then((code) => process.exit(code));
} else {
  main(argv).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof CancelledError) {
      console.error(`lab: ${error.message}; nothing was written`);
      process.exit(130);
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`lab: error: ${message}`);
    if (error instanceof UsageError) console.error(`\n${USAGE}`);
    process.exit(error instanceof ConfigError || error instanceof UsageError ? 2 : 1);
  },
  );
}
