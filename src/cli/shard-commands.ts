/** The subcommands beyond one machine: `references` (a shard), `merge` (the shards' experiment), `bundle` (one file for the app). */
import type { ProgressEvent } from '../core/experiment';
import { BUNDLE_USAGE, bundleCommand } from './bundle';
import { MERGE_USAGE, mergeCommand } from './merge';
import { REFERENCES_USAGE, referencesCommand } from './references';
import { withExitCodes } from './shard-files';

export async function runShardCommand(
  name: 'references' | 'merge' | 'bundle',
  argv: readonly string[],
  deps: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal },
): Promise<number> {
  switch (name) {
    case 'references': return withExitCodes(name, REFERENCES_USAGE, () => referencesCommand(argv, process.env, deps.signal));
    case 'merge': return withExitCodes(name, MERGE_USAGE, () => mergeCommand(argv, deps));
    case 'bundle': return withExitCodes(name, BUNDLE_USAGE, () => bundleCommand(argv));
  }
}
