/**
 * `npm run lab -- merge DIR... --config FILE --out OUT`: joins reference shards (`lab references`)
 * and runs the experiment with them. The shards are checked before anything trains (one config,
 * every model exactly once, every entry intact); then the run's reference cache is the shards'
 * entries and nothing else, so no reference model is retrained: a model the shards lack stops the
 * run before the reference stage trains anything.
 *
 * OUT gets what a single-machine run writes (results.json, scores.csv, reference-masks.csv), the
 * config, the reference entries under OUT/references/ with their manifest, and the target's and
 * shadows' weights under OUT/models/: everything `lab bundle` packs.
 */
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BlobCache } from '../core/cache';
import type { ExperimentConfig } from '../core/config';
import { runExperiment, type ExperimentResult, type ProgressEvent } from '../core/experiment';
import { toReferenceMasksCsv, toResultsJson, toScoresCsv } from '../core/results';
import { planReferenceModels } from '../core/models/references';
import { referenceRecords } from '../core/pipeline/train-references';
import { ShardError, checkShardCoverage, type ShardModelEntry } from '../core/shards';
import { activateBackend } from '../node/backend';
import { cacheFileName, fileCache } from '../node/cache';
import { loadDataset } from '../node/load-dataset';
import { wantsReferences } from './references';
import { eachFlag, UsageError } from './args';
import { experimentHash, findShards, readExperimentConfig, checkShardEntries, toolVersion } from './shard-files';
import { formatResultsTable } from './table';

export const MERGE_USAGE = `Usage: npm run lab -- merge DIR... --config FILE --out OUT [--backend NAME] [--cache DIR | --no-cache]

  Checks the reference shards in DIR... (made by \`lab references\` for FILE), refuses a missing,
  duplicated, corrupt or foreign shard by name, then trains the target and shadows and runs the
  attacks with the shards' reference models (none is retrained). OUT gets results.json,
  scores.csv, reference-masks.csv, config.json, references/ and models/ (for \`lab bundle\`).`;

/** The merged reference entries as OUT/references/manifest.json lists them. */
export const MERGED_REFERENCES_FORMAT = 'mia-lab-merged-references';

interface MergeOptions {
  dirs: string[];
  config?: string;
  preset?: string;
  out?: string;
  backend: string;
  cache?: string;
  noCache: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): MergeOptions {
  const options: MergeOptions = { dirs: [], backend: 'auto', noCache: false, help: false };
  eachFlag(argv, (flag, value) => {
    switch (flag) {
      case '--config': options.config = value(); break;
      case '--preset': options.preset = value(); break;
      case '--out': options.out = value(); break;
      case '--backend': options.backend = value(); break;
      case '--cache': options.cache = value(); break;
      case '--no-cache': options.noCache = true; break;
      case '--help': case '-h': options.help = true; break;
      default:
        if (flag.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
        options.dirs.push(flag);
    }
  });
  return options;
}

export interface CheckedShards {
  /** Reference cache key → the entry's file (checked), every model of the config exactly once. */
  readonly entries: Map<string, string>;
  readonly models: readonly ShardModelEntry[];
}

/** Every check a merge makes before it trains anything; throws a ShardError naming the bad shard. */
export async function checkShards(dirs: readonly string[], config: ExperimentConfig): Promise<CheckedShards> {
  if (!wantsReferences(config)) throw new UsageError('the config asks for no reference attack: there are no reference shards to merge');
  const shards = await findShards(dirs);
  checkShardCoverage(shards, experimentHash(config), config.reference.count);
  const entries = new Map<string, string>();
  for (const shard of shards) for (const [key, path] of await checkShardEntries(shard)) entries.set(key, path);
  const models = shards.flatMap((s) => s.manifest.models).sort((a, b) => a.index - b.index);
  return { entries, models };
}

/**
 * The run's cache: reference keys are answered from the shards alone (read-only: a reference model
 * is never trained, so never written); every other key (stage outputs, datasets) goes to `other`,
 * so a rerun of the merge reuses its target and shadows where the pipeline caches them.
 */
function shardCache(entries: ReadonlyMap<string, string>, other: BlobCache | undefined): BlobCache {
  return {
    async read(key) {
      const path = entries.get(key);
      return path === undefined ? other?.read(key) : new Uint8Array(await readFile(path));
    },
    async write(key, bytes) {
      if (!entries.has(key)) await other?.write(key, bytes);
    },
  };
}

/**
 * The cache keys a single-machine run of `config` gives its reference models (models/references.ts),
 * so a merge can refuse shards made for other inputs before it trains anything.
 */
export function expectedReferenceKeys(config: ExperimentConfig, dataset: { readonly name: string; readonly count: number }): string[] {
  const records = referenceRecords(config, dataset);
  return planReferenceModels({
    config: config.reference,
    seed: config.seed,
    identity: records.identity,
    defenses: records.defenses,
    pool: { count: records.poolIndex.length },
    population: { count: records.populationIndex.length },
  }).keys;
}

/** The target's and shadows' weights, as tf.io artifacts on disk (topology and weight specs as JSON, weights as bytes). */
async function saveModel(dir: string, name: string, model: tf.LayersModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const weights = Buffer.concat(buffers.map((b) => Buffer.from(b)));
      await writeFile(join(dir, `${name}.json`), JSON.stringify({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightsFile: `${name}.weights.bin` }));
      await writeFile(join(dir, `${name}.weights.bin`), weights);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    }),
  );
}

