/**
 * A small declarative schema for plain JSON data. Config is data: one
 * description of every field drives validation, and every refusal names the field it refuses.
 */

export type FieldSpec =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'number'; readonly min: number; readonly max: number; readonly exclusiveMin?: boolean }
  | { readonly kind: 'string'; readonly minLength?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly items: FieldSpec; readonly minLength?: number; readonly unique?: boolean }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, FieldSpec>>; readonly optional?: readonly string[] };

/** A config that is refused; `problems` lists every field that is wrong, each naming its path. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Every problem with `value` against `spec`, each as "path: what is wrong". Empty when valid. */
export function findProblems(value: unknown, spec: FieldSpec, path: string): string[] {
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return [`${path}: expected a number, got ${describe(value)}`];
      if (spec.kind === 'integer' && !Number.isInteger(value)) return [`${path}: expected an integer, got ${value}`];
      const belowMin = spec.kind === 'number' && spec.exclusiveMin ? value <= spec.min : value < spec.min;
      if (belowMin || value > spec.max) {
        const open = spec.kind === 'number' && spec.exclusiveMin ? '(' : '[';
        return [`${path}: must be in ${open}${spec.min}, ${spec.max}], got ${value}`];
      }
      return [];
    }
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string, got ${describe(value)}`];
      if (value.length < (spec.minLength ?? 0)) return [`${path}: must not be empty`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected true or false, got ${describe(value)}`];
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        return [`${path}: must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}; got ${describe(value)}`];
      }
      return [];
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected an array, got ${describe(value)}`];
      if (value.length < (spec.minLength ?? 0)) return [`${path}: needs at least ${spec.minLength} item(s)`];
      const problems = value.flatMap((item, i) => findProblems(item, spec.items, `${path}[${i}]`));
      if (spec.unique && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
        problems.push(`${path}: items must not repeat`);
      }
      return problems;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return [`${path}: expected an object, got ${describe(value)}`];
      }
      const record = value as Record<string, unknown>;
      const problems: string[] = [];
      for (const key of Object.keys(record)) {
        if (!(key in spec.fields)) problems.push(`${path}.${key}: unknown field (known: ${Object.keys(spec.fields).join(', ')})`);
      }
      for (const [key, fieldSpec] of Object.entries(spec.fields)) {
        if (record[key] === undefined) {
          if (!spec.optional?.includes(key)) problems.push(`${path}.${key}: missing`);
          continue;
        }
        problems.push(...findProblems(record[key], fieldSpec, `${path}.${key}`));
      }
      return problems;
    }
  }
}

/** Deep merge of plain objects: `override`'s fields replace `base`'s; arrays are replaced whole. */
export function mergeDeep(base: unknown, override: unknown): unknown {
  const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isPlain(base) || !isPlain(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeDeep(base[key], value);
  return merged;
}
