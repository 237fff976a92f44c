/**
 * `npm run lab -- references --config FILE --shard I/N --out DIR`: one shard of an experiment's
 * reference models (shards.ts), for a scheduler's array job. It trains models I, I + N, … exactly as
 * a single-machine run would (same masks, seeds and cache keys), writes their outputs as reference
 * cache entries in DIR and a manifest `shard-I-of-N.json` that `lab merge` checks.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentConfig } from '../core/config';
import { gatherImages } from '../core/datasets/split';
import { disposePart, uploadPart, type TensorPart } from '../core/models/predict';
import { planReferenceModels, trainReferenceModels, type TrainReferencesInput } from '../core/models/references';
import { planRun } from '../core/pipeline/plan';
import { referenceRecords } from '../core/pipeline/train-references';
import {
  SHARD_MANIFEST_FORMAT,
  SHARD_MANIFEST_VERSION,
  manifestFileName,
  resolveShard,
  shardModels,
  shardName,
  type Shard,
  type ShardManifest,
} from '../core/shards';
import { activateBackend } from '../node/backend';
import { cacheFileName, fileCache } from '../node/cache';
import { loadDataset } from '../node/load-dataset';
import { eachFlag, UsageError } from './args';
import { experimentHash, readExperimentConfig, sha256, toolVersion } from './shard-files';

export const REFERENCES_USAGE = `Usage: npm run lab -- references --config FILE --shard I/N --out DIR [--backend NAME]
       npm run lab -- references --config FILE --shard N [--shard-index-env NAME] --out DIR

  Trains only the reference models m with m mod N = I (0-based shard I of N) and writes their
  outputs and a manifest shard-I-of-N.json to DIR; \`lab merge\` joins the shards.
  --shard N alone takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs), else
  SLURM_ARRAY_TASK_ID (Slurm arrays), or from the variable --shard-index-env NAME names.`;

interface ReferencesOptions {
  config?: string;
  preset?: string;
  shard?: string;
  indexEnv?: string;
  out?: string;
  backend: string;
  help: boolean;
}

function parseArgs(argv: readonly string[]): ReferencesOptions {
  const options: ReferencesOptions = { backend: 'auto', help: false };
  eachFlag(argv, (flag, value) => {
    switch (flag) {
      case '--config': options.config = value(); break;
      case '--preset': options.preset = value(); break;
      case '--shard': options.shard = value(); break;
      case '--shard-index-env': options.indexEnv = value(); break;
      case '--out': options.out = value(); break;
      case '--backend': options.backend = value(); break;
      case '--help': case '-h': options.help = true; break;
      default: throw new UsageError(`unknown option ${flag}`);
    }
  });
  return options;
}

/** The shard this process runs, refused before anything loads when the flags or environment are wrong. */
export function shardFromOptions(options: Pick<ReferencesOptions, 'shard' | 'indexEnv'>, env: NodeJS.ProcessEnv): Shard {
  if (!options.shard) throw new UsageError('--shard I/N (or --shard N with the index in the environment) is required');
  return resolveShard(options.shard, env, options.indexEnv);
}

export function wantsReferences(config: ExperimentConfig): boolean {
  return planRun(config).needsReferences;
}

export interface ShardRun {
  readonly manifest: ShardManifest;
  /** Models trained now; the rest were already intact in DIR (a rerun resumes). */
  readonly trained: number;
}

/** Train shard `shard` of `config`'s reference models into `outDir`. */
export async function runReferenceShard(
  config: ExperimentConfig,
  shard: Shard,
  outDir: string,
  log: (line: string) => void = () => {},
  signal?: AbortSignal,
): Promise<ShardRun> {
  if (!wantsReferences(config)) {
    throw new UsageError('the config asks for no reference attack (lira-online, lira-offline, rmia, similarity): it has no reference models to shard');
  }
  const dataset = await loadDataset(config.dataset);
  const records = referenceRecords(config, dataset);
  if (records.populationIndex.length < config.rmia.populationSize) {
    log(`  warning: RMIA's population is ${records.populationIndex.length} records (the shadow parts), not ${config.rmia.populationSize}`);
  }
  const models = shardModels(shard, config.reference.count);
  const writeErrors: string[] = [];
  const parts: TensorPart[] = [];
  const upload = (indices: Int32Array) => {
    const part = uploadPart(gatherImages(dataset, indices), dataset.shape);
    parts.push(part);
    return part;
  };
  try {
    const input: TrainReferencesInput = {
      pool: upload(records.poolIndex),
      population: upload(records.populationIndex),
      config: config.reference,
      defenses: records.defenses,
      inputShape: dataset.shape,
      numClasses: dataset.numClasses,
      seed: config.seed,
      identity: records.identity,
      cache: fileCache(outDir),
      only: models,
      // Ctrl-C stops within a batch; the models already finished stay in DIR and a rerun resumes.
      signal,
      onModel: (p) => log(`  [reference ${p.index + 1}/${p.count}] ${p.cached ? 'already in the shard folder' : `trained in ${p.seconds.toFixed(1)} s`}`),
      onCorruptCache: (m) => log(`  warning: reference model ${m}: the entry in ${outDir} is corrupt; retraining it`),
      onCacheWriteError: (m, message) => writeErrors.push(`reference model ${m}: ${message}`),
    };
    const set = await trainReferenceModels(input);
    // A shard whose outputs were not written is no shard: fail loudly, not with a partial manifest.
    if (writeErrors.length > 0) throw new Error(`${shardName(shard)}: could not write to ${outDir}: ${writeErrors.join('; ')}`);
    const { keys } = planReferenceModels(input);
    const entries = [];
    for (const m of models) {
      const file = cacheFileName(keys[m]);
      const bytes = new Uint8Array(await readFile(join(outDir, file)));
      entries.push({ index: m, key: keys[m], file, bytes: bytes.length, sha256: sha256(bytes) });
    }
    const manifest: ShardManifest = {
      format: SHARD_MANIFEST_FORMAT,
      version: SHARD_MANIFEST_VERSION,
      tool: await toolVersion(),
      configHash: experimentHash(config),
      shard,
      referenceCount: config.reference.count,
      models: entries,
      createdAt: new Date().toISOString(),
    };
    // Written last and atomically: a manifest on disk means every entry it lists is complete.
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, manifestFileName(shard));
    await writeFile(`${path}.${process.pid}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(`${path}.${process.pid}.tmp`, path);
    return { manifest, trained: set.trained };
  } finally {
    parts.forEach(disposePart);
  }
}

/** The `references` subcommand; returns the exit code. */
export async function referencesCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<number> {
  const options = parseArgs(argv);
  if (options.help) {
    console.log(REFERENCES_USAGE);
    return 0;
  }
  const shard = shardFromOptions(options, env);
  if (!options.out) throw new UsageError('--out DIR is required (where the shard\'s outputs and manifest go)');
  const config = await readExperimentConfig(options.config, options.preset);
  const backend = await activateBackend(options.backend, config);
  const models = shardModels(shard, config.reference.count);
  console.log(`MIA Lab references: ${shardName(shard)} of ${config.reference.count} ${config.reference.architecture} reference models (models ${models.join(', ') || 'none'}), backend ${backend}`);
  const started = Date.now();
  const { manifest, trained } = await runReferenceShard(config, shard, options.out, (line) => console.log(line), signal);
  console.log(`wrote ${join(options.out, manifestFileName(shard))}: ${manifest.models.length} models (${trained} trained now) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
