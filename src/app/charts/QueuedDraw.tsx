/**
 * Charts drawn in turns. Every chart is plain SVG now (LightPlot, LightLines, LightHistogram:
 * recharts took 60–200 ms of one task per chart on this 2-core machine, issue 10), yet a result
 * still draws a dozen of them at once, so each <QueuedDraw> shows its children only when its turn
 * in one page-wide queue comes; a turn is one macrotask that renders and commits queued charts one
 * by one (flushSync), so input and painting get in between turns. While a run trains a turn draws
 * one chart; otherwise it goes on until TURN_BUDGET_MS has passed.
 * A queued chart draws its newest children when its turn comes (live charts skip stale frames);
 * the chart drawn last stays on screen until the new one is ready.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { useRunStore } from '../state/run-store';

/**
 * How long one turn may keep drawing outside a run: a chart redraws in 1–16 ms, so a result's
 * charts mostly fit in one turn and reach the screen in the frame after it, rather than one frame
 * per chart (the bench's every-chart figure, issue 10). While a run trains, the live charts share
 * the main thread with the progress flushes and a loaded machine stretches every chart, so a turn
 * draws one chart there (turns of several were the suspects in tasks of 150–190 ms under load, issue 10).
 */
export const TURN_BUDGET_MS = 32;

function training(): boolean {
  return useRunStore.getState().run.status === 'running';
}

const queue: (() => void)[] = [];
let pending = false;

function drawNext(): void {
  pending = false;
  const start = performance.now();
  const budget = training() ? 0 : TURN_BUDGET_MS;
  try {
    do queue.shift()?.();
    while (queue.length > 0 && performance.now() - start < budget);
  } finally {
    // A chart that throws leaves the rest queued for the next turn.
    if (queue.length > 0) scheduleTurn();
    // With mia:chart-queued, where a redraw's last chart landed (bench/interactive.ts reads both).
    else performance.mark('mia:charts-drawn');
  }
}

function scheduleTurn(): void {
  if (pending) return;
  pending = true;
  setTimeout(drawNext, 0);
}

/**
 * While a run trains, the first turn of a burst waits for the frame that shows what queued it (a
 * task queued from a frame callback runs after that frame's paint), so the progress the flush
 * brought is on screen before its charts draw. Outside a run the charts are queued from effects
 * that React runs once the table is painted anyway, and waiting one more frame only put off the
 * moment every chart is on screen (the bench's every-chart figure, issue 10).
 */
function scheduleFirstTurn(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => setTimeout(drawNext, 0));
}

/** Queue `draw` for its own task; the returned function takes it out of the queue again. */
export function queueDraw(draw: () => void): () => void {
  const job = () => draw();
  performance.mark('mia:chart-queued');
  queue.push(job);
  if (queue.length === 1 && training()) scheduleFirstTurn();
  else scheduleTurn();
  return () => {
    const at = queue.indexOf(job);
    if (at >= 0) queue.splice(at, 1);
  };
}

/**
 * While a run trains, a chart redraws at most once a second: a live chart gets new data with every
 * progress flush, and a dozen redraws in a row kept the main thread busy even when each was its own
 * task. Outside a run (a result, or a control changed after one) it draws at its turn: the student
 * moving a slider should not wait out the second.
 */
export const REDRAW_INTERVAL_MS = 1_000;

/** `name` labels the turn in User Timing (a mia:draw:<name> measure): where a redraw's time went. */
export function QueuedDraw({ children, minHeight, name = 'chart' }: { children: ReactNode; minHeight?: number; name?: string }) {
  // Server rendering (the component tests) has no frame to protect: draw at once there.
  const [shown, setShown] = useState<{ children: ReactNode } | undefined>(() => (typeof window === 'undefined' ? { children } : undefined));
  const latest = useRef(children);
  latest.current = children;
  /** Takes the pending draw out of the queue (or its wait for the redraw interval). */
  const pending = useRef<(() => void) | undefined>(undefined);
  const drawnAt = useRef(-Infinity);
  useEffect(() => {
    // A chart already waiting keeps its place in the queue and will draw its newest children, so
    // charts that change every flush (the live ones) cannot push one another back for ever.
    if (shown?.children === children || pending.current) return;
    const enqueue = () => {
      pending.current = queueDraw(() => {
        pending.current = undefined;
        drawnAt.current = Date.now();
        const start = performance.now();
        flushSync(() => setShown({ children: latest.current }));
        performance.measure(`mia:draw:${name}`, { start });
      });
    };
    const wait = training() ? drawnAt.current + REDRAW_INTERVAL_MS - Date.now() : 0;
    if (wait <= 0) return enqueue();
    const timer = setTimeout(enqueue, wait);
    pending.current = () => clearTimeout(timer);
  }, [children, shown]);
  // Forget the cancelled draw too: StrictMode's mount–unmount–mount in development would otherwise
  // leave `pending` set on the remount, and the chart would never be queued again.
  useEffect(
    () => () => {
      pending.current?.();
      pending.current = undefined;
    },
    [],
  );
  if (!shown) return <div className="chart-pending" style={minHeight ? { minHeight } : undefined} data-testid="chart-pending" aria-busy="true" />;
  return <>{shown.children}</>;
}
