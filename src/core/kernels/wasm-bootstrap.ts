/**
 * The bootstrap's sweep (metrics/bootstrap-sweep.ts: Efron & Tibshirani's percentile bootstrap,
 * ties counted half after Hanley & McNeil) in WebAssembly SIMD: four resamples a lane group, two
 * groups a pass of the loop.
 *
 * Why: after a run, moving an output defense's control re-runs the attacks from cached logits,
 * and each of the 11 attacks computes its intervals; the sweep (one pass of 200 resamples over
 * 2,000 sorted records, ~400k additions at ~5 ns in V8's float64 loops) was the largest single
 * cost of the redraw. The same operations on i32x4 lanes take a fraction of that.
 *
 * Exactness: every quantity is a whole number of draws and stays in int32 without wrapping when
 * 2·P·N < 2^31 (TP ≤ P and FP ≤ N, so |TP·N − FP·P| ≤ P·N, and twice the area only grows to at most
 * 2·P·N; each product taken on the way is below it). Then the sums are the JS engine's float64
 * sums bit for bit. The 16-bit counts already imply the bound (P + N < 65,536 gives
 * 2·P·N ≤ (P + N)²/2 < 2^31), which is checked anyway. With more records, where the engine has no
 * WebAssembly SIMD, or where the memory cannot grow, the caller runs the JS engine.
 *
 * It does not import tfjs's heap: the module has a memory of its own, grown as needed, and is
 * compiled once per process. The counts, the same for every attack of a run (a paired bootstrap),
 * are copied into it once, not once per attack.
 */
import { KIND_BITS, SweepOp, type SweepPlan, type SweepSums } from '../metrics/bootstrap-sweep';
import { I32, PAGE_BYTES, V128, createMemory, i32Const, instantiateOnHeap, localGet, localSet, simd, uleb, type GrowableMemory, type OneFunctionModule } from './wasm-assembler';

/** The state of four resamples, side by side: seven i32x4 vectors in 128 bytes (one unused). */
const Lane = { tp: 0, fp: 16, area: 32, advantage: 48, tiedTp: 64, tiedFp: 80, wrong: 96 } as const;
const GROUP_BYTES = 128;
/** Lane groups per pass of the loop: unrolled, so two groups share the loop's own bookkeeping (~30 % faster here). */
const UNROLL = 2;
/** Resamples one pass of the loop takes; the counts' row stride must be a multiple of it. */
export const SIMD_LANES = 4 * UNROLL;
const INT32_LIMIT = 2 ** 31;

// Instructions (text form beside each).
const I32_ADD = [0x6a];
const I32_MUL = [0x6c];
const I32_AND = [0x71];
const I32_SHR_U = [0x76];
const I32_GE_U = [0x4f];
const I32_LOAD = [0x28, 0x02, 0x00]; // i32.load align=4
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
const brTable = (depths: number[], fallback: number) => [0x0e, depths.length, ...depths, fallback];
/** v128.load / v128.store at byte `at` past the address on the stack (aligned: the state starts on 16 bytes). */
const load = (at: number) => simd(0x00, 4, ...uleb(at));
const store = (at: number) => simd(0x0b, 4, ...uleb(at));
const loadCounts = (at: number) => simd(0x04, 3, ...uleb(at)); // v128.load16x4_u: four u16 counts widened to i32x4
const SPLAT = simd(0x11); // i32x4.splat
const ADD = simd(0xae); // i32x4.add
const SUB = simd(0xb1); // i32x4.sub
const MUL = simd(0xb5); // i32x4.mul
const MAX_S = simd(0xb8); // i32x4.max_s
const SHL = simd(0xab); // i32x4.shl
const ZERO = simd(0x0c, ...new Array(16).fill(0)); // v128.const 0

// Parameters 0–7; locals: 8–11 i32, 12–14 v128.
const [OPS, OPS_END, COUNTS, STRIDE, STATE, STATE_END, N, P] = [0, 1, 2, 3, 4, 5, 6, 7];
const [AT, OP, S, C, NV, PV, CV] = [8, 9, 10, 11, 12, 13, 14];

