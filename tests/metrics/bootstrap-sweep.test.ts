import { describe, expect, it } from 'vitest';
import { planSweep, sweepInJs, type SweepPlan, type SweepSums } from '../../src/core/metrics/bootstrap-sweep';
import { bootstrapIntervals, sweepRouteFor } from '../../src/core/metrics/intervals';
import { SIMD_LANES, simdSweep } from '../../src/core/kernels/wasm-bootstrap';
import { createRng, type Rng } from '../../src/core/random';

/** P member and N non-member scores; `levels` distinct values make ties (small) or almost none (large). */
function fixture(rng: Rng, P: number, N: number, levels: number) {
  const score = (shift: number) => Math.floor((rng.next() + shift) * levels) / levels;
  const memberScores = Array.from({ length: P }, () => score(0.3));
  const nonMemberScores = Array.from({ length: N }, () => score(0));
  const calledMember = Array.from({ length: P + N }, () => (rng.next() < 0.5 ? 1 : 0));
  return { memberScores, nonMemberScores, calledMember };
}

/** Arbitrary multiplicities 0..4 for B resamples, rows padded to the SIMD stride with zeros. */
function randomCounts(rng: Rng, records: number, B: number) {
  const stride = Math.ceil(B / SIMD_LANES) * SIMD_LANES;
  const counts = new Uint16Array(records * stride);
  for (let r = 0; r < records; r++) for (let b = 0; b < B; b++) counts[r * stride + b] = Math.floor(rng.next() * 5);
  return { counts, stride };
}

/**
 * The sums from their definitions, one resample at a time, no sorting: twice the Mann–Whitney
 * count with ties half, the best TP·N − FP·P over every threshold (and none), the draws misjudged.
 */
function bruteForce(members: number[], nonMembers: number[], called: number[], weight: (record: number) => number): [number, number, number] {
  const P = members.length;
  const N = nonMembers.length;
  let area = 0;
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < N; j++) area += weight(i) * weight(P + j) * (members[i] > nonMembers[j] ? 2 : members[i] === nonMembers[j] ? 1 : 0);
  }
  let advantage = 0;
  for (const t of [...members, ...nonMembers]) {
    let tp = 0;
    let fp = 0;
    members.forEach((s, i) => (tp += s >= t ? weight(i) : 0));
    nonMembers.forEach((s, j) => (fp += s >= t ? weight(P + j) : 0));
    advantage = Math.max(advantage, tp * N - fp * P);
  }
  let wrong = 0;
  for (let r = 0; r < P + N; r++) if ((called[r] === 1) !== r < P) wrong += weight(r);
  return [area, advantage, wrong];
}

const asArrays = (sums: SweepSums) => [Array.from(sums.area), Array.from(sums.advantage), Array.from(sums.wrong)];

/** The SIMD engine's sums; fails (rather than falling back) where it cannot run. */
function runSimd(plan: SweepPlan, counts: Uint16Array, B: number, stride: number): SweepSums {
  const sums = simdSweep()?.run(plan, counts, B, stride);
  if (sums === undefined) throw new Error('the SIMD sweep did not run');
  return sums;
}

