/**
 * `npm run lab -- bundle OUT --out FILE`: a merged experiment (`lab merge … --out OUT`) as one
 * checksummed file (core/bundle.ts) that the app imports: config, results, scores, the reference
 * models' outputs and masks, and the target's and shadows' weights.
 */
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_EXTENSION, decodeBundle, encodeBundle, type BundleModel, type BundleReference } from '../core/bundle';
import { decodeEntry } from '../core/cache';
import { parseExperimentConfig } from '../core/config';
import { ShardError } from '../core/shards';
import { MERGED_REFERENCES_FORMAT } from './merge';
import { UsageError } from './args';
import { experimentHash, sha256, toolVersion } from './shard-files';

export const BUNDLE_USAGE = `Usage: npm run lab -- bundle OUT --out FILE${BUNDLE_EXTENSION}

  Packs the merged experiment in OUT (from \`lab merge\`) into one checksummed file: config,
  results, scores, reference outputs and masks, target and shadow weights. Import it in the app
  (Import a file, or drop it on the page).`;

async function readText(path: string, optional = false): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error}); is this a folder \`lab merge\` wrote?`);
  }
}

/** OUT/references/: the manifest `lab merge` wrote and each entry, checked against it. */
async function readReferences(outDir: string, configHash: string, count: number): Promise<BundleReference[]> {
  const dir = join(outDir, 'references');
  const manifest = JSON.parse((await readText(join(dir, 'manifest.json'))) as string) as {
    format?: string;
    configHash?: string;
    models?: { index: number; key: string; file: string; sha256: string }[];
  };
  if (manifest.format !== MERGED_REFERENCES_FORMAT || !Array.isArray(manifest.models)) throw new ShardError(`${dir}/manifest.json: not a merged references manifest`);
  if (manifest.configHash !== configHash) throw new ShardError(`${dir}/manifest.json: made for another config than ${outDir}/config.json`);
  if (manifest.models.length !== count) throw new ShardError(`${dir}/manifest.json: ${manifest.models.length} models, the config has ${count}`);
  const references: BundleReference[] = [];
  for (const model of manifest.models) {
    const entry = new Uint8Array(await readFile(join(dir, model.file)));
    if (sha256(entry) !== model.sha256 || !decodeEntry(model.key, entry)) throw new ShardError(`${join(dir, model.file)}: reference model ${model.index}'s outputs are corrupt`);
    references.push({ index: model.index, key: model.key, entry });
  }
  return references;
}

/** OUT/models/NAME.json and NAME.weights.bin, as `lab merge` saved them. */
async function readModels(outDir: string): Promise<BundleModel[]> {
  const dir = join(outDir, 'models');
  const names = await readdir(dir).catch(() => [] as string[]);
  const models: BundleModel[] = [];
  for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
    const name = file.slice(0, -'.json'.length);
    models.push({ name, artifacts: (await readText(join(dir, file))) as string, weights: new Uint8Array(await readFile(join(dir, `${name}.weights.bin`))) });
  }
  return models;
}

/** The bundle of OUT, written to `file` and read back before it counts as done. */
export async function writeBundle(outDir: string, file: string): Promise<{ bytes: number; references: number; models: number }> {
  const config = parseExperimentConfig(JSON.parse((await readText(join(outDir, 'config.json'))) as string));
  const bundle = {
    config,
    resultsJson: (await readText(join(outDir, 'results.json'))) as string,
    scoresCsv: await readText(join(outDir, 'scores.csv'), true),
    referenceMasksCsv: await readText(join(outDir, 'reference-masks.csv'), true),
    references: await readReferences(outDir, experimentHash(config), config.reference.count),
    models: await readModels(outDir),
    tool: await toolVersion(),
    createdAt: new Date().toISOString(),
  };
  const bytes = encodeBundle(bundle);
  decodeBundle(bytes, file);
  await writeFile(`${file}.${process.pid}.tmp`, bytes);
  await rename(`${file}.${process.pid}.tmp`, file);
  return { bytes: bytes.length, references: bundle.references.length, models: bundle.models.length };
}

/** The `bundle` subcommand; returns the exit code. */
export async function bundleCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(BUNDLE_USAGE);
    return 0;
  }
  const at = argv.indexOf('--out');
  const file = at >= 0 ? argv[at + 1] : undefined;
  const rest = argv.filter((_, i) => i !== at && i !== at + 1);
  if (!file || file.startsWith('--')) throw new UsageError('--out FILE is required (the bundle to write)');
  if (rest.length !== 1 || rest[0].startsWith('--')) throw new UsageError(`bundle takes one merged folder OUT, got ${rest.length === 0 ? 'none' : rest.join(' ')}`);
  const written = await writeBundle(rest[0], file);
  console.log(`wrote ${file}: ${(written.bytes / 2 ** 20).toFixed(1)} MiB, ${written.references} reference models' outputs, ${written.models} models' weights`);
  return 0;
}
