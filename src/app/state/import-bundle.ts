/**
 * Importing an experiment bundle (`lab bundle`, core/bundle.ts): a run that was trained elsewhere,
 * perhaps with hundreds of reference models on a cluster. The whole file is decoded and checked
 * before anything is stored, so a corrupt or foreign bundle is refused by name and what IndexedDB
 * already holds is untouched. Its reference outputs go into the app's reference cache under the
 * engine's own keys, so a later run of the same experiment in the browser (other attacks, say)
 * trains no reference model.
 */
import type { AttackResult } from '../../core/attacks/evaluate';
import { BUNDLE_MAGIC, decodeBundle, type ExperimentBundle } from '../../core/bundle';
import type { ExperimentResult } from '../../core/experiment';
import { describeStorageError, indexedDbBlobCache, modelUrl, saveRun, type StoredRun } from '../../shared/storage/db';
import { ImportError, parseImportedFile } from './import-export';

/** True when `bytes` start like a bundle (the picker takes .json and .miab files alike). */
export function looksLikeBundle(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === BUNDLE_MAGIC;
}

export interface ImportedBundle {
  readonly bundle: ExperimentBundle;
  /** The run as the app keeps it, per-record scores and records included. */
  readonly run: StoredRun;
}

/** Decode and check a bundle file; throws a BundleError or ImportError that names the file. */
export function parseBundleFile(fileName: string, bytes: Uint8Array, now = Date.now()): ImportedBundle {
  const bundle = decodeBundle(bytes, fileName);
  const imported = parseImportedFile(fileName, bundle.resultsJson, now);
  if (imported.kind !== 'results') throw new ImportError(fileName, 'its results.json holds no results');
  const result = bundle.scoresCsv === undefined ? imported.run.result : withScores(imported.run.result, bundle.scoresCsv, fileName);
  return { bundle, run: { ...imported.run, result } };
}

/**
 * The per-record part of a result, from scores.csv (`index,member,label,<attack>…`, members first):
 * what the histograms and the Records view need and a results.json alone does not carry.
 */
function withScores(result: ExperimentResult, csv: string, fileName: string): ExperimentResult {
  const lines = csv.trim().split('\n');
  const header = lines[0].split(',');
  if (header.slice(0, 3).join() !== 'index,member,label') throw new ImportError(fileName, 'its scores.csv does not start with index,member,label');
  const rows = lines.slice(1).map((line) => line.split(','));
  const poolIndex = Int32Array.from(rows, (r) => Number(r[0]));
  const member = Uint8Array.from(rows, (r) => Number(r[1]));
  const label = Uint8Array.from(rows, (r) => Number(r[2]));
  const members = member.reduce((n, m) => n + m, 0);
  if (member.some((m, i) => m !== (i < members ? 1 : 0))) throw new ImportError(fileName, 'its scores.csv does not list members first');
  const attacks = result.attacks.map((attack): AttackResult => {
    const column = header.indexOf(attack.name);
    if (column < 0) return attack;
    const scores = Float64Array.from(rows, (r) => Number(r[column]));
    return { ...attack, memberScores: scores.slice(0, members), nonMemberScores: scores.slice(members) };
  });
  return { ...result, attacks, records: { poolIndex, member, label } };
}

/**
 * Check `bytes` as a bundle, then store it: the reference outputs in the reference cache, the
 * target's and shadows' weights where the worker keeps them (tf.io), the run in the results. Only
 * adds; a refused bundle stores nothing. Returns what to tell the user.
 */
export async function storeBundle(fileName: string, bytes: Uint8Array): Promise<{ run: StoredRun; problems: string[]; message: string }> {
  const { bundle, run } = parseBundleFile(fileName, bytes);
  const problems: string[] = [];
  const cache = indexedDbBlobCache((message) => problems.push(message));
  for (const reference of bundle.references) await cache.write(reference.key, reference.entry);
  let savedModels = 0;
  if (bundle.models.length > 0) {
    try {
      const { io } = await import('@tensorflow/tfjs');
      for (const model of bundle.models) {
        const artifacts = JSON.parse(model.artifacts) as { modelTopology: object; weightSpecs: import('@tensorflow/tfjs').io.WeightsManifestEntry[] };
        const weightData = model.weights.buffer.slice(model.weights.byteOffset, model.weights.byteOffset + model.weights.byteLength) as ArrayBuffer;
        const [role, index] = model.name.split('-');
        const [handler] = io.getSaveHandlers(modelUrl(run.hash, role, Number(index)));
        await handler.save?.({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData });
        savedModels++;
      }
    } catch (error) {
      problems.push(describeStorageError(error, "the bundle's model weights"));
    }
  }
  try {
    await saveRun(run);
  } catch (error) {
    problems.push(describeStorageError(error, "the bundle's results"));
  }
  const message =
    `${fileName}: ${run.config.reference.count} reference models' outputs, ${savedModels} models' weights and the results imported ` +
    `(made by ${bundle.tool.name} ${bundle.tool.version}); reference attacks on this experiment now need no training.`;
  return { run, problems, message };
}
