/**
 * `npx tsx scripts/long-tasks.ts [default|quick|both] [--dist DIR]`: builds the app (or serves DIR,
 * a build made before, so two builds can be compared back to back), serves it on 127.0.0.1 and
 * measures the page's main-thread long tasks (PerformanceObserver 'longtask': any task over 50 ms)
 * in Debian's headless Chromium during a default run (the app's default config, backend auto) and
 * during the quick "gap" suite. Prints count, longest and total per scenario, and the longest
 * tasks' start times relative to the click. The target (issue 10): none over 100 ms.
 * PROFILE=1 builds unminified and prints where the main thread spent its time (CDP CPU profile:
 * functions by self time and by inclusive time), to find what blocks it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type CDPSession, type Page } from 'playwright-core';
import { build, preview } from 'vite';
import { LONG_TASK_OBSERVER, readLongTasks, summariseLongTasks } from '../tests/browser/long-tasks';

const ROOT = join(import.meta.dirname, '..');
const which = process.argv[2] ?? 'both';

async function defaultRun(page: Page, base: string): Promise<void> {
  await page.goto(`${base}#backend=auto`);
  await page.getByTestId('run').waitFor();
  await page.evaluate(() => ((window as unknown as { __longTasks: unknown[] }).__longTasks.length = 0));
  await page.getByTestId('run').click();
  await page.locator('[data-testid="run-status"][data-status="done"]').waitFor({ timeout: 900_000 });
  await page.waitForTimeout(1_000);
}

async function suiteRun(page: Page, base: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${base}#view=suites&backend=wasm`);
  await page.getByTestId('suite').selectOption('gap');
  await page.evaluate(() => ((window as unknown as { __longTasks: unknown[] }).__longTasks.length = 0));
  await page.getByTestId('suite-start').click();
  await page.locator('[data-testid="suite-progress"][data-status="done"]').waitFor({ timeout: 900_000 });
  await page.waitForTimeout(1_000);
}

const PROFILE = process.env.PROFILE === '1';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self and inclusive milliseconds per function, from a CDP CPU profile. */
function printProfile(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node || ['(idle)', '(program)', '(garbage collector)'].includes(node.callFrame.functionName)) return;
    self.set(name(node), (self.get(name(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = name(byId.get(at)!);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
  });
  // Busy stretches (consecutive non-idle samples) over 80 ms, each with the components (capitalised
  // functions) that ran in it: what a long task was made of.
  const idle = (id: number) => ['(idle)', '(program)'].includes(byId.get(id)?.callFrame.functionName ?? '(idle)');
  let at = 0;
  let segmentStart = -1;
  let segment = new Map<string, number>();
  const segments: string[] = [];
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    at += (profile.timeDeltas[i] ?? 0) / 1000;
    if (idle(id)) {
      if (segmentStart >= 0 && at - segmentStart > 80) {
        const parts = [...segment].filter(([k]) => /^[A-Z]/.test(k)).sort((x, y) => y[1] - x[1]).slice(0, 8);
        segments.push(`    ${(at - segmentStart).toFixed(0)} ms at ${segmentStart.toFixed(0)}: ${parts.map(([k, v]) => `${k.split(' ')[0]} ${v.toFixed(0)}`).join(', ')}`);
      }
      segmentStart = -1;
      segment = new Map();
      return;
    }
    if (segmentStart < 0) segmentStart = at;
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const key = name(byId.get(up)!);
      if (seen.has(key)) continue;
      seen.add(key);
      segment.set(key, (segment.get(key) ?? 0) + ms);
    }
  });
  console.log(`  busy stretches over 80 ms:\n${segments.join('\n')}`);
  const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `    ${v.toFixed(0).padStart(6)} ms  ${k}`).join('\n');
  console.log(`  self time:\n${top(self, 25)}\n  inclusive time:\n${top(inclusive, 40)}`);
}

// `--dist DIR` serves a build made before (e.g. of another commit) instead of building this tree: two builds compared back to back.
const distAt = process.argv.indexOf('--dist');
const prebuilt = distAt > 0 ? process.argv[distAt + 1] : undefined;
const outDir = prebuilt ?? (await mkdtemp(join(tmpdir(), 'mia-longtasks-')));
if (!prebuilt) await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, ...(PROFILE ? { minify: false } : {}) } });
const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
const base = server.resolvedUrls?.local[0] ?? '';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
try {
  const context = await browser.newContext();
  await context.addInitScript(LONG_TASK_OBSERVER);
  const page = await context.newPage();
  for (const [name, scenario] of [['default run', defaultRun], ['quick gap suite', suiteRun]] as const) {
    if (which !== 'both' && !name.startsWith(which)) continue;
    const started = Date.now();
    let cdp: CDPSession | undefined;
    if (PROFILE) {
      cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    await scenario(page, base);
    if (cdp) printProfile((await cdp.send('Profiler.stop')).profile as never);
    const tasks = await readLongTasks(page);
    const summary = summariseLongTasks(tasks);
    console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, ${summary.count} long tasks, longest ${summary.longest.toFixed(0)} ms, ${summary.total.toFixed(0)} ms in total, over 100 ms: ${summary.over100}${summary.worst.length ? ` (${summary.worst.join('; ')})` : ''}`);
    console.log(`  longest at (ms after start): ${tasks.sort((a, b) => b.duration - a.duration).slice(0, 8).map((t) => `${t.duration.toFixed(0)}@${t.startTime.toFixed(0)}`).join(' ')}`);
  }
} finally {
  await browser.close();
  await server.close();
  if (!prebuilt) await rm(outDir, { recursive: true, force: true });
}