/** Code for lane group u of the pass: S is the pass's first group, C its first count. */
type GroupCode = (u: number) => number[];
/** vector(at) = value, where `value` leaves one v128 on the stack. */
const update = (u: number, at: number, value: number[]) => [...localGet(S), ...value, ...store(u * GROUP_BYTES + at)];
const vec = (u: number, at: number) => [...localGet(S), ...load(u * GROUP_BYTES + at)];
const countsHere = (u: number) => [...localGet(C), ...loadCounts(u * 8)];
const addCountsTo = (at: number): GroupCode => (u) => update(u, at, [...vec(u, at), ...countsHere(u), ...ADD]);

/** for each pass: S from STATE to STATE_END by UNROLL groups, C along the record's counts as far. */
const everyGroup = (code: GroupCode) => [
  ...localGet(STATE), ...localSet(S),
  ...BLOCK, ...LOOP,
  ...localGet(S), ...localGet(STATE_END), ...I32_GE_U, ...brIf(1),
  ...Array.from({ length: UNROLL }, (_, u) => code(u)).flat(),
  ...localGet(S), ...i32Const(UNROLL * GROUP_BYTES), ...I32_ADD, ...localSet(S),
  ...localGet(C), ...i32Const(UNROLL * 8), ...I32_ADD, ...localSet(C),
  ...br(0), ...END, ...END,
];

/** What each SweepOp does to a lane group, indexed by kind. */
const CASES: GroupCode[] = [];
CASES[SweepOp.member] = addCountsTo(Lane.tp);
CASES[SweepOp.nonMember] = (u) => [
  ...countsHere(u), ...localSet(CV),
  ...update(u, Lane.area, [...vec(u, Lane.area), ...localGet(CV), ...vec(u, Lane.tp), ...MUL, ...i32Const(1), ...SHL, ...ADD]), // area += (c·tp) << 1
  ...update(u, Lane.fp, [...vec(u, Lane.fp), ...localGet(CV), ...ADD]),
];
CASES[SweepOp.best] = (u) => update(u, Lane.advantage, [...vec(u, Lane.advantage), ...vec(u, Lane.tp), ...localGet(NV), ...MUL, ...vec(u, Lane.fp), ...localGet(PV), ...MUL, ...SUB, ...MAX_S]);
CASES[SweepOp.tiedMember] = addCountsTo(Lane.tiedTp);
CASES[SweepOp.tiedNonMember] = addCountsTo(Lane.tiedFp);
CASES[SweepOp.closeTie] = (u) => [
  ...update(u, Lane.area, [...vec(u, Lane.area), ...vec(u, Lane.tiedFp), ...vec(u, Lane.tp), ...i32Const(1), ...SHL, ...vec(u, Lane.tiedTp), ...ADD, ...MUL, ...ADD]),
  ...update(u, Lane.tp, [...vec(u, Lane.tp), ...vec(u, Lane.tiedTp), ...ADD]),
  ...update(u, Lane.fp, [...vec(u, Lane.fp), ...vec(u, Lane.tiedFp), ...ADD]),
  ...update(u, Lane.tiedTp, ZERO),
  ...update(u, Lane.tiedFp, ZERO),
];
CASES[SweepOp.wrong] = addCountsTo(Lane.wrong);

/**
 * switch (kind) { case i: cases[i]; break } as nested blocks and one br_table: block i is left by
 * the table's entry i, its case follows its end, then a br leaves the whole switch.
 */
function switchOn(kind: number[], cases: GroupCode[]): number[] {
  const n = cases.length;
  let code = [...BLOCK, ...kind, ...brTable(cases.map((_, i) => i), n - 1), ...END];
  cases.forEach((body, i) => {
    code = [...(i < n - 1 ? BLOCK : []), ...code, ...everyGroup(body), ...(i < n - 1 ? [...br(n - 1 - i), ...END] : [])];
  });
  return [...BLOCK, ...code, ...END];
}

// Per resample: twice the AUC's Mann–Whitney count, ties half (Hanley & McNeil 1982, doi:10.1148/radiology.143.1.7063747).
/**
 * sweep(ops, opsEnd, counts, strideBytes, state, stateEnd, n, p): for each operation word
 * (ops..opsEnd), its record's counts start at counts + record·strideBytes; its case runs over every
 * lane group of the state.
 */
