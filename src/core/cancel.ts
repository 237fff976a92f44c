/**
 * Cancellation without the DOM: any object with an `aborted` flag (an AbortSignal is one) stops a
 * long job at its next checkpoint.
 */
export interface CancelSignal {
  readonly aborted: boolean;
}

export class CancelledError extends Error {
  constructor(what: string) {
    super(`${what} was cancelled`);
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal: CancelSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
