/**
 * Letting the event loop in during long loops: progress events, cancel and pause messages get
 * through, and a page stays responsive. tf.nextFrame waits for an animation frame in browsers,
 * workers included, which caps training at 60 batches a second (a small MLP's batch takes ~2 ms
 * on wasm: npm run bench measured the cap); an unclamped macrotask (below) costs tens of
 * microseconds, so one every ~5 ms is about 1 % of a core.
 */
type Schedule = (callback: () => void) => void;
interface Port {
  onmessage: (() => void) | null;
  postMessage(message: undefined): void;
}
interface Scheduling {
  readonly setImmediate?: Schedule;
  readonly MessageChannel?: new () => { readonly port1: Port; readonly port2: Port };
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
}

/**
 * The next macrotask, without a clamp. A browser holds a setTimeout(0) set from inside a timer's
 * task for at least 4 ms once timers nest five deep (HTML, timer initialisation steps), and a
 * run's yields nest: a Chromium trace of a re-run after a top-k change showed the worker idle for
 * 4.1 ms at each of its yields. A message on a MessageChannel is not clamped; Node has setImmediate.
 */
const nextTask: Schedule = (() => {
  const scope = globalThis as unknown as Scheduling;
  const { setImmediate, MessageChannel } = scope;
  if (typeof setImmediate === 'function') return (callback) => setImmediate(callback);
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return (callback) => {
      waiting.push(callback);
      channel.port2.postMessage(undefined);
    };
  }
  return (callback) => scope.setTimeout(callback, 0);
})();

/**
 * How long work may hold the event loop. A message waits this long and one more step of work: a
 * run asked while the worker makes a result ahead (ahead.ts) waited 15–50 ms for it at 20 ms
 * (Chromium traces of top-k changes: the worker busy in tasks of 24–49 ms when the run came).
 */
const INTERVAL_MS = 5;

/** Resolves in the next macrotask, unclamped (above): for a loop that gives each step a task of its own. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => nextTask(resolve));
}

let lastYield = Date.now();

/** Yields to the event loop if the last yield was more than INTERVAL_MS ago. */
export async function yieldSometimes(): Promise<void> {
  if (Date.now() - lastYield < INTERVAL_MS) return;
  await nextMacrotask();
  lastYield = Date.now();
}
