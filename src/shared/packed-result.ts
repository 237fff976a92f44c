/** Results with their ROC curves packed flat, for the worker boundary and for IndexedDB. */
import type { AttackResult } from '../core/attacks/evaluate';
import type { ExperimentResult } from '../core/experiment';

/**
 * A result as it crosses the worker boundary and as IndexedDB stores it: each attack's ROC as one
 * flat Float64Array [fpr₀, tpr₀, fpr₁, tpr₁, …], transferred. Structured-cloning the curves as
 * arrays of pairs (10,000+ two-element arrays for 11 attacks at 1,000 records a part) cost 10–20 ms
 * on each side of an instant re-run, and 8–15 ms of the page for each result saved.
 */
export interface PackedResult extends Omit<ExperimentResult, 'attacks'> {
  readonly attacks: readonly PackedAttack[];
}
type PackedAttack = Omit<AttackResult, 'roc'> & { readonly roc: Float64Array };

/** A curve's points as one flat array, by a loop: `Float64Array.from(roc.flat())` took 7–11 ms for 11 curves of 2,001 points in V8, the loop 0.2–0.4 ms. */
function flatten(roc: readonly (readonly [number, number])[]): Float64Array {
  const flat = new Float64Array(2 * roc.length);
  for (let i = 0; i < roc.length; i++) {
    flat[2 * i] = roc[i][0];
    flat[2 * i + 1] = roc[i][1];
  }
  return flat;
}

function pairs(flat: Float64Array): [number, number][] {
  const points = new Array<[number, number]>(flat.length / 2);
  for (let i = 0; i < points.length; i++) points[i] = [flat[2 * i], flat[2 * i + 1]];
  return points;
}

export function packResult(result: ExperimentResult): PackedResult {
  return { ...result, attacks: result.attacks.map((attack) => ({ ...attack, roc: flatten(attack.roc) })) };
}

export function unpackResult(packed: PackedResult): ExperimentResult {
  return { ...packed, attacks: packed.attacks.map((attack) => ({ ...attack, roc: pairs(attack.roc) })) };
}

/** True for a result whose curves are packed (a stored run saved since packing; older ones hold pairs). */
export function isPacked(result: ExperimentResult | PackedResult): result is PackedResult {
  return result.attacks.every((attack) => attack.roc instanceof Float64Array);
}
