/**
 * The experiment in the URL (TensorFlow Playground's idea): every config field as a readable
 * `path=value` pair, e.g. `#seed=0&dataset.name=mnist&partSize=1000&target.epochs=80&attacks=loss,entropy`,
 * plus the UI's backend choice. Typing comes from the config's own schema, so a field added to
 * EXPERIMENT_CONFIG_SPEC travels in the URL with no change here. Parsing goes through
 * parseExperimentConfig: a bad link is refused with the problems named, never half-applied.
 */
import { DEFAULT_CONFIG, EXPERIMENT_CONFIG_SPEC, parseExperimentConfig, type ExperimentConfig } from '../../core/config';
import type { FieldSpec } from '../../core/schema';
import { isBackendChoice, type BackendChoice } from '../../../workers/protocol';

/** URL keys that are not config fields. */
const BACKEND_KEY = 'backend';

function flatten(value: unknown, path: string, out: [string, string][]): void {
  if (Array.isArray(value)) {
    // Items are percent-encoded first so a comma inside one (a file name) survives the join.
    out.push([path, value.map((item) => encodeURIComponent(String(item))).join(',')]);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (child !== undefined) flatten(child, path ? `${path}.${key}` : key, out);
    }
  } else if (value !== undefined) {
    out.push([path, String(value)]);
  }
}

export function configToHash(config: ExperimentConfig, backend?: BackendChoice): string {
  const pairs: [string, string][] = [];
  flatten(config, '', pairs);
  if (backend) pairs.push([BACKEND_KEY, backend]);
  return `#${new URLSearchParams(pairs).toString()}`;
}

/** The schema entry at a dotted path, or undefined for a path the config does not have. */
function specAt(path: readonly string[]): FieldSpec | undefined {
  let spec: FieldSpec | undefined = EXPERIMENT_CONFIG_SPEC;
  for (const key of path) spec = spec?.kind === 'object' ? spec.fields[key] : undefined;
  return spec;
}

function parseValue(raw: string, spec: FieldSpec | undefined): unknown {
  switch (spec?.kind) {
    case 'integer':
    case 'number':
      // An empty or non-numeric value stays a string so validation names the field.
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'array':
      return raw === '' ? [] : raw.split(',').map((item) => parseValue(decodeURIComponent(item), spec.items));
    default:
      return raw;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

export type HashParse =
  | { readonly kind: 'empty'; readonly backend?: BackendChoice }
  | { readonly kind: 'config'; readonly config: ExperimentConfig; readonly backend?: BackendChoice }
  | { readonly kind: 'invalid'; readonly problems: readonly string[]; readonly backend?: BackendChoice };

/**
 * Read a location hash. Fields it leaves out come from the defaults, and a shadow section it
 * leaves out follows the target's (as in a config file).
 */
export function hashToConfig(hash: string, base: ExperimentConfig = DEFAULT_CONFIG): HashParse {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const raw: Record<string, unknown> = {};
  let backend: BackendChoice | undefined;
  const problems: string[] = [];
  let fields = 0;
  for (const [key, value] of params) {
    if (key === BACKEND_KEY) {
      if (isBackendChoice(value)) backend = value;
      else problems.push(`backend: must be one of auto, webgpu, webgl, wasm, cpu; got "${value}"`);
      continue;
    }
    const path = key.split('.');
    if (path.some((part) => part === '' || part === '__proto__' || part === 'constructor' || part === 'prototype')) {
      problems.push(`${key}: not a config field`);
      continue;
    }
    setPath(raw, path, parseValue(value, specAt(path)));
    fields++;
  }
  const withBackend = backend ? { backend } : {};
  if (problems.length > 0) return { kind: 'invalid', problems, ...withBackend };
  if (fields === 0) return { kind: 'empty', ...withBackend };
  try {
    return { kind: 'config', config: parseExperimentConfig(raw, base), ...withBackend };
  } catch (error) {
    const listed = (error as { problems?: readonly string[] }).problems;
    return { kind: 'invalid', problems: listed ?? [(error as Error).message], ...withBackend };
  }
}
