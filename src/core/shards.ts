/**
 * Reference models split over machines: shard I of N trains the models whose index m has
 * m mod N = I. A model's outputs depend only on the config's seed and its index (its mask, seed and
 * cache key are derived from them, models/references.ts), never on the shard or on the other models
 * of its training group, so any shard can run anywhere, at any time, and a rerun reproduces it.
 *
 * Each shard leaves a manifest beside its cache entries; the merge checks the manifests before
 * anything trains: one config, every model exactly once, every entry intact. Pure and tf-free.
 */

export const SHARD_MANIFEST_FORMAT = 'mia-lab-reference-shard';
export const SHARD_MANIFEST_VERSION = 1;

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/** A problem with a shard request or the shards handed to a merge; the message names the shard. */
export class ShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardError';
  }
}

/** The environment variables schedulers set on each task of an array, in the order they are looked at. */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

const isCount = (text: string) => /^[0-9]+$/.test(text) && Number(text) >= 1 && Number(text) <= 100_000;

/**
 * `--shard I/N`, or `--shard N` with I from the environment: `--shard-index-env NAME` when given,
 * else JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs), else SLURM_ARRAY_TASK_ID (Slurm arrays).
 */
export function resolveShard(spec: string, env: Readonly<Record<string, string | undefined>>, indexVariable?: string): Shard {
  const match = /^(?:([0-9]+)\/)?([0-9]+)$/.exec(spec.trim());
  if (!match || !isCount(match[2])) throw new ShardError(`--shard: expected I/N (0-based shard I of N shards, N ≥ 1) or N, got "${spec}"`);
  const count = Number(match[2]);
  if (match[1] !== undefined) {
    if (indexVariable !== undefined) throw new ShardError('--shard-index-env: give the index either in --shard I/N or through the environment, not both');
    return checkIndex(Number(match[1]), count, `--shard ${spec}`);
  }
  const names = indexVariable !== undefined ? [indexVariable] : SHARD_INDEX_VARIABLES;
  const name = names.find((variable) => env[variable] !== undefined && env[variable] !== '');
  if (name === undefined) {
    throw new ShardError(
      `--shard ${spec}: no shard index in the environment (${names.join(' or ')} is not set); ` +
        'give --shard I/N, or run it as a Kubernetes Indexed Job or a Slurm array task',
    );
  }
  const text = (env[name] as string).trim();
  if (!/^[0-9]+$/.test(text)) throw new ShardError(`${name}="${env[name]}": a shard index must be a non-negative integer`);
  return checkIndex(Number(text), count, `${name}=${text}`);
}

function checkIndex(index: number, count: number, where: string): Shard {
  if (index >= count) throw new ShardError(`${where}: shard index ${index} is out of range for ${count} shards (0 to ${count - 1})`);
  return { index, count };
}

/** The reference models shard I of N trains: m = I, I + N, I + 2N, … below `models`. */
export function shardModels(shard: Shard, models: number): number[] {
  const indices: number[] = [];
  for (let m = shard.index; m < models; m += shard.count) indices.push(m);
  return indices;
}

export const shardName = (shard: Shard) => `shard ${shard.index}/${shard.count}`;
/** The manifest's file name: shards may share one folder (a shared volume) or each have their own. */
export const manifestFileName = (shard: Shard) => `shard-${shard.index}-of-${shard.count}.json`;

export interface ShardModelEntry {
  readonly index: number;
  /** The reference cache key (models/references.ts), the same as in a single-machine run. */
  readonly key: string;
  /** The entry's file, relative to the manifest's folder. */
  readonly file: string;
  readonly bytes: number;
  /** SHA-256 of the file, hex. */
  readonly sha256: string;
}

