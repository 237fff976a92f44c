/**
 * Pause and step with a training pool: models that train at once share the run gate's wait, so a
 * step lets every model standing at its epoch boundary train one epoch (the target among them),
 * and a model that arrives after the step waits for the next one.
 */
import { describe, expect, it } from 'vitest';
import { sharedWait } from '../src/core/pipeline/pool';
import { RunGate } from '../workers/gate';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('sharedWait', () => {
  it('lets every model waiting at the boundary through on one step, and holds a late one for the next', async () => {
    const gate = new RunGate();
    const wait = sharedWait(gate.wait);
    gate.pause();
    const target = wait();
    const shadow = wait();
    expect(await settled(target)).toBe(false);
    expect(await settled(shadow)).toBe(false);
    gate.step();
    expect(await settled(target)).toBe(true);
    expect(await settled(shadow)).toBe(true);
    const twin = wait();
    expect(await settled(twin)).toBe(false);
    gate.resume();
    expect(await settled(twin)).toBe(true);
  });

  it('passes at once while running, and every wait passes once the gate is released', async () => {
    const gate = new RunGate();
    const wait = sharedWait(gate.wait);
    expect(await settled(wait())).toBe(true);
    gate.pause();
    const held = [wait(), wait()];
    gate.release();
    for (const w of held) expect(await settled(w)).toBe(true);
  });
});
