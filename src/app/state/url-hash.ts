/**
 * The experiment in the URL (TensorFlow Playground's idea): every config field as a readable
 * `path=value` pair, e.g. `#seed=0&dataset.name=mnist&partSize=1000&target.epochs=80&attacks=loss,entropy`,
 * plus the page's own keys: the backend choice, the view (lab or suites), a lesson and its step, and
 * the control groups a link hides or locks. Typing comes from the config's own schema, so a field added to
 * EXPERIMENT_CONFIG_SPEC travels in the URL with no change here. Parsing goes through
 * parseExperimentConfig: a bad link is refused with the problems named, never half-applied.
 */
import { DEFAULT_CONFIG, EXPERIMENT_CONFIG_SPEC, parseExperimentConfig, type ExperimentConfig } from '../../core/config';
import type { FieldSpec } from '../../core/schema';
import { isBackendChoice, type BackendChoice } from '../../../workers/protocol';

/** URL keys that are not config fields. */
const BACKEND_KEY = 'backend';
const VIEW_KEY = 'view';
const LESSON_KEY = 'lesson';
const STEP_KEY = 'step';
const HIDE_KEY = 'hide';
const LOCK_KEY = 'lock';

/** The pages of the app. */
export const VIEWS = ['lab', 'suites'] as const;
export type View = (typeof VIEWS)[number];

/**
 * Groups of controls a link may hide or lock (TensorFlow Playground's `*_hide` flags), so a
 * teacher's link shows only what the lesson is about.
 */
export const CONTROL_GROUPS = ['preset', 'dataset', 'partSize', 'seed', 'target', 'shadow', 'attacks', 'defenses', 'advanced', 'backend'] as const;
export type ControlGroup = (typeof CONTROL_GROUPS)[number];

/** What the URL says about the page besides the experiment. */
export interface PageState {
  readonly backend?: BackendChoice;
  /** Absent means the lab. */
  readonly view?: View;
  readonly lesson?: { readonly id: string; readonly step: number };
  readonly hide?: readonly ControlGroup[];
  readonly lock?: readonly ControlGroup[];
}

function flatten(value: unknown, path: string, out: [string, string][]): void {
  if (Array.isArray(value)) {
    // Items are percent-encoded first so a comma inside one (a file name) survives the join.
    out.push([path, value.map((item) => encodeURIComponent(String(item))).join(',')]);
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, child]) => child !== undefined);
    // An empty section still means something ("defenses.label-only": on, no settings): `path=`.
    if (entries.length === 0 && path) out.push([path, '']);
    for (const [key, child] of entries) flatten(child, path ? `${path}.${key}` : key, out);
  } else if (value !== undefined) {
    out.push([path, String(value)]);
  }
}

/** The page's keys, lesson first so a shared lesson link reads as one. */
function pagePairs(page: PageState): [string, string][] {
  const pairs: [string, string][] = [];
  if (page.lesson) pairs.push([LESSON_KEY, page.lesson.id], [STEP_KEY, String(page.lesson.step)]);
  if (page.view && page.view !== 'lab') pairs.push([VIEW_KEY, page.view]);
  if (page.hide && page.hide.length > 0) pairs.push([HIDE_KEY, page.hide.join(',')]);
  if (page.lock && page.lock.length > 0) pairs.push([LOCK_KEY, page.lock.join(',')]);
  return pairs;
}

export function configToHash(config: ExperimentConfig, backend?: BackendChoice, page: Omit<PageState, 'backend'> = {}): string {
  const pairs: [string, string][] = pagePairs(page);
  flatten(config, '', pairs);
  if (backend) pairs.push([BACKEND_KEY, backend]);
  return `#${new URLSearchParams(pairs).toString()}`;
}

