/**
 * Letting the event loop in during long loops: progress events, cancel and pause messages get
 * through, and a page stays responsive. tf.nextFrame waits for an animation frame in browsers,
 * workers included, which caps training at 60 batches a second (a small MLP's batch takes ~2 ms
 * on wasm: npm run bench measured the cap); a macrotask every ~20 ms costs almost nothing.
 */
type SetTimeout = (callback: () => void, ms: number) => unknown;

const INTERVAL_MS = 20;
let lastYield = Date.now();

/** Yields to the event loop if the last yield was more than ~20 ms ago. */
export async function yieldSometimes(): Promise<void> {
  if (Date.now() - lastYield < INTERVAL_MS) return;
  await new Promise<void>((resolve) => (globalThis as unknown as { setTimeout: SetTimeout }).setTimeout(resolve, 0));
  lastYield = Date.now();
}
