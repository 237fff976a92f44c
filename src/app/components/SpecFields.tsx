/**
 * Form fields generated from the config's schema (EXPERIMENT_CONFIG_SPEC): sections the lab has no
 * hand-made controls for (reference models, the ML attack, RMIA, defenses added later) still get
 * inputs with the schema's ranges, and a new config section appears here without UI changes.
 */
import { memo } from 'react';
import { EXPERIMENT_CONFIG_SPEC, type ExperimentConfig } from '../../core/config';
import type { FieldSpec } from '../../core/schema';
import { useConfigStore, type ConfigPatch } from '../state/config-store';
import { NumberField } from './NumberField';

/** "learningRate" → "Learning rate". */
export function humanise(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function sectionSpec(section: string): Readonly<Record<string, FieldSpec>> | undefined {
  const spec = EXPERIMENT_CONFIG_SPEC.kind === 'object' ? EXPERIMENT_CONFIG_SPEC.fields[section] : undefined;
  return spec?.kind === 'object' ? spec.fields : undefined;
}

/** Top-level object sections of the config. */
export function configSections(): string[] {
  if (EXPERIMENT_CONFIG_SPEC.kind !== 'object') return [];
  return Object.entries(EXPERIMENT_CONFIG_SPEC.fields)
    .filter(([, spec]) => spec.kind === 'object')
    .map(([key]) => key);
}

interface Props {
  readonly section: string;
  /** Fields shown elsewhere. */
  readonly exclude?: readonly string[];
  readonly title?: string;
}

const NONE: readonly string[] = [];

function SpecFieldsView({ section, exclude = NONE, title }: Props) {
  const values = useConfigStore((s) => (s.config as unknown as Record<string, Record<string, unknown> | undefined>)[section]);
  const update = useConfigStore((s) => s.update);
  const fields = sectionSpec(section);
  if (!fields || !values) return null;
  const commit = (key: string, value: unknown) => update({ [section]: { [key]: value } } as ConfigPatch);
  const shown = Object.entries(fields).filter(([key, spec]) => !exclude.includes(key) && spec.kind !== 'object' && spec.kind !== 'array');
  if (shown.length === 0) return null;
  return (
    <fieldset data-testid={`section-${section}`}>
      <legend>{title ?? humanise(section)}</legend>
      {shown.map(([key, spec]) => {
        const value = values[key];
        const id = `${section}-${key}`;
        switch (spec.kind) {
          case 'integer':
          case 'number':
            return (
              <NumberField
                key={key}
                label={humanise(key)}
                value={typeof value === 'number' ? value : Number.NaN}
                min={spec.min}
                max={spec.max}
                step={spec.kind === 'integer' ? 1 : 'any'}
                onCommit={(v) => commit(key, v)}
              />
            );
          case 'boolean':
            return (
              <div key={key} className="checkbox">
                <input id={id} type="checkbox" checked={value === true} onChange={(e) => commit(key, e.target.checked)} />
                <label htmlFor={id}>{humanise(key)}</label>
              </div>
            );
          case 'enum':
            return (
              <div key={key} className="field">
                <label htmlFor={id}>{humanise(key)}</label>
                <select id={id} value={String(value)} onChange={(e) => commit(key, e.target.value)}>
                  {spec.values.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </div>
            );
          default:
            return null;
        }
      })}
    </fieldset>
  );
}

/** Memoised: it reads its own section from the store, so a change to another section does not re-render it. */
export const SpecFields = memo(SpecFieldsView);

export type { ExperimentConfig };
