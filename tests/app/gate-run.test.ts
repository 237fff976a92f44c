/**
 * The worker's RunGate driving the real engine (Node, cpu/wasm): a paused run trains no epoch, a
 * step trains exactly one, and cancel while paused ends the run at once instead of hanging.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/cancel';
import { parseExperimentConfig } from '../../src/core/config';
import { runExperiment, type ProgressEvent } from '../../src/core/experiment';
import { loadDataset } from '../../src/node/load-dataset';
import { RunGate, type GateState } from '../../workers/gate';

const TINY = parseExperimentConfig({ seed: 1, partSize: 40, target: { epochs: 3, batchSize: 20 }, attacks: ['random', 'correctness'] });

/** Resolves when `predicate` holds for the gate's state. */
function whenGate(states: GateState[], predicate: (s: GateState) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (states.some(predicate)) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

describe('pause, step and cancel through the engine gate', () => {
  it('holds before the first epoch, steps one epoch, and cancels while paused', async () => {
    const states: GateState[] = [];
    const gate = new RunGate((s) => states.push(s));
    const epochs: number[] = [];
    const signal = { aborted: false };
    gate.pause();
    const running = runExperiment(TINY, {
      loadDataset,
      signal,
      gate: gate.wait,
      onProgress: (e: ProgressEvent) => {
        if (e.type === 'epoch') epochs.push(e.metrics.epoch);
      },
    });
    await whenGate(states, (s) => s.held);
    expect(epochs).toEqual([]);
    states.length = 0;
    gate.step();
    // The step's epoch runs, then the run stands at the gate again.
    await whenGate(states, (s) => s.held);
    expect(epochs).toEqual([1]);
    signal.aborted = true;
    gate.release();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(epochs).toEqual([1]);
  });
});