function parseGroups(key: string, raw: string, problems: string[]): ControlGroup[] {
  const groups = raw.split(',').filter((g) => g !== '');
  const unknown = groups.filter((g) => !(CONTROL_GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) problems.push(`${key}: unknown control group(s) ${unknown.join(', ')} (known: ${CONTROL_GROUPS.join(', ')})`);
  return groups.filter((g): g is ControlGroup => (CONTROL_GROUPS as readonly string[]).includes(g));
}

/** Reads the page's keys; true when `key` was one of them. */
function readPageKey(key: string, value: string, page: { -readonly [K in keyof PageState]: PageState[K] }, problems: string[]): boolean {
  switch (key) {
    case BACKEND_KEY:
      if (isBackendChoice(value)) page.backend = value;
      else problems.push(`backend: must be one of auto, webgpu, webgl, wasm, cpu; got "${value}"`);
      return true;
    case VIEW_KEY:
      if ((VIEWS as readonly string[]).includes(value)) page.view = value as View;
      else problems.push(`view: must be one of ${VIEWS.join(', ')}; got "${value}"`);
      return true;
    case LESSON_KEY:
      page.lesson = { id: value, step: page.lesson?.step ?? 0 };
      return true;
    case STEP_KEY: {
      const step = Number(value);
      if (Number.isInteger(step) && step >= 0) page.lesson = { id: page.lesson?.id ?? '', step };
      else problems.push(`step: must be a whole number ≥ 0; got "${value}"`);
      return true;
    }
    case HIDE_KEY:
      page.hide = parseGroups(key, value, problems);
      return true;
    case LOCK_KEY:
      page.lock = parseGroups(key, value, problems);
      return true;
    default:
      return false;
  }
}

/** The schema entry at a dotted path, or undefined for a path the config does not have. */
function specAt(path: readonly string[]): FieldSpec | undefined {
  let spec: FieldSpec | undefined = EXPERIMENT_CONFIG_SPEC;
  for (const key of path) spec = spec?.kind === 'object' ? spec.fields[key] : undefined;
  return spec;
}

function parseValue(raw: string, spec: FieldSpec | undefined): unknown {
  switch (spec?.kind) {
    case 'object':
      // `path=`: an empty section ("defenses.label-only=" switches it on with its defaults).
      return raw === '' ? {} : raw;
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

/** Set `value` at `path` in `target`, making the sections on the way (an empty section never wipes one). */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  const existing = node[last];
  // An empty section never wipes fields already read for it.
  const isEmptySection = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
  if (isEmptySection && existing !== null && typeof existing === 'object') return;
  node[last] = value;
}

export type HashParse = PageState &
  (
    | { readonly kind: 'empty' }
    | { readonly kind: 'config'; readonly config: ExperimentConfig }
    | { readonly kind: 'invalid'; readonly problems: readonly string[] }
  );

/**
 * Read a location hash. Fields it leaves out come from the defaults, and a shadow section it
 * leaves out follows the target's (as in a config file).
 */
export function hashToConfig(hash: string, base: ExperimentConfig = DEFAULT_CONFIG): HashParse {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const raw: Record<string, unknown> = {};
  const page: { -readonly [K in keyof PageState]: PageState[K] } = {};
  const problems: string[] = [];
  let fields = 0;
  for (const [key, value] of params) {
    if (readPageKey(key, value, page, problems)) continue;
    const path = key.split('.');
    if (path.some((part) => part === '' || part === '__proto__' || part === 'constructor' || part === 'prototype')) {
      problems.push(`${key}: not a config field`);
      continue;
    }
    setPath(raw, path, parseValue(value, specAt(path)));
    fields++;
  }
  const withBackend = Object.fromEntries(Object.entries(page).filter(([, v]) => v !== undefined)) as PageState;
  if (problems.length > 0) return { kind: 'invalid', problems, ...withBackend };
  if (fields === 0) return { kind: 'empty', ...withBackend };
  try {
    return { kind: 'config', config: parseExperimentConfig(raw, base), ...withBackend };
  } catch (error) {
    const listed = (error as { problems?: readonly string[] }).problems;
    return { kind: 'invalid', problems: listed ?? [(error as Error).message], ...withBackend };
  }
}
