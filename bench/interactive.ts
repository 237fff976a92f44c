/**
 * How soon the lab answers a control that needs no training, in headless Chromium on the built
 * app: a run of 1,000 records per part with the metric and reference attacks trains once, then an
 * output defense is changed several times on the page and each time we measure from the change
 * to the redrawn results table (the table shows the new run, and it trained nothing).
 * Median over the changes. Runnable alone: `npx tsx bench/interactive.ts`.
 *
 * The same build also times the default app experiment end to end, plain and with DP-SGD (click
 * on Run to the drawn table, nothing cached): `npx tsx bench/interactive.ts --experiments`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview } from 'vite';
import { DEFAULT_CONFIG, parseExperimentConfig, type ExperimentConfig } from '../src/core/config';
import { DEFENSES } from '../src/core/defenses/registry';
import { configToHash } from '../src/app/state/url-hash';

/**
 * Timed changes of one control. The app makes the next step of a stepped control ahead
 * (src/app/state/ahead.ts), so a series of steps mostly times results made ahead, and a series of
 * jumps times results made when asked.
 */
export interface RedrawSeries {
  /**
   * Milliseconds from each output-defense change to the redrawn table on screen, timed in the page:
   * from the input event's timestamp to the first task after the frame that showed the new table
   * (what the student sees; Playwright's own round trips are not in it).
   */
  readonly redrawMs: readonly number[];
  readonly medianMs: number;
  /** The same change as Playwright sees it: before its `fill` to its `requestAnimationFrame` answer after the table changed (round trips included). */
  readonly harnessMs: readonly number[];
  readonly harnessMedianMs: number;
  /** Milliseconds from each change (the input event) to the frame after the last chart was redrawn too (everything on screen). */
  readonly everythingMs: readonly number[];
  readonly everythingMedianMs: number;
  /**
   * Medians of where each redraw's time went, from the input event and the app's User Timing marks
   * (mia:*): the page before the run starts, the worker's run (message to answer), the page's render
   * of the results, and the rest until the frame is painted.
   */
  readonly phasesMs: { readonly beforeRun: number; readonly worker: number; readonly render: number; readonly toFrame: number };
  /** How many of the changes were shown from a result made ahead (no run; the phases are of the others). */
  readonly madeAhead: number;
}

export interface InteractiveBench extends RedrawSeries {
  readonly records: number;
  readonly attacks: readonly string[];
  readonly referenceModels: number;
  /** Seconds of the first, training run (click to table). */
  readonly trainSeconds: number;
  /** The fields above: rounding stepped from 2 to 6 decimals. These: top-k's k jumped (JUMPS), no step made ahead. */
  readonly jumps: RedrawSeries;
  /** Output defenses switched (TOGGLES), each after a pause of TOGGLE_PAUSE_MS: the page makes every switch's result ahead. */
  readonly toggles: RedrawSeries;
}

/** A timed change: a value filled into a number field, or a switch turned on or off. */
export type Change = { readonly testId: string; readonly fill: string } | { readonly testId: string; readonly check: boolean };

/** Switches after the jumps (rounding at 6 decimals and top-k on): each one a config not seen before. */
export const TOGGLES: readonly Change[] = [
  { testId: 'defense-output-noise', check: true },
  { testId: 'defense-top-k', check: false },
  { testId: 'defense-rounding', check: false },
  { testId: 'defense-label-only', check: true },
  { testId: 'defense-output-noise', check: false },
];

/**
 * Before each switch, the student reads the result on screen: the time the page has to make the
 * switches' results ahead (about 0.15 s each for the four output defenses here).
 */
export const TOGGLE_PAUSE_MS = 1_000;

/** top-k's k after its default of 3: no value is the step the change before it predicts (ahead.ts). */
export const JUMPS = ['7', '2', '9', '5', '8'];

