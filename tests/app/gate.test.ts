import { describe, expect, it } from 'vitest';
import { RunGate, type GateState } from '../../workers/gate';

/** Whether a promise has settled after the microtasks queued so far. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('RunGate: pause, resume, step and cancel before every epoch', () => {
  it('lets every epoch through while running', async () => {
    const gate = new RunGate();
    expect(await settled(gate.wait())).toBe(true);
    expect(gate.state).toEqual({ mode: 'running', held: false, credits: 0 });
  });

  it('holds the next epoch after a pause, and says so only once the run stands at the gate', async () => {
    const states: GateState[] = [];
    const gate = new RunGate((s) => states.push(s));
    gate.pause();
    // The epoch in progress finishes first: paused, but not yet held.
    expect(states.at(-1)).toEqual({ mode: 'paused', held: false, credits: 0 });
    const next = gate.wait();
    expect(states.at(-1)).toEqual({ mode: 'paused', held: true, credits: 0 });
    expect(await settled(next)).toBe(false);
    gate.resume();
    expect(await settled(next)).toBe(true);
    expect(gate.state).toEqual({ mode: 'running', held: false, credits: 0 });
  });

  it('steps one epoch at a time and pauses again', async () => {
    const gate = new RunGate();
    gate.pause();
    const first = gate.wait();
    gate.step();
    expect(await settled(first)).toBe(true);
    const second = gate.wait();
    expect(await settled(second)).toBe(false);
    expect(gate.state.mode).toBe('paused');
    gate.step();
    expect(await settled(second)).toBe(true);
  });

  it('counts steps clicked while an epoch is still running', async () => {
    const gate = new RunGate();
    gate.pause();
    gate.step();
    gate.step();
    expect(gate.state.credits).toBe(2);
    expect(await settled(gate.wait())).toBe(true);
    expect(await settled(gate.wait())).toBe(true);
    expect(await settled(gate.wait())).toBe(false);
  });

  it('treats step while running as pause: the epoch in progress is the step', async () => {
    const gate = new RunGate();
    gate.step();
    expect(gate.state).toEqual({ mode: 'paused', held: false, credits: 0 });
    expect(await settled(gate.wait())).toBe(false);
  });

  it('releases a paused gate on cancel, for good', async () => {
    const gate = new RunGate();
    gate.pause();
    const held = gate.wait();
    gate.release();
    expect(await settled(held)).toBe(true);
    gate.pause();
    gate.step();
    expect(gate.state.mode).toBe('released');
    expect(await settled(gate.wait())).toBe(true);
  });

  it('ignores resume while running and pause while paused', () => {
    const states: GateState[] = [];
    const gate = new RunGate((s) => states.push(s));
    gate.resume();
    gate.pause();
    gate.pause();
    expect(states).toHaveLength(1);
  });
});
