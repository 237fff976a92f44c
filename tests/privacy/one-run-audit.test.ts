import { describe, expect, it } from 'vitest';
import { canaryScores, drawCanaries, includedPositions } from '../../src/core/privacy/canaries';
import { guessCanaries, oneRunEpsilonLowerBound, oneRunPValue, runOneRunAudit } from '../../src/core/privacy/one-run-audit';
import { splitPool } from '../../src/core/datasets/split';
import { standardNormal } from '../../src/core/defenses/sampling';
import { createRng } from '../../src/core/random';

describe('the p-value and ε bound of Steinke, Nasr & Jagielski (arXiv:2305.08846)', () => {
  it('matches an independent scipy computation of β + α·δ·2m', () => {
    // scipy.stats.binom.sf / binom.pmf with the paper's formula.
    expect(oneRunPValue(1000, 100, 70, 0.5, 1e-5)).toBeCloseTo(0.0669492705731485, 12);
    expect(oneRunPValue(1000, 100, 70, 0.5, 0)).toBeCloseTo(0.06564798139147554, 12);
    expect(oneRunPValue(1000, 200, 150, 1, 1e-3)).toBeCloseTo(0.42666599028012214, 12);
  });

  it('bounds ε as scipy bisection does', () => {
    expect(oneRunEpsilonLowerBound(1000, 100, 70, 1e-5, 0.95)).toBeCloseTo(0.46913108490844024, 5);
    expect(oneRunEpsilonLowerBound(1000, 200, 150, 1e-3, 0.95)).toBeCloseTo(0.454400936165257, 5);
  });

  it('has a closed form when every guess is right and δ = 0: q^r = 1 − confidence', () => {
    // q = 0.05^(1/200), ε = log(q/(1 − q)) = 4.1936…
    const q = 0.05 ** (1 / 200);
    expect(oneRunEpsilonLowerBound(1000, 200, 200, 0, 0.95)).toBeCloseTo(Math.log(q / (1 - q)), 5);
  });

  it('gives 0 when the right guesses are no more than chance allows', () => {
    expect(oneRunEpsilonLowerBound(1000, 200, 100, 1e-5, 0.95)).toBe(0);
    expect(oneRunEpsilonLowerBound(1000, 200, 111, 0, 0.95)).toBe(0); // P[Bin(200, ½) ≥ 111] = 0.0687 > 0.05 (scipy)
    expect(oneRunEpsilonLowerBound(1000, 200, 113, 0, 0.95)).toBeGreaterThan(0); // P[≥ 113] = 0.0384 (scipy)
  });

  it('a larger δ weakens the bound', () => {
    expect(oneRunEpsilonLowerBound(1000, 200, 180, 1e-3, 0.95)).toBeLessThan(oneRunEpsilonLowerBound(1000, 200, 180, 0, 0.95));
  });

  it('refuses counts that do not nest', () => {
    expect(() => oneRunPValue(10, 20, 5, 1, 0)).toThrow(/correct <= guesses <= canaries/);
    expect(() => oneRunPValue(10, 5, 6, 1, 0)).toThrow(RangeError);
  });
});

describe('guessCanaries and runOneRunAudit', () => {
  it('guesses IN for the top k₊, OUT for the bottom k₋, abstains in between, ties by index', () => {
    expect(Array.from(guessCanaries([0.5, 0.9, 0.1, 0.9, 0.3], 2, 1))).toEqual([0, 1, -1, 1, 0]);
    expect(() => guessCanaries([1, 2], 2, 1)).toThrow(/at most the 2 canaries/);
  });

  it('counts right guesses on a hand example', () => {
    // Scores 6..1; IN: canaries 0, 1, 4. Guess IN for {0, 1}, OUT for {5, 4}: right 0, 1, 5; wrong 4.
    const audit = runOneRunAudit({ scores: [6, 5, 4, 3, 2, 1], included: [1, 1, 0, 0, 1, 0], guessesIn: 2, guessesOut: 2, delta: 0, confidence: 0.95 });
    expect(audit.correct).toBe(3);
    expect(audit.epsilonLowerBound).toBe(0);
  });

  it('on a null setting (scores independent of the coins) is positive in at most 5 % of 200 seeded runs', () => {
    let positive = 0;
    for (let run = 0; run < 200; run++) {
      const rng = createRng(run, 'audit/null');
      const included = Array.from({ length: 1000 }, () => (rng.next() < 0.5 ? 1 : 0));
      const scores = Array.from({ length: 1000 }, () => standardNormal(rng));
      const audit = runOneRunAudit({ scores, included, guessesIn: 100, guessesOut: 100, delta: 1e-5, confidence: 0.95 });
      if (audit.epsilonLowerBound > 0) positive++;
    }
    expect(positive).toBeLessThanOrEqual(10);
  });

  it('is clearly positive when IN canaries score higher (a leaking model, simulated)', () => {
    const rng = createRng(1, 'audit/leak');
    const included = Array.from({ length: 1000 }, () => (rng.next() < 0.5 ? 1 : 0));
    const scores = included.map((inside) => standardNormal(rng) + 3 * inside);
    const audit = runOneRunAudit({ scores, included, guessesIn: 100, guessesOut: 100, delta: 1e-5, confidence: 0.95 });
    expect(audit.correct).toBeGreaterThan(190);
    expect(audit.epsilonLowerBound).toBeGreaterThan(2.5);
  });
});

describe('canaries', () => {
  it('come from outside the four parts, carry a wrong label, and flip a fair coin each', () => {
    const split = splitPool(1000, 200, 3);
    const trueLabels = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);
    const canaries = drawCanaries(1000, split, trueLabels, 10, 200, 3);
    const parts = new Set([...split.targetTrain, ...split.targetTest, ...split.shadowTrain, ...split.shadowTest]);
    expect(new Set(canaries.poolIndex).size).toBe(200);
    for (const index of canaries.poolIndex) expect(parts.has(index)).toBe(false);
    canaries.poolIndex.forEach((index, k) => expect(canaries.wrongLabel[k]).not.toBe(trueLabels[index]));
    const inside = includedPositions(canaries).length;
    // Binomial(200, ½): 100 ± 3σ = [79, 121].
    expect(inside).toBeGreaterThan(78);
    expect(inside).toBeLessThan(122);
    expect(drawCanaries(1000, split, trueLabels, 10, 200, 3)).toEqual(canaries);
    expect(() => drawCanaries(1000, split, trueLabels, 10, 201, 3)).toThrow(/only 200 pool records lie outside the four parts/);
  });

  it('score minus the loss on the wrong label, from the logits', () => {
    // Logits [2, 0, 0], wrong label 1: log p_1 = −2 − log(1 + 2e^−2).
    const scores = canaryScores(Float32Array.from([2, 0, 0, 0, 40, 0]), [1, 1], 3);
    expect(scores[0]).toBeCloseTo(-2 - Math.log(1 + 2 * Math.exp(-2)), 12);
    expect(scores[1]).toBeCloseTo(-2 * Math.exp(-40), 30); // memorised: log p ≈ −2e−40, not 0
    expect(scores[1]).toBeLessThan(0);
  });
});
