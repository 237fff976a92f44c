/**
 * Results made ahead, so a stepped slider or a defense's switch answers before the hand leaves it.
 * After a change that needed no training moved one number (rounding from 2 to 3 decimals, the
 * noise's σ from 0.05 to 0.1), the worker makes the result of the next step the same way (4
 * decimals, σ = 0.15), and of the step back when it is not held. After every result it makes those
 * of the switches that need no training (each output defense turned on or off), while the student
 * looks at this one. The step or switch then shows as a repeat does, without the worker. Any other
 * change runs when it is made.
 */
import { parseExperimentConfig, type ExperimentConfig } from '../../core/config';
import { DEFENSE_IDS } from '../../core/defenses/registry';
import type { ExperimentResult } from '../../core/experiment';
import { configHash } from '../../core/hash';
import { toggleDefense } from '../defenses/defense-settings';
import { applyPatch, isPlainObject } from './config-store';
import { setPath } from './url-hash';

/** Results made ahead and not yet asked for, newest last. */
const made = new Map<string, ExperimentResult>();
/** How many are held: a step ahead and a step back, the four output defenses' switches, and two before. */
export const HELD = 8;

export function keepAhead(config: ExperimentConfig, result: ExperimentResult): void {
  const hash = configHash(config);
  made.delete(hash);
  made.set(hash, result);
  performance.mark('mia:ahead-kept', { detail: hash });
  for (const oldest of made.keys()) {
    if (made.size <= HELD) break;
    made.delete(oldest);
  }
}

/** The result made ahead for `hash`, taken out of the hold. */
export function takeAhead(hash: string): ExperimentResult | undefined {
  const result = made.get(hash);
  made.delete(hash);
  return result;
}

export function isHeldAhead(hash: string): boolean {
  return made.has(hash);
}

type Path = readonly string[];
type Difference = { readonly path: Path; readonly from: number; readonly to: number } | { readonly path: Path; readonly from?: undefined };

/** Where `a` and `b` differ, leaf by leaf (an array that differs at all is one difference); stops after two. */
function differences(a: unknown, b: unknown, path: Path, out: Difference[]): void {
  if (out.length > 1 || Object.is(a, b)) return;
  if (typeof a === 'number' && typeof b === 'number') {
    out.push({ path, from: a, to: b });
  } else if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) differences(a[key], b[key], [...path, key], out);
  } else if (!(Array.isArray(a) && Array.isArray(b) && JSON.stringify(a) === JSON.stringify(b))) {
    out.push({ path });
  }
}

/** The one number `after` changed in `before`, if that is all that changed. */
export function singleNumberChange(before: ExperimentConfig, after: ExperimentConfig): { readonly path: Path; readonly from: number; readonly to: number } | undefined {
  const found: Difference[] = [];
  differences(before, after, [], found);
  const [only] = found;
  return found.length === 1 && only.from !== undefined ? only : undefined;
}

function withValue(config: ExperimentConfig, path: Path, value: number): unknown {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  setPath(copy, path, value);
  return copy;
}

/**
 * The configs one more step of the same change away from `after`: forward, then back (the step
 * back is usually held already). Only valid configs that `wanted` accepts (needs no training, not
 * held); a step's float error is rounded off (0.1 + 0.05 is 0.15, as the slider would give). Two
 * steps forward were tried: on two cores the second one's making slowed the page drawing the
 * first (bench: steps shown 119–150 ms after the change, against 45–80 ms), and every jump.
 */
export function nextSteps(before: ExperimentConfig, after: ExperimentConfig, wanted: (config: ExperimentConfig) => boolean): ExperimentConfig[] {
  const change = singleNumberChange(before, after);
  if (!change) return [];
  const step = change.to - change.from;
  return [change.to + step, change.to - step].flatMap((value) => {
    try {
      const config = parseExperimentConfig(withValue(after, change.path, Number(value.toPrecision(12))));
      return wanted(config) ? [config] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The configs one defense switch away from `config`, each as the switch would make it (on at its
 * settings, or off), in registry order; only valid ones that `wanted` accepts (the caller keeps those that
 * need no training: the output defenses' switches).
 */
export function nextToggles(config: ExperimentConfig, wanted: (config: ExperimentConfig) => boolean): ExperimentConfig[] {
  return DEFENSE_IDS.flatMap((id) => {
    try {
      const next = parseExperimentConfig(applyPatch(config, { defenses: toggleDefense(config.defenses, id, config.defenses[id] === undefined) }));
      return wanted(next) ? [next] : [];
    } catch {
      // A switch the config refuses (mixup beside DP-SGD): the page would say why; nothing to make.
      return [];
    }
  });
}