export interface MergeRun {
  readonly result: ExperimentResult;
}

/** Check the shards, run the experiment with them, and write OUT; `onResult` sees the result before anything is written. */
export async function mergeShards(
  dirs: readonly string[],
  config: ExperimentConfig,
  outDir: string,
  deps: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal; cache?: BlobCache; onResult?: (result: ExperimentResult) => void } = {},
): Promise<MergeRun> {
  const checked = await checkShards(dirs, config);
  // The dataset is loaded once: here to derive the reference keys, then handed to the run.
  const dataset = await loadDataset(config.dataset);
  const keys = expectedReferenceKeys(config, dataset);
  const lacking = keys.findIndex((key) => !checked.entries.has(key));
  if (lacking >= 0) {
    throw new ShardError(
      `the shards hold no outputs for reference model ${lacking} as this config and data define it (key ${keys[lacking]}): ` +
        'they were made by another version of the lab or from other dataset files; nothing was trained',
    );
  }
  const result = await runExperiment(config, {
    loadDataset: (wanted) => (wanted === config.dataset ? Promise.resolve(dataset) : loadDataset(wanted)),
    cache: shardCache(checked.entries, deps.cache),
    signal: deps.signal,
    onProgress: deps.onProgress,
    onModelTrained: (role, index, model) => saveModel(join(outDir, 'models'), `${role}-${index}`, model),
  });
  if (result.references?.trained !== 0) throw new Error(`merge: ${result.references?.trained ?? 'no'} reference models were trained instead of read from the shards`);
  deps.onResult?.(result);
  await writeMerged(outDir, config, result, checked);
  return { result };
}

async function writeMerged(outDir: string, config: ExperimentConfig, result: ExperimentResult, checked: CheckedShards): Promise<void> {
  const referencesDir = join(outDir, 'references');
  await mkdir(referencesDir, { recursive: true });
  const json = toResultsJson(result, { createdAt: new Date().toISOString(), engine: { node: process.version, mergedFrom: 'reference shards' } });
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(outDir, 'scores.csv'), toScoresCsv(result));
  const masks = toReferenceMasksCsv(result);
  if (masks) await writeFile(join(outDir, 'reference-masks.csv'), masks);
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const models = [];
  for (const model of checked.models) {
    const file = cacheFileName(model.key);
    await copyFile(checked.entries.get(model.key) as string, join(referencesDir, file));
    models.push({ index: model.index, key: model.key, file, bytes: model.bytes, sha256: model.sha256 });
  }
  const manifest = { format: MERGED_REFERENCES_FORMAT, version: 1, tool: await toolVersion(), configHash: experimentHash(config), referenceCount: config.reference.count, models };
  await writeFile(join(referencesDir, 'manifest.json.tmp'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(join(referencesDir, 'manifest.json.tmp'), join(referencesDir, 'manifest.json'));
}

/** The `merge` subcommand; returns the exit code. */
export async function mergeCommand(argv: readonly string[], deps: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal } = {}): Promise<number> {
  const options = parseArgs(argv);
  if (options.help) {
    console.log(MERGE_USAGE);
    return 0;
  }
  if (options.dirs.length === 0) throw new UsageError('merge needs at least one shard folder DIR');
  if (!options.out) throw new UsageError('--out OUT is required (where the merged results go)');
  const config = await readExperimentConfig(options.config, options.preset);
  const backend = await activateBackend(options.backend, config);
  console.log(`MIA Lab merge: ${options.dirs.length} shard folder(s), ${config.reference.count} reference models, backend ${backend}`);
  const cache = options.noCache ? undefined : fileCache(options.cache ?? join('runs', '.cache'));
  // The table first: if the files cannot be written (a full disk), the figures are still on screen.
  const { result } = await mergeShards(options.dirs, config, options.out, { ...deps, cache, onResult: (r) => console.log(`\n${formatResultsTable(r)}`) });
  console.log(`\nwrote ${join(options.out, 'results.json')}, scores.csv, reference-masks.csv, config.json, references/ and models/ (${result.references?.count} reference models from the shards, none retrained)`);
  return 0;
}
