/**
 * Finished runs, keyed by the hash of the config that produced them: this session's, those
 * restored from IndexedDB, and imported results files. Which one is on screen, and whether it
 * still matches the controls, is derived here too.
 */
import { create } from 'zustand';
import type { StoredRun } from '../../shared/storage/db';

export interface ResultsState {
  readonly runs: Readonly<Record<string, StoredRun>>;
  /** Hashes, oldest first. */
  readonly order: readonly string[];
  add(run: StoredRun): void;
  addMany(runs: readonly StoredRun[]): void;
  clear(): void;
}

function insert(state: Pick<ResultsState, 'runs' | 'order'>, run: StoredRun) {
  return {
    runs: { ...state.runs, [run.hash]: run },
    order: [...state.order.filter((hash) => hash !== run.hash), run.hash],
  };
}

export const useResultsStore = create<ResultsState>()((set) => ({
  runs: {},
  order: [],
  add: (run) => set((state) => insert(state, run)),
  addMany: (runs) =>
    set((state) => [...runs].sort((a, b) => a.finishedAt - b.finishedAt).reduce((acc, run) => insert(acc, run), { runs: state.runs, order: state.order })),
  clear: () => set({ runs: {}, order: [] }),
}));

export interface DisplayedRun {
  readonly run: StoredRun;
  /** True when the controls no longer describe the run on screen. */
  readonly stale: boolean;
}

/**
 * The run to show: the one the controls describe if it exists, else the one the user picked,
 * else the newest, marked stale.
 */
export function selectDisplayedRun(
  state: Pick<ResultsState, 'runs' | 'order'>,
  currentHash: string,
  selectedHash?: string,
): DisplayedRun | undefined {
  const exact = state.runs[currentHash];
  if (exact) return { run: exact, stale: false };
  const fallback = (selectedHash && state.runs[selectedHash]) || state.runs[state.order[state.order.length - 1]];
  return fallback ? { run: fallback, stale: true } : undefined;
}