export const INTERACTIVE_CONFIG = parseExperimentConfig({
  seed: 0,
  partSize: 1000,
  target: { architecture: 'mlp', epochs: 30 },
  // The re-attack's cost grows with the number of reference models, not with their epochs.
  reference: { count: 16, epochs: 3 },
  attacks: ['random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy', 'lira-online', 'lira-offline', 'rmia', 'rmia-online', 'similarity'],
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Throws when the build in `outDir` holds React's development build (its key warning is only there). */
async function refuseDevelopmentReact(outDir: string): Promise<void> {
  const assets = join(outDir, 'assets');
  for (const name of await readdir(assets)) {
    if (name.endsWith('.js') && (await readFile(join(assets, name), 'utf8')).includes('should have a unique "key" prop')) {
      throw new Error(`the app was built with React's development build (${name}): the timings would not be a user's`);
    }
  }
}

/** Builds the app, serves the build and starts headless Chromium for `use`; a string when there is no Chromium. */
async function withBuiltApp<T>(use: (browser: Browser, baseUrl: string) => Promise<T>): Promise<T | string> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath}: skipped`;
  const root = join(import.meta.dirname, '..');
  const outDir = await mkdtemp(join(tmpdir(), 'mia-lab-bench-'));
  // A Vite dev server earlier in this process (bench/chromium.ts, in `npm run bench`) leaves
  // NODE_ENV=development behind, and a build then bundles React's development build, which renders
  // several times slower (these rows read 36–74 ms for the results' render there, 7–13 alone).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  await refuseDevelopmentReact(outDir);
  const server = await preview({ root, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  try {
    return await use(browser, server.resolvedUrls?.local[0] ?? '');
  } finally {
    await browser.close();
    await server.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * The time of the first frame after every chart queued since `t0` was drawn (QueuedDraw.tsx marks
 * mia:chart-queued and mia:charts-drawn), confirmed on the frame after it, since a chart is queued
 * from an effect just after the table commits.
 */
/**
 * Installed before each change: the input event's timestamp (the change itself, in the page's
 * clock), and the first task after the frame that shows a fresh table for a run other than
 * `previous` (a task queued from requestAnimationFrame runs after that frame's paint).
 */
const armRedraw = (previous: string | null) => `(() => {
  const state = (window.__miaRedraw = {});
  document.addEventListener('input', (event) => { state.input ??= event.timeStamp; }, { capture: true });
  const observer = new MutationObserver(() => {
    const s = document.querySelector('[data-testid="result-summary"]');
    if (!s || s.dataset.run === ${JSON.stringify(previous)} || s.dataset.stale !== 'false') return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { state.painted = performance.now(); }));
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-run', 'data-stale'] });
})()`;

async function chartsDrawnAfter(page: Page, t0: number): Promise<number> {
  const check = `new Promise((resolve) => requestAnimationFrame(() => {
    const at = (name) => Math.max(-Infinity, ...performance.getEntriesByName(name).map((m) => m.startTime).filter((t) => t >= ${t0}));
    resolve([performance.now(), at('mia:chart-queued') <= at('mia:charts-drawn') || at('mia:chart-queued') === -Infinity]);
  }))`;
  let drawnAt: number | undefined;
  for (;;) {
    const [now, drawn] = await page.evaluate<[number, boolean]>(check);
    if (drawn && drawnAt !== undefined) return drawnAt;
    drawnAt = drawn ? now : undefined;
  }
}

async function measureRedraw(browser: Browser, baseUrl: string, log: (line: string) => void, changes: number): Promise<InteractiveBench> {
  const page = await browser.newPage();
  try {
    page.setDefaultTimeout(600_000);
    await page.goto(`${baseUrl}${configToHash(INTERACTIVE_CONFIG, 'wasm')}`);
    await page.getByTestId('run').waitFor();
    log('  interactive: training the target, a shadow and 16 reference models in the browser…');
    const started = Date.now();
    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor({ timeout: 1_800_000 });
    const trainSeconds = (Date.now() - started) / 1000;
    await page.getByTestId('results-table').waitFor();
    const summary = page.getByTestId('result-summary');
    /** After a change: the table shows a new run (another hash), fresh, and nothing was trained. */
    const redrawn = async (previous: string | null) => {
      await page.waitForFunction(
        `(() => { const s = document.querySelector('[data-testid="result-summary"]'); return s && s.dataset.run !== ${JSON.stringify(previous)} && s.dataset.stale === 'false'; })()`,
      );
      const trained = await page.getByTestId('run-status').getAttribute('data-epochs-trained');
      if (trained !== '0') throw new Error(`the change trained ${trained} epochs; it should have trained none`);
    };
    /** A change not timed: a defense switched on. */
    const check = async (testId: string) => {
      const previous = await summary.getAttribute('data-run');
      await page.getByTestId(testId).check();
      await redrawn(previous);
    };
    /** Each change in turn, after `pauseMs`, every change timed. */
    const series = async (changes: readonly Change[], pauseMs = 0): Promise<RedrawSeries> => {
      const redrawMs: number[] = [];
      const harnessMs: number[] = [];
      const everythingMs: number[] = [];
      const phases: InteractiveBench['phasesMs'][] = [];
      let madeAhead = 0;
      for (const change of changes) {
        await page.waitForTimeout(pauseMs);
        const previous = await summary.getAttribute('data-run');
        await page.evaluate('performance.clearMarks()');
        // Strings, not functions: the bench compiles without the DOM's types.
        await page.evaluate(armRedraw(previous));
        const t0 = await page.evaluate<number>('performance.now()');
        const control = page.getByTestId(change.testId);
        await ('fill' in change ? control.fill(change.fill) : control.setChecked(change.check));
        await redrawn(previous);
        const t1 = await page.evaluate<number>(`new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())))`);
        harnessMs.push(t1 - t0);
        await page.waitForFunction('window.__miaRedraw.painted !== undefined');
        const { input, painted } = await page.evaluate<{ input: number; painted: number }>('window.__miaRedraw');
        if (!(input >= t0)) throw new Error('the page saw no input event for the change');
        redrawMs.push(painted - input);
        everythingMs.push((await chartsDrawnAfter(page, input)) - input);
        const marks = new Map(await page.evaluate<[string, number][]>(`performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])`));
        const at = (name: string) => marks.get(`mia:${name}`) ?? NaN;
        // A result made ahead (src/app/state/ahead.ts) is shown without a run: no worker phase.
        if (!marks.has('mia:run-start')) madeAhead++;
        else phases.push({ beforeRun: at('run-start') - input, worker: at('run-answered') - at('run-start'), render: at('results-drawn') - at('run-answered'), toFrame: painted - at('results-drawn') });
      }
      return {
        redrawMs,
        medianMs: median(redrawMs),
        harnessMs,
        harnessMedianMs: median(harnessMs),
        everythingMs,
        everythingMedianMs: median(everythingMs),
        madeAhead,
        phasesMs: {
          beforeRun: median(phases.map((p) => p.beforeRun)),
          worker: median(phases.map((p) => p.worker)),
          render: median(phases.map((p) => p.render)),
          toFrame: median(phases.map((p) => p.toFrame)),
        },
      };
    };
    // Rounding to 2, 3, … 6 decimals: a new config each time, the models unchanged; each step after
    // the first is the step the one before it predicts.
    await check('defense-rounding');
    const stepped = await series(Array.from({ length: changes }, (_, i) => ({ testId: 'defense-rounding-decimals', fill: String(2 + (i % 5)) })));
    // Then top-k's k, jumped to values no step predicts (3 → 7 → 2 → 9 → 5 → 8): each made when asked.
    await check('defense-top-k');
    const jumps = await series(JUMPS.map((k) => ({ testId: 'defense-top-k-k', fill: k })));
    // Then switches, each after a pause to read the result: each made ahead while the student reads.
    const toggles = await series(TOGGLES, TOGGLE_PAUSE_MS);
    return {
      records: INTERACTIVE_CONFIG.partSize,
      attacks: INTERACTIVE_CONFIG.attacks,
      referenceModels: INTERACTIVE_CONFIG.reference.count,
      trainSeconds,
      ...stepped,
      jumps,
      toggles,
    };
  } finally {
    await page.close();
  }
}

/**
 * The default app experiment (DEFAULT_CONFIG), plain and with DP-SGD at the defaults the app's
 * defense switch writes (the registry's, as toggleDefense does), on wasm: what auto picks where
 * WebGPU is a software adapter, as on these machines.
 */
export const APP_EXPERIMENTS: readonly AppExperiment[] = [
  { label: 'default app experiment', config: DEFAULT_CONFIG },
  { label: 'default app experiment + DP-SGD (app defaults)', config: parseExperimentConfig({ defenses: { 'dp-sgd': { ...DEFENSES['dp-sgd'].defaults } } }) },
];

export interface AppExperiment {
  readonly label: string;
  readonly config: ExperimentConfig;
}

export interface AppExperimentTiming extends AppExperiment {
  /**
   * Click on Run to the drawn results table, each repeat in a fresh browser context, the click made
   * once the page's warm-up (worker, backend, dataset, training workers) said it was ready: the
   * frame after the bench saw the run done and the table in the page. Long tasks (the charts
   * rendering) can delay both; `paintedSeconds` is the first frame with the table in it.
   */
  readonly seconds: readonly number[];
  /** Click to the first frame painted with the results table in the DOM (seen from inside the page). */
  readonly paintedSeconds: readonly number[];
  /** Page load (navigation start) to the warm-up's end: what the click found ready. */
  readonly warmSeconds: readonly number[];
  /** What the page says about the defenses it ran: the summary's heading and the accountant's line (DP-SGD only). */
  readonly shown: { readonly defenses?: string; readonly accountant?: string; readonly stages?: string };
  /** Why a repeat failed; the repeats before it are kept. */
  readonly error?: string;
  /** The last repeat's User Timing marks (mia:*) of the page and its workers, in ms after the click, in order. */
  readonly timeline?: readonly TimelineMark[];
}

export interface TimelineMark {
  /** Where the mark was made: the page, the experiment worker, or a training (pool) worker. */
  readonly where: string;
  readonly name: string;
  /** Milliseconds after the click on Run (negative: before it, e.g. a warm-up at page load). */
  readonly ms: number;
}

/**
 * Installed before the click: a mark when the results table enters the DOM, and one per long task
 * of the page's main thread (over 50 ms: what delays the frame that shows the table).
 */
const PAGE_OBSERVERS = `(() => {
  new MutationObserver((_, observer) => {
    if (!document.querySelector('[data-testid="results-table"]')) return;
    performance.mark('mia:bench-table-in-dom');
    observer.disconnect();
    // The next frame's callbacks run before its paint; a task queued from there runs after it.
    requestAnimationFrame(() => setTimeout(() => performance.mark('mia:bench-table-painted')));
  }).observe(document.body, { childList: true, subtree: true });
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) performance.mark('mia:long-task ' + Math.round(task.duration) + ' ms', { startTime: task.startTime });
  }).observe({ type: 'longtask' });
})()`;

const MARKS_EXPRESSION = `[performance.timeOrigin, performance.getEntriesByType('mark').filter((m) => m.name.startsWith('mia:')).map((m) => [m.name, m.startTime])]`;

/**
 * Every mia:* mark of the page and of each worker still alive, on one clock: each context's
 * timeOrigin plus the mark's time, minus the click's.
 */
async function collectTimeline(page: Page, clickAt: number): Promise<TimelineMark[]> {
  const contexts: { where: string; read: () => Promise<[number, [string, number][]]> }[] = [
    { where: 'page', read: () => page.evaluate<[number, [string, number][]]>(MARKS_EXPRESSION) },
    ...page.workers().map((worker) => ({ where: worker.url().includes('train') ? 'training worker' : 'experiment worker', read: () => worker.evaluate<[number, [string, number][]]>(MARKS_EXPRESSION) })),
  ];
  const marks: TimelineMark[] = [];
  for (const { where, read } of contexts) {
    const [origin, entries] = await read().catch(() => [0, []] as [number, [string, number][]]);
    for (const [name, at] of entries) marks.push({ where, name: name.slice(4), ms: Math.round(origin + at - clickAt) });
  }
  return marks.sort((a, b) => a.ms - b.ms);
}

/** The page must show the run we asked for: DP-SGD in the defense summary when on, no defense summary when off. */
async function shownDefenses(page: Page, experiment: AppExperiment): Promise<AppExperimentTiming['shown']> {
  const headings = await page.locator('[data-testid="defense-summary"] h3').allTextContents();
  const dp = experiment.config.defenses['dp-sgd'] !== undefined;
  if (dp && !headings.some((h) => h.includes('DP-SGD'))) throw new Error(`${experiment.label}: the results do not show DP-SGD (defense summary: ${headings.join(' | ') || 'none'})`);
  if (!dp && headings.length > 0) throw new Error(`${experiment.label}: the results show defenses (${headings.join(' | ')}) on a run without any`);
  const accountant = dp ? ((await page.getByTestId('accountant-epsilon').textContent()) ?? undefined) : undefined;
  return { defenses: headings[0], accountant: accountant?.replace(/\s+/g, ' ').trim() };
}

/**
 * Each experiment in a fresh browser context (its own IndexedDB: no dataset, model or logit cache
 * from an earlier run), timed from the click on Run to the results table on screen.
 */
async function measureExperiments(browser: Browser, baseUrl: string, log: (line: string) => void, repeats: number, only?: (experiment: AppExperiment) => boolean): Promise<AppExperimentTiming[]> {
  const timings: AppExperimentTiming[] = [];
  for (const experiment of APP_EXPERIMENTS.filter(only ?? (() => true))) {
    const seconds: number[] = [];
    const paintedSeconds: number[] = [];
    const warmSeconds: number[] = [];
    let shown: AppExperimentTiming['shown'] = {};
    let timeline: TimelineMark[] | undefined;
    let error: string | undefined;
    for (let r = 0; r < repeats && error === undefined; r++) {
      log(`  app: ${experiment.label} (${r + 1}/${repeats})…`);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(600_000);
        await page.goto(`${baseUrl}${configToHash(experiment.config, 'wasm')}`);
        await page.getByTestId('run').waitFor();
        // The click a user makes after looking at the controls: the warm-up (main.tsx) is over.
        await page.waitForFunction(`performance.getEntriesByName('mia:warm-ready').length > 0`, undefined, { timeout: 120_000 });
        const warmedAt = await page.evaluate<number>(`performance.getEntriesByName('mia:warm-ready')[0].startTime`);
        await page.evaluate(PAGE_OBSERVERS);
        const [t0, origin] = await page.evaluate<[number, number]>('[performance.now(), performance.timeOrigin]');
        await page.getByTestId('run').click();
        const ended = page.locator(['done', 'error', 'crashed', 'cancelled'].map((status) => `[data-testid="run-status"][data-status="${status}"]`).join(', '));
        await ended.waitFor({ timeout: 1_800_000 });
        const status = await ended.getAttribute('data-status');
        if (status !== 'done') throw new Error(`the run ended ${status}: ${(await page.getByTestId('run-status').textContent())?.trim()}`);
        await page.getByTestId('results-table').waitFor();
        const t1 = await page.evaluate<number>(`new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())))`);
        await page.waitForFunction(`performance.getEntriesByName('mia:bench-table-painted').length > 0`);
        const painted = await page.evaluate<number>(`performance.getEntriesByName('mia:bench-table-painted')[0].startTime`);
        seconds.push((t1 - t0) / 1000);
        paintedSeconds.push((painted - t0) / 1000);
        warmSeconds.push(warmedAt / 1000);
        await page.evaluate(`performance.mark('mia:bench-frame', { startTime: ${t1} })`);
        timeline = await collectTimeline(page, origin + t0);
        shown = await shownDefenses(page, experiment);
        // Where the time went, as the run panel shows it (each stage's seconds).
        shown = {
          ...shown,
          stages: await page.evaluate<string>(
            `Array.from(document.querySelectorAll('li[data-testid^="stage-"][data-status="done"]')).map((li) => li.dataset.testid.slice(6) + ' ' + (li.querySelector('.stage-detail')?.textContent ?? '')).join(', ')`,
          ),
        };
      } catch (failure) {
        error = (failure as Error).message.split('\n')[0];
        for (const list of [seconds, paintedSeconds, warmSeconds]) list.length = Math.min(list.length, r);
      } finally {
        await context.close();
      }
    }
    timings.push({ ...experiment, seconds, paintedSeconds, warmSeconds, shown, ...(timeline ? { timeline } : {}), ...(error === undefined ? {} : { error }) });
  }
  return timings;
}

export interface AppBench {
  readonly interactive?: InteractiveBench;
  readonly experiments?: readonly AppExperimentTiming[];
}

/** One build and one Chromium for both: the redraw after a control change, and the app experiments. */
export async function runAppBench(
  log: (line: string) => void,
  what: { readonly redraw: boolean; readonly experiments: boolean; readonly repeats?: number; readonly only?: (experiment: AppExperiment) => boolean },
): Promise<AppBench | string> {
  return withBuiltApp(async (browser, baseUrl) => ({
    ...(what.experiments ? { experiments: await measureExperiments(browser, baseUrl, log, what.repeats ?? 1, what.only) } : {}),
    ...(what.redraw ? { interactive: await measureRedraw(browser, baseUrl, log, 5) } : {}),
  }));
}

export async function runInteractiveBench(log: (line: string) => void, changes = 5): Promise<InteractiveBench | string> {
  return withBuiltApp((browser, baseUrl) => measureRedraw(browser, baseUrl, log, changes));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npx tsx bench/interactive.ts --experiments`: the app experiments instead of the redraw;
  // `--experiments=plain` or `=dp` only one of them, `--repeats N` each N times.
  const flag = process.argv.find((arg) => arg.startsWith('--experiments'));
  const experiments = flag !== undefined;
  const which = flag?.split('=')[1];
  const only = which === undefined ? undefined : (experiment: AppExperiment) => (experiment.config.defenses['dp-sgd'] !== undefined) === (which === 'dp');
  const repeatsAt = process.argv.indexOf('--repeats');
  const repeats = repeatsAt > 0 ? Number(process.argv[repeatsAt + 1]) : 1;
  const result = await runAppBench((line) => console.log(line), { redraw: !experiments, experiments, repeats, ...(only ? { only } : {}) });
  console.log(JSON.stringify(result, null, 2));
}
