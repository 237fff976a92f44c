/**
 * The settings the user chose (not the ones behind the result on screen: see results-store).
 * The config in here is always valid; a refused change leaves it as it was and lists the problems.
 */
import { create } from 'zustand';
import { DEFAULT_CONFIG, parseExperimentConfig, presetConfig, type ExperimentConfig } from '../../core/config';

/**
 * A change to the config: top-level values replace, object sections (target, shadow, reference, …)
 * merge one level deep, and the dataset and defenses sections are replaced whole (switching to a
 * built-in drops the file list; switching a defense off removes its entry).
 */
const WHOLE_SECTIONS: readonly string[] = ['dataset', 'defenses'];

export type ConfigPatch = {
  readonly [K in keyof ExperimentConfig]?: K extends 'dataset' | 'defenses'
    ? ExperimentConfig[K]
    : ExperimentConfig[K] extends readonly unknown[]
      ? ExperimentConfig[K]
      : ExperimentConfig[K] extends object
        ? Partial<ExperimentConfig[K]>
        : ExperimentConfig[K];
};

export interface ConfigState {
  readonly config: ExperimentConfig;
  /** Why the last change was refused; empty after an accepted one. */
  readonly problems: readonly string[];
  /** The preset the config came from, until it is edited. */
  readonly preset?: string;
  update(patch: ConfigPatch): boolean;
  /** Replace the config with an untrusted one (an imported file, a link); refuses it whole if invalid. */
  replace(input: unknown): boolean;
  applyPreset(name: string): boolean;
}

/** The full config after `patch`, not yet validated. Exported for tests. */
export function applyPatch(config: ExperimentConfig, patch: ConfigPatch): Record<string, unknown> {
  const next: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(patch)) {
    const current = (config as unknown as Record<string, unknown>)[key];
    const mergeable = !WHOLE_SECTIONS.includes(key) && isPlainObject(value) && isPlainObject(current);
    next[key] = mergeable ? { ...current, ...value } : value;
  }
  return next;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemsOf(error: unknown): readonly string[] {
  const listed = (error as { problems?: readonly string[] }).problems;
  return listed ?? [(error as Error).message];
}

export const useConfigStore = create<ConfigState>()((set, get) => ({
  config: DEFAULT_CONFIG,
  problems: [],
  update(patch) {
    try {
      // Every section is present, so parseExperimentConfig's "shadow follows target" rule never fires here.
      const config = parseExperimentConfig(applyPatch(get().config, patch));
      set({ config, problems: [], preset: undefined });
      return true;
    } catch (error) {
      set({ problems: problemsOf(error) });
      return false;
    }
  },
  replace(input) {
    try {
      set({ config: parseExperimentConfig(input), problems: [], preset: undefined });
      return true;
    } catch (error) {
      set({ problems: problemsOf(error) });
      return false;
    }
  },
  applyPreset(name) {
    try {
      set({ config: presetConfig(name), problems: [], preset: name });
      return true;
    } catch (error) {
      set({ problems: problemsOf(error) });
      return false;
    }
  },
}));

const TRAINING_KEYS = ['architecture', 'epochs', 'batchSize', 'learningRate'] as const;

/** Whether the shadow and reference sections train exactly like the target (the UI then shows one set of fields). */
export function trainsLikeTarget(config: ExperimentConfig): boolean {
  const sections = [config.shadow, (config as unknown as { reference?: Record<string, unknown> }).reference].filter(Boolean) as Record<string, unknown>[];
  return sections.every((section) => TRAINING_KEYS.every((key) => section[key] === config.target[key]));
}
