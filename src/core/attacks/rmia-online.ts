/**
 * RMIA with IN and OUT reference models (Zarifzadeh et al., "Low-Cost High-Power Membership
 * Inference Attacks", arXiv:2312.03262, §3): the online variant. Offline RMIA (attacks/reference.ts)
 * has only OUT models and must guess what an IN model would say with its parameter a; online, half
 * of the reference models trained on x, so Pr(x) is the plain average of p(x) over all of them.
 * Plain arithmetic on logits, like the other reference attacks.
 */
import { softmaxAt as trueClassProbability } from '../math/softmax';
import type { Population, QueryLogits, ReferenceOutputs, RmiaOptions } from './reference';

/** How many entries of the ascending `sorted` are strictly below `value`. */
function countBelow(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every record must have at least one IN and one OUT model, or Pr(x) is biased to one side. */
function requireInAndOut(refs: ReferenceOutputs): void {
  for (let i = 0; i < refs.count; i++) {
    let ins = 0;
    for (const mask of refs.inMask) ins += mask[i];
    if (ins === 0 || ins === refs.inMask.length) {
      throw new RangeError(`record ${i} is IN for ${ins} of ${refs.inMask.length} reference models; online RMIA needs both IN and OUT models for every record`);
    }
  }
}

/**
 * Online RMIA (Zarifzadeh et al., arXiv:2312.03262, Eq. 4 with Pr(x) = mean over all reference
 * models of p(x)): LR(x, z) = (p_θ(x)/Pr(x)) / (p_θ(z)/Pr(z)); the score is the fraction of
 * population records z with LR(x, z) > γ. Pr(z) averages every reference model too (none trained
 * on z). Uses the first query only. `options.a` is ignored: it stands in for IN models, which
 * online RMIA has.
 */
export function rmiaOnlineScores(target: QueryLogits, refs: ReferenceOutputs, population: Population, options: Pick<RmiaOptions, 'gamma'>): Float64Array {
  requireInAndOut(refs);
  if (population.count === 0) throw new RangeError('online RMIA needs a population sample; it is empty');
  const { count, numClasses } = refs;
  const ratioX = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (const logits of refs.logits) sum += trueClassProbability(logits, i * numClasses, numClasses, refs.labels[i]);
    ratioX[i] = trueClassProbability(target.logits, i * numClasses, numClasses, refs.labels[i]) / (sum / refs.logits.length);
  }
  const ratioZ = new Float64Array(population.count);
  for (let j = 0; j < population.count; j++) {
    let sum = 0;
    for (const logits of population.references) sum += trueClassProbability(logits, j * numClasses, numClasses, population.labels[j]);
    ratioZ[j] = trueClassProbability(population.target, j * numClasses, numClasses, population.labels[j]) / (sum / population.references.length);
  }
  ratioZ.sort();
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) scores[i] = countBelow(ratioZ, ratioX[i] / options.gamma) / population.count;
  return scores;
}
