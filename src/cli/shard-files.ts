/**
 * The files of reference shards on disk, shared by `lab references`, `lab merge` and `lab bundle`:
 * the config a command names, the tool's version, and manifests read back and checked byte by byte.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheKey, decodeEntry } from '../core/cache';
import { parseExperimentConfig, presetConfig, type ExperimentConfig } from '../core/config';
import { ConfigError } from '../core/schema';
import { ShardError, parseShardManifest, shardName, type FoundShard } from '../core/shards';
import { UsageError } from './args';

/** A bad flag or file: exit code 2 with the usage. */

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The experiment config as `npm run lab -- --config FILE` reads it: fields FILE omits come from the preset (quick). */
export async function readExperimentConfig(path: string | undefined, preset = 'quick'): Promise<ExperimentConfig> {
  if (!path) throw new UsageError('--config FILE is required (the experiment whose reference models are sharded)');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseExperimentConfig(json, presetConfig(preset));
}

/** The hash shards and merge compare: the core's cache key of the whole validated config. */
export const experimentHash = (config: ExperimentConfig) => cacheKey(config);

export async function toolVersion(): Promise<{ name: string; version: string }> {
  const json = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: json.name, version: json.version };
}

/** Every `shard-I-of-N.json` manifest in `dirs`, parsed (not yet checked against a config). */
export async function findShards(dirs: readonly string[]): Promise<FoundShard[]> {
  const found: FoundShard[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      throw new ShardError(`${dir}: cannot read the shard folder (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    const manifests = names.filter((name) => /^shard-\d+-of-\d+\.json$/.test(name)).sort();
    if (manifests.length === 0) throw new ShardError(`${dir}: no shard manifest (shard-I-of-N.json) in this folder`);
    for (const name of manifests) {
      const where = join(dir, name);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(where, 'utf8'));
      } catch (error) {
        throw new ShardError(`${where}: corrupt manifest (${(error as Error).message})`);
      }
      found.push({ where, manifest: parseShardManifest(json, where) });
    }
  }
  return found;
}

/** The folder a manifest lies in: its entries are beside it. */
export const shardFolder = (found: FoundShard) => dirname(found.where);

/**
 * Reads every entry a shard lists and checks it: present, the listed size and SHA-256, and a cache
 * entry for its key. Returns key → the entry's file (read one at a time, so a merge of hundreds of
 * models does not hold them all twice); throws a ShardError naming the shard and the model.
 */
export async function checkShardEntries(found: FoundShard): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const name = `${found.where} (${shardName(found.manifest.shard)})`;
  for (const model of found.manifest.models) {
    const path = join(shardFolder(found), model.file);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      throw new ShardError(`${name} is incomplete: reference model ${model.index}'s file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    if (bytes.length !== model.bytes || sha256(bytes) !== model.sha256 || !decodeEntry(model.key, bytes)) {
      throw new ShardError(`${name} is corrupt: reference model ${model.index}'s file ${path} does not match its manifest (size or SHA-256)`);
    }
    entries.set(model.key, path);
  }
  return entries;
}

/**
 * A subcommand's exit code: 2 with the message (and the usage, for a bad flag) when the input is
 * wrong (a flag, the config, a shard); any other error goes on to lab.ts (exit 1, or 130 on Ctrl-C).
 */
export async function withExitCodes(name: string, usage: string, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ShardError || error instanceof ConfigError)) throw error;
    console.error(`lab ${name}: ${error.message}`);
    if (error instanceof UsageError) console.error(`\n${usage}`);
    return 2;
  }
}