export interface ShardManifest {
  readonly format: typeof SHARD_MANIFEST_FORMAT;
  readonly version: typeof SHARD_MANIFEST_VERSION;
  readonly tool: { readonly name: string; readonly version: string };
  /** cacheKey(config) of the experiment config the shard was made for. */
  readonly configHash: string;
  readonly shard: Shard;
  /** N, all reference models of the experiment. */
  readonly referenceCount: number;
  readonly models: readonly ShardModelEntry[];
  readonly createdAt: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isIndex = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** A manifest read from `where` (its file), or a ShardError saying what is wrong with it. */
export function parseShardManifest(value: unknown, where: string): ShardManifest {
  const bad = (problem: string) => new ShardError(`${where}: ${problem}`);
  if (!isObject(value) || value.format !== SHARD_MANIFEST_FORMAT) throw bad(`not a MIA Lab reference shard manifest (format is not "${SHARD_MANIFEST_FORMAT}")`);
  if (value.version !== SHARD_MANIFEST_VERSION) throw bad(`manifest version ${String(value.version)}; this lab reads version ${SHARD_MANIFEST_VERSION}`);
  const shard = value.shard;
  if (!isObject(shard) || !isIndex(shard.index) || !isIndex(shard.count) || shard.index >= shard.count) throw bad('shard is not {index, count} with index < count');
  if (typeof value.configHash !== 'string' || !isIndex(value.referenceCount)) throw bad('configHash or referenceCount is missing');
  if (!Array.isArray(value.models)) throw bad('models is not a list');
  const models = value.models.map((model, i) => {
    const ok = isObject(model) && isIndex(model.index) && typeof model.key === 'string' && typeof model.file === 'string' && isIndex(model.bytes) && typeof model.sha256 === 'string';
    if (!ok || /[\\/]|^\.\.?$/.test(model.file as string)) throw bad(`models[${i}] is not {index, key, file, bytes, sha256} with a plain file name`);
    return model as unknown as ShardModelEntry;
  });
  const tool = isObject(value.tool) ? { name: String(value.tool.name), version: String(value.tool.version) } : { name: 'unknown', version: 'unknown' };
  return { ...(value as unknown as ShardManifest), tool, models };
}

/** A manifest with where it was found, for messages. */
export interface FoundShard {
  readonly where: string;
  readonly manifest: ShardManifest;
}

/**
 * Checks that `shards` belong to the config hashed `configHash` with `referenceCount` models, and
 * cover every model exactly once. Throws a ShardError naming the foreign, duplicated or missing
 * shard. (Whether each entry is intact is the caller's to check: it needs the bytes.)
 */
export function checkShardCoverage(shards: readonly FoundShard[], configHash: string, referenceCount: number): void {
  if (shards.length === 0) throw new ShardError('no shard manifests (shard-I-of-N.json) found in the given folders');
  for (const { where, manifest } of shards) {
    if (manifest.configHash !== configHash) {
      throw new ShardError(`${where} (${shardName(manifest.shard)}) is foreign: made for config ${manifest.configHash}, not this config (${configHash})`);
    }
    if (manifest.referenceCount !== referenceCount) {
      throw new ShardError(`${where} (${shardName(manifest.shard)}) is foreign: made for ${manifest.referenceCount} reference models, not ${referenceCount}`);
    }
  }
  const count = shards[0].manifest.shard.count;
  const split = shards.find((s) => s.manifest.shard.count !== count);
  if (split) throw new ShardError(`${split.where} is ${shardName(split.manifest.shard)} but ${shards[0].where} is one of ${count} shards: the shards come from different splits`);
  const byIndex = new Map<number, FoundShard>();
  for (const found of shards) {
    const twin = byIndex.get(found.manifest.shard.index);
    if (twin) throw new ShardError(`${shardName(found.manifest.shard)} is duplicated: ${twin.where} and ${found.where}`);
    byIndex.set(found.manifest.shard.index, found);
    const expected = shardModels(found.manifest.shard, referenceCount);
    const listed = found.manifest.models.map((model) => model.index);
    if (listed.length !== expected.length || listed.some((m, i) => m !== expected[i])) {
      throw new ShardError(`${found.where} (${shardName(found.manifest.shard)}) lists models ${listed.join(', ') || 'none'}, not ${expected.join(', ') || 'none'}`);
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const models = missing.flatMap((i) => shardModels({ index: i, count }, referenceCount));
    throw new ShardError(`missing ${missing.map((i) => shardName({ index: i, count })).join(', ')} (reference models ${models.join(', ')} are in no shard)`);
  }
}
