/**
 * How soon the lab answers a control that needs no training, in headless Chromium on the built
 * app: a run of 1,000 records per part with the metric and reference attacks trains once, then an
 * output defense is changed several times on the page and each time we measure from the change
 * to the redrawn results table (the table shows the new run, and it trained nothing).
 * Median over the changes. Runnable alone: `npx tsx bench/interactive.ts`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { parseExperimentConfig } from '../src/core/config';
import { configToHash } from '../src/app/state/url-hash';

export interface InteractiveBench {
  readonly records: number;
  readonly attacks: readonly string[];
  readonly referenceModels: number;
  /** Seconds of the first, training run (click to table). */
  readonly trainSeconds: number;
  /** Milliseconds from each output-defense change to the redrawn table. */
  readonly redrawMs: readonly number[];
  readonly medianMs: number;
}

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

export async function runInteractiveBench(log: (line: string) => void, changes = 5): Promise<InteractiveBench | string> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath}: skipped`;
  const root = join(import.meta.dirname, '..');
  const outDir = await mkdtemp(join(tmpdir(), 'mia-lab-bench-'));
  await build({ root, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`${server.resolvedUrls?.local[0] ?? ''}${configToHash(INTERACTIVE_CONFIG, 'wasm')}`);
    await page.getByTestId('run').waitFor();
    log('  interactive: training the target, a shadow and 16 reference models in the browser…');
    const started = Date.now();
    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor({ timeout: 1_800_000 });
    const trainSeconds = (Date.now() - started) / 1000;
    await page.getByTestId('results-table').waitFor();
    const redrawMs: number[] = [];
    const summary = page.getByTestId('result-summary');
    /** After a change: the table shows a new run (another hash), fresh, and nothing was trained. */
    const redrawn = async (previous: string | null) => {
      await page.waitForFunction(
        `(() => { const s = document.querySelector('[data-testid="result-summary"]'); return s && s.dataset.run !== ${JSON.stringify(previous)} && s.dataset.stale === 'false'; })()`,
      );
      const trained = await page.getByTestId('run-status').getAttribute('data-epochs-trained');
      if (trained !== '0') throw new Error(`the change trained ${trained} epochs; it should have trained none`);
    };
    let previous = await summary.getAttribute('data-run');
    await page.getByTestId('defense-rounding').check();
    await redrawn(previous);
    for (let i = 0; i < changes; i++) {
      // Rounding to 2, 3, … 6 decimals: a new config each time, the models unchanged.
      const decimals = String(2 + (i % 5));
      previous = await summary.getAttribute('data-run');
      const t0 = await page.evaluate<number>('performance.now()');
      await page.getByTestId('defense-rounding-decimals').fill(decimals);
      await redrawn(previous);
      // Strings, not functions: the bench compiles without the DOM's types.
      const t1 = await page.evaluate<number>(`new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())))`);
      redrawMs.push(t1 - t0);
    }
    return {
      records: INTERACTIVE_CONFIG.partSize,
      attacks: INTERACTIVE_CONFIG.attacks,
      referenceModels: INTERACTIVE_CONFIG.reference.count,
      trainSeconds,
      redrawMs,
      medianMs: median(redrawMs),
    };
  } finally {
    await browser.close();
    await server.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runInteractiveBench((line) => console.log(line));
  console.log(JSON.stringify(result, null, 2));
}
