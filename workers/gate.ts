/**
 * Pause, resume and step for a running experiment, through the core's `gate` (awaited before
 * every epoch of every model: experiment.ts). Pure state machine with no worker globals, so it is
 * tested in Node.
 *
 *   running ──pause──▶ paused ──resume──▶ running
 *   paused ──step──▶ one epoch passes, then paused again (steps add up: three clicks, three epochs)
 *   any ──release──▶ released: every wait passes at once, for good (cancel must not hang on a paused gate)
 *
 * A pause takes effect at the next epoch boundary: the epoch in progress finishes first. `held`
 * tells the page whether the run is really standing at the gate, so "Paused" is never claimed while
 * an epoch is still finishing.
 */
export type GateMode = 'running' | 'paused' | 'released';

export interface GateState {
  readonly mode: GateMode;
  /** True while the run waits at the gate (paused and at an epoch boundary). */
  readonly held: boolean;
  /** Epochs still allowed through while paused (from step). */
  readonly credits: number;
}

export class RunGate {
  private mode: GateMode = 'running';
  private credits = 0;
  private waiter: (() => void) | undefined;

  constructor(private readonly onChange: (state: GateState) => void = () => {}) {}

  get state(): GateState {
    return { mode: this.mode, held: this.waiter !== undefined, credits: this.credits };
  }

  /** The function handed to runExperiment as `gate`. */
  readonly wait = (): Promise<void> => {
    if (this.mode !== 'paused') return Promise.resolve();
    if (this.credits > 0) {
      this.credits--;
      this.emit();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiter = resolve;
      this.emit();
    });
  };

  pause(): void {
    if (this.mode !== 'running') return;
    this.mode = 'paused';
    this.credits = 0;
    this.emit();
  }

  resume(): void {
    if (this.mode !== 'paused') return;
    this.mode = 'running';
    this.credits = 0;
    this.open();
    this.emit();
  }

  /** One more epoch. While running this is a pause: the epoch in progress is the step. */
  step(): void {
    if (this.mode === 'running') return this.pause();
    if (this.mode !== 'paused') return;
    if (this.waiter) this.open();
    else this.credits++;
    this.emit();
  }

  /** Let everything through for good: cancel, or the end of the run. */
  release(): void {
    if (this.mode === 'released') return;
    this.mode = 'released';
    this.credits = 0;
    this.open();
    this.emit();
  }

  private open(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private emit(): void {
    this.onChange(this.state);
  }
}