describe('the bootstrap sweep', () => {
  it('takes the WebAssembly SIMD route in Node for the app-sized 1,000 + 1,000 records', () => {
    expect(simdSweep()).toBeDefined();
    expect(sweepRouteFor(1000, 1000)).toBe('simd');
  });

  it('keeps the JS route where the int32 sums could wrap or counts exceed 16 bits', () => {
    expect(sweepRouteFor(32768, 32767)).toBe('simd'); // 2·P·N = 2,147,418,112 < 2^31
    expect(sweepRouteFor(32768, 32768)).toBe('js'); // 65,536 records: 32-bit counts
    expect(sweepRouteFor(60000, 10000)).toBe('js');
  });

  it('gives the sums of their definitions (brute force), with and without ties, in both engines', () => {
    const rng = createRng(11, 'test/sweep-oracle');
    for (let trial = 0; trial < 24; trial++) {
      const P = 1 + Math.floor(rng.next() * 17);
      const N = 1 + Math.floor(rng.next() * 17);
      const B = 1 + Math.floor(rng.next() * 11);
      const data = fixture(rng, P, N, trial % 2 === 0 ? 4 : 1e9);
      const { counts, stride } = randomCounts(rng, P + N, B);
      const plan = planSweep(data.memberScores, data.nonMemberScores, data.calledMember);
      const expected = [[], [], []] as number[][];
      for (let b = 0; b < B; b++) {
        const sums = bruteForce(data.memberScores, data.nonMemberScores, data.calledMember, (r) => counts[r * stride + b]);
        sums.forEach((value, k) => expected[k].push(value));
      }
      expect(asArrays(sweepInJs(plan, counts, B, stride))).toEqual(expected);
      expect(asArrays(runSimd(plan, counts, B, stride))).toEqual(expected);
    }
  });

  it('reads −0 and +0 as one score and sorts infinities', () => {
    const members = [0, Infinity, -1];
    const nonMembers = [-0, -Infinity, 0.5];
    const called = [1, 1, 0, 0, 0, 1];
    const { counts, stride } = randomCounts(createRng(3, 'test/sweep-zero'), 6, 7);
    const expected = [[], [], []] as number[][];
    for (let b = 0; b < 7; b++) bruteForce(members, nonMembers, called, (r) => counts[r * stride + b]).forEach((v, k) => expected[k].push(v));
    const plan = planSweep(members, nonMembers, called);
    expect(asArrays(runSimd(plan, counts, 7, stride))).toEqual(expected);
    expect(asArrays(sweepInJs(plan, counts, 7, stride))).toEqual(expected);
  });

  it('gives bit-identical intervals by either route: ties or none, odd and unequal P and N, B not a multiple of 4', () => {
    const rng = createRng(29, 'test/sweep-routes');
    for (let trial = 0; trial < 60; trial++) {
      const P = 1 + Math.floor(rng.next() * 400);
      const N = 1 + Math.floor(rng.next() * 400);
      const levels = [3, 20, 1e9][trial % 3];
      const resamples = 10 + Math.floor(rng.next() * 200);
      const input = { ...fixture(rng, P, N, levels), seed: trial, resamples };
      expect(bootstrapIntervals(input, 'simd')).toEqual(bootstrapIntervals(input, 'js'));
    }
  });

  it('stays exact at the int32 bound: 32,768 members above 32,767 non-members give twice the area 2·P·N = 2,147,418,112 in every resample', () => {
    const P = 32768;
    const N = 32767;
    const memberScores = new Float64Array(P).fill(1);
    const nonMemberScores = Float64Array.from({ length: N }, (_, j) => j / N);
    const calledMember = new Uint8Array(P + N).fill(1, 0, P);
    const plan = planSweep(memberScores, nonMemberScores, calledMember);
    const B = 5;
    const stride = 8;
    // Resample-like rows: the members' draws sum to P and the non-members' to N in every lane.
    const counts = new Uint16Array((P + N) * stride);
    for (let b = 0; b < B; b++) {
      counts[b] = P;
      counts[P * stride + b] = N;
    }
    const simd = runSimd(plan, counts, B, stride);
    expect(Array.from(simd.area)).toEqual(new Array(B).fill(2 * P * N));
    expect(Array.from(simd.advantage)).toEqual(new Array(B).fill(P * N));
    expect(asArrays(simd)).toEqual(asArrays(sweepInJs(plan, counts, B, stride)));
    const intervals = bootstrapIntervals({ memberScores, nonMemberScores, calledMember, seed: 1, resamples: 10 }, 'simd');
    expect(intervals.auc).toEqual({ lower: 1, upper: 1 });
    expect(intervals.accuracy).toEqual({ lower: 1, upper: 1 });
  });

  it('names a NaN score', () => {
    expect(() => planSweep([0.2, NaN], [0.1], [1, 1, 0])).toThrow('memberScores[1] is NaN');
    expect(() => bootstrapIntervals({ memberScores: [0.2], nonMemberScores: [0.1, NaN], calledMember: [1, 0, 0], seed: 1 })).toThrow('nonMemberScores[1] is NaN');
  });
});
