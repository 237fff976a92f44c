/** Waiting for several concurrent jobs (models training at once) without leaving one running. */
/**
 * Every result, in order, once all have settled; the first failure only after all have stopped
 * (Promise.all would return while a model still trains on tensors the run is about to release).
 */
export async function settleAll<T extends readonly unknown[]>(work: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work as readonly Promise<unknown>[]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
