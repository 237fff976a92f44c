/**
 * Switching defenses on and off and moving their sliders, as pure changes to the config's
 * `defenses` section (the registry's ids and parameters; nothing is listed here by hand).
 */
import type { DefenseConfig, DefenseId, DefenseInfo, ParameterSpec } from '../../core/defenses/registry';
import { DEFENSES, DEFENSE_IDS } from '../../core/defenses/registry';

type Params = Record<string, number | string>;

/** The section with `id` on (its registry defaults written out, so the URL shows them) or off. */
export function toggleDefense(defenses: DefenseConfig, id: DefenseId, on: boolean): DefenseConfig {
  const next: Record<string, unknown> = {};
  // Registry order, so the URL and results list defenses the same way every time.
  for (const other of DEFENSE_IDS) {
    if (other === id) {
      if (on) next[id] = { ...(DEFENSES[id].defaults as Params), ...((defenses[id] as Params | undefined) ?? {}) };
    } else if (defenses[other] !== undefined) {
      next[other] = defenses[other];
    }
  }
  return next as DefenseConfig;
}

/** The section with one parameter of an active defense set. */
export function setDefenseParameter(defenses: DefenseConfig, id: DefenseId, name: string, value: number | string): DefenseConfig {
  const current = (defenses[id] as Params | undefined) ?? {};
  return { ...defenses, [id]: { ...current, [name]: value } } as DefenseConfig;
}

/** A parameter's value: the config's, else the registry default. */
export function parameterValue(defenses: DefenseConfig, info: DefenseInfo, name: string): number | string {
  const own = (defenses[info.id] as Params | undefined)?.[name];
  return own ?? (info.defaults as Params)[name];
}

/**
 * Slider bounds from the registry. An exclusive minimum (α > 0) starts the slider one step up;
 * `cap` narrows the maximum where another setting bounds it (the microbatch ≤ the batch size).
 */
export function sliderRange(parameter: Extract<ParameterSpec, { kind: 'integer' | 'number' }>, cap?: number): { min: number; max: number; step: number } {
  const min = parameter.exclusiveMin ? parameter.min + parameter.step : parameter.min;
  const max = cap !== undefined ? Math.max(min, Math.min(parameter.max, cap)) : parameter.max;
  return { min, max, step: parameter.step };
}

/** "lambda 0.001, rate 0.5": a defense's settings in words, for tables and legends. */
export function describeDefenses(defenses: DefenseConfig): string {
  const active = DEFENSE_IDS.filter((id) => defenses[id] !== undefined);
  if (active.length === 0) return 'no defense';
  return active
    .map((id) => {
      const info = DEFENSES[id] as DefenseInfo;
      const settings = info.parameters
        .filter((p) => p.kind !== 'enum')
        .map((p) => `${p.label} ${parameterValue(defenses, info, p.name)}`)
        .join(', ');
      return settings ? `${info.label} (${settings})` : info.label;
    })
    .join(' + ');
}
