/**
 * RMIA with IN and OUT reference models (Zarifzadeh et al., "Low-Cost High-Power Membership
 * Inference Attacks", arXiv:2312.03262, §3): the online variant. Offline RMIA (attacks/reference.ts)
 * has only OUT models and must guess what an IN model would say with its parameter a; online, half
 * of the reference models trained on x, so Pr(x) is the plain average of p(x) over all of them.
 * Plain arithmetic on logits, like the other reference attacks.
 */
import { countBelow, trueClassProbabilities, type Population, type QueryLogits, type ReferenceOutputs, type RmiaOptions } from './reference';

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
  const ratio = (target: Float32Array, models: readonly Float32Array[], labels: ArrayLike<number>, n: number) => {
    const py = (logits: Float32Array) => trueClassProbabilities(logits, labels, n, numClasses);
    const perModel = models.map(py);
    const targetPy = py(target);
    return Float64Array.from({ length: n }, (_, i) => {
      let sum = 0;
      for (const p of perModel) sum += p[i];
      return targetPy[i] / (sum / perModel.length);
    });
  };
  const ratioX = ratio(target.logits, refs.logits, refs.labels, count);
  const ratioZ = ratio(population.target, population.references, population.labels, population.count);
  ratioZ.sort();
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) scores[i] = countBelow(ratioZ, ratioX[i] / options.gamma) / population.count;
  return scores;
}
