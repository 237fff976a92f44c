/**
 * Reference attacks calibrate their thresholds on a reference model played as the target, never
 * on the target's own membership. So relabelling which records are the target's members (here:
 * permuting the records, so every record's member label moves while its data stays) must leave
 * every reference-attack threshold unchanged, while the figures measured on the target change.
 */
import { describe, expect, it } from 'vitest';
import { ATTACK_NAMES, ATTACKS, type AttackName } from '../../src/core/attacks/registry';
import type { ReferenceOutputs } from '../../src/core/attacks/reference';
import type { Predictions } from '../../src/core/attacks/signals';
import { parseExperimentConfig } from '../../src/core/config';
import { balancedMasks } from '../../src/core/models/references';
import { runAttacks } from '../../src/core/pipeline/attack';
import { RunContext } from '../../src/core/pipeline/context';
import type { AttackSurface } from '../../src/core/pipeline/defend';
import { planRun } from '../../src/core/pipeline/plan';
import { standardNormal } from '../../src/core/defenses/sampling';
import { createRng, permutation } from '../../src/core/random';

const COUNT = 200;
const MODELS = 16;
const REFERENCE_ATTACKS = ATTACK_NAMES.filter((name) => ATTACKS[name].kind === 'reference') as AttackName[];

/** Two-class logits [φ, 0], label 0: OUT models give φ ~ N(d, 1), IN models N(d + 2, 1), d per record. */
function world(seed: number) {
  const rng = createRng(seed, 'calibration-world');
  const difficulty = Float64Array.from({ length: COUNT }, () => 3 * standardNormal(rng));
  const inMask = balancedMasks(COUNT, MODELS, rng);
  const row = (phi: number) => [phi, 0];
  const models = inMask.map((mask) => Array.from({ length: COUNT }, (_, i) => row(difficulty[i] + (mask[i] ? 2 : 0) + standardNormal(rng))));
  // The target trained on the first half.
  const target = Array.from({ length: COUNT }, (_, i) => row(difficulty[i] + (i < COUNT / 2 ? 2 : 0) + standardNormal(rng)));
  const population = Array.from({ length: 20 }, () => 3 * standardNormal(rng));
  return { inMask, models, target, population };
}

/** The surface the attack stage reads, with the records in the order `order` (position p holds record order[p]). */
function surfaceOf(w: ReturnType<typeof world>, order: Int32Array): AttackSurface {
  const flat = (rows: number[][]) => Float32Array.from(Array.from(order).flatMap((i) => rows[i]));
  const outputs: ReferenceOutputs = {
    logits: w.models.map(flat),
    inMask: w.inMask.map((mask) => Uint8Array.from(order, (i) => mask[i])),
    labels: new Uint8Array(COUNT),
    count: COUNT,
    numClasses: 2,
    queries: 1,
  };
  const populationLogits = (shift: number) => Float32Array.from(w.population.flatMap((d) => [d + shift, 0]));
  const none: Predictions = { probabilities: new Float64Array(0), labels: new Uint8Array(0), count: 0, numClasses: 2 };
  const half = Int32Array.from({ length: COUNT / 2 }, (_, i) => i);
  return {
    raw: { members: none, nonMembers: none },
    defended: { members: none, nonMembers: none },
    memberPositions: half,
    nonMemberPositions: half,
    shadows: [],
    rawShadows: [],
    reference: {
      target: { pool: { logits: flat(w.target) }, population: populationLogits(0.5) },
      references: { outputs, populationLogits: w.models.map((_, m) => populationLogits(m % 2 === 0 ? 0 : 0.3)), trained: MODELS },
      populationLabels: new Uint8Array(w.population.length),
    },
  };
}

describe('reference-attack calibration is leak-free', () => {
  it('gives every reference attack the same threshold when the target\'s membership labels are permuted', async () => {
    const config = parseExperimentConfig({ partSize: COUNT / 2, reference: { count: MODELS }, rmia: { populationSize: 20 }, attacks: REFERENCE_ATTACKS });
    const plan = planRun(config);
    expect(plan.attacks).toEqual(REFERENCE_ATTACKS);
    const w = world(1);
    const identity = Int32Array.from({ length: COUNT }, (_, i) => i);
    const shuffled = permutation(COUNT, createRng(2, 'calibration-permutation'));
    const original = await runAttacks(new RunContext(config, {} as never), plan, surfaceOf(w, identity));
    const permuted = await runAttacks(new RunContext(config, {} as never), plan, surfaceOf(w, shuffled));
    for (let k = 0; k < REFERENCE_ATTACKS.length; k++) {
      const name = REFERENCE_ATTACKS[k];
      expect(Number.isFinite(original[k].threshold), name).toBe(true);
      expect(permuted[k].threshold, name).toBeCloseTo(original[k].threshold, 9);
    }
    // The labels did matter for what was measured on the target: the members are now a random half.
    const lira = REFERENCE_ATTACKS.indexOf('lira-online');
    expect(original[lira].auc).toBeGreaterThan(0.75);
    expect(Math.abs(permuted[lira].auc - 0.5)).toBeLessThan(0.12);
  });
});