function sweepFunction(): OneFunctionModule {
  const kind = [...localGet(OP), ...i32Const((1 << KIND_BITS) - 1), ...I32_AND];
  return {
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [[4, I32], [3, V128]],
    body: [
      ...localGet(N), ...SPLAT, ...localSet(NV),
      ...localGet(P), ...SPLAT, ...localSet(PV),
      ...localGet(OPS), ...localSet(AT),
      ...BLOCK, ...LOOP,
      ...localGet(AT), ...localGet(OPS_END), ...I32_GE_U, ...brIf(1),
      ...localGet(AT), ...I32_LOAD, ...localSet(OP),
      // C = counts + (op >>> KIND_BITS) · stride
      ...localGet(COUNTS), ...localGet(OP), ...i32Const(KIND_BITS), ...I32_SHR_U, ...localGet(STRIDE), ...I32_MUL, ...I32_ADD, ...localSet(C),
      ...switchOn(kind, CASES),
      ...localGet(AT), ...i32Const(4), ...I32_ADD, ...localSet(AT),
      ...br(0), ...END, ...END,
    ],
  };
}

type SweepFunction = (ops: number, opsEnd: number, counts: number, strideBytes: number, state: number, stateEnd: number, n: number, p: number) => void;

export interface SimdSweep {
  /**
   * The plan over resamples 0..B−1 of `counts` (row stride `stride`, a multiple of SIMD_LANES);
   * the same sums as sweepInJs, or undefined where its memory cannot grow to hold them. The counts
   * are copied in only when another array comes: an array must not change between two runs.
   */
  run(plan: SweepPlan, counts: Uint16Array, B: number, stride: number): SweepSums | undefined;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** The sweep on its own memory: counts first (kept while the same array comes back), then the state, then the operations. */
function bindSweep(sweep: SweepFunction, memory: GrowableMemory): SimdSweep {
  let copied: Uint16Array | undefined;
  return {
    run(plan, counts, B, stride) {
      if (stride % SIMD_LANES !== 0 || stride < B) throw new RangeError(`the counts' row stride ${stride} must be a multiple of ${SIMD_LANES} and at least B = ${B}`);
      const groups = stride / 4;
      const stateAt = align(counts.byteLength);
      const opsAt = stateAt + groups * GROUP_BYTES;
      const end = opsAt + plan.ops.byteLength;
      if (end > memory.buffer.byteLength) {
        try {
          memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE_BYTES));
        } catch {
          return undefined; // RangeError: the engine refuses more memory; the JS engine needs none of it.
        }
      }
      const buffer = memory.buffer as ArrayBuffer;
      if (copied !== counts) {
        new Uint16Array(buffer, 0, counts.length).set(counts);
        copied = counts;
      }
      const state = new Int32Array(buffer, stateAt, groups * (GROUP_BYTES / 4));
      state.fill(0);
      new Int32Array(buffer, opsAt, plan.ops.length).set(plan.ops);
      sweep(opsAt, end, 0, stride * 2, stateAt, opsAt, plan.nonMembers, plan.members);
      const lane = (at: number) => Int32Array.from({ length: B }, (_, b) => state[(b >> 2) * (GROUP_BYTES / 4) + at / 4 + (b & 3)]);
      return { area: lane(Lane.area), advantage: lane(Lane.advantage), wrong: lane(Lane.wrong) };
    },
  };
}

let compiled: SimdSweep | null | undefined;

/** The SIMD sweep, compiled on first use (once per process), or undefined where the engine has no WebAssembly SIMD. */
export function simdSweep(): SimdSweep | undefined {
  if (compiled === undefined) {
    compiled = null;
    try {
      const memory = createMemory(1);
      const sweep = memory && instantiateOnHeap<SweepFunction>(sweepFunction(), memory);
      if (memory && sweep) compiled = bindSweep(sweep, memory);
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

/** The SIMD sweep where it gives exactly the JS sums for these sizes (see the bound above), else undefined. */
export function simdSweepFor(members: number, nonMembers: number): SimdSweep | undefined {
  // Below 65,536 records the counts are 16-bit (metrics/intervals.ts draws them so).
  const fits = members + nonMembers < 0x10000 && 2 * members * nonMembers < INT32_LIMIT;
  return fits ? simdSweep() : undefined;
}
