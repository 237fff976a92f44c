/**
 * Adam's elementwise update (Kingma & Ba, arXiv:1412.6980) as a tiny WebAssembly SIMD function that
 * works in place on tfjs-backend-wasm's own heap, for the fused Adam kernel (fused-adam.ts).
 *
 * Why: the fused kernel's JS loop is scalar float64 with a division and a square root per weight,
 * ~5–10 ns a weight here; a training epoch of 16 reference MLPs updates 13 M weights, so Adam was a
 * fifth of both the batched and the one-by-one epoch (bench/profile-batched.ts). Four lanes at once,
 * reading and writing the tensors where tfjs keeps them (the module imports the backend's memory),
 * make it several times cheaper.
 *
 * It computes tfjs's own sequence in float32, op by op (tf.train.adam's applyGradients):
 *   m' = m·β1 + g·(1−β1),  v' = v·β2 + g²·(1−β2),  w' = ((m'/c1) / (√(v'/c2) + ε))·(−lr) + w
 * WebAssembly's f32x4 arithmetic is IEEE float32, correctly rounded and never fused, so the result is
 * bit for bit what tf.train.adam gives (tests/kernels/wasm-simd-adam.test.ts checks it).
 *
 * The function is written out below as instructions, with their text form beside them, and
 * assembled at start-up by wasm-assembler.ts: one function, no tables, no data, nothing fetched.
 */
import { F32, I32, V128, i32Const, instantiateOnHeap, localGet, localSet, oncePerMemory, simd, type WasmMemory } from './wasm-assembler';

export type { WasmMemory } from './wasm-assembler';

/** The scalars of one model's update, each already a float32 value as tfjs would make it. */
export interface SimdAdamScalars {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  /** 1 − β1^t and 1 − β2^t of this model's step t. */
  readonly correction1: number;
  readonly correction2: number;
  readonly epsilon: number;
  readonly negativeLearningRate: number;
}

/** Byte offsets into the backend's memory of w, g, m, v (read) and w', m', v' (written). */
export interface SimdAdamOffsets {
  readonly w: number;
  readonly g: number;
  readonly m: number;
  readonly v: number;
  readonly w2: number;
  readonly m2: number;
  readonly v2: number;
}

export interface SimdAdam {
  /** Update `count` consecutive float32 weights (any count; a tail under 4 runs in JS, same float32 steps). */
  update(at: SimdAdamOffsets, count: number, s: SimdAdamScalars): void;
}

// Instructions used by the body.
const get = localGet;
const set = localSet;
/** v128.load / v128.store with alignment hint 0 (tensors of 10-wide biases start anywhere) and offset 0. */
const load = simd(0x00, 0x00, 0x00);
const store = simd(0x0b, 0x00, 0x00);
const splat = simd(0x13);
const [sqrt, add, mul, div] = [simd(0xe3), simd(0xe4), simd(0xe6), simd(0xe7)];

// Parameters: 0–6 the offsets (w, g, m, v, w2, m2, v2), 7 the byte count, 8–15 the scalars in
// SimdAdamScalars order. Locals: 16 the byte index i, 17–24 the scalars splatted, 25–27 g, m', v'.
const [W, G, M, V, W2, M2, V2, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const [I, B1, OB1, B2, OB2, C1, C2, EPS, NLR, GV, MV, VV] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
const at = (base: number) => [...get(base), ...get(I), 0x6a /* i32.add */];

const body = [
  ...[8, 9, 10, 11, 12, 13, 14, 15].flatMap((p, j) => [...get(p), ...splat, ...set(B1 + j)]),
  0x02, 0x40, // block
  0x03, 0x40, //   loop
  ...get(I), ...get(BYTES), 0x4f /* i32.ge_u */, 0x0d, 0x01, // br_if 1 when i ≥ bytes
  ...at(G), ...load, ...set(GV), // g
  ...at(M), ...load, ...get(B1), ...mul, ...get(GV), ...get(OB1), ...mul, ...add, ...set(MV), // m·β1 + g·(1−β1)
  ...at(V), ...load, ...get(B2), ...mul, ...get(GV), ...get(GV), ...mul, ...get(OB2), ...mul, ...add, ...set(VV), // v·β2 + g²·(1−β2)
  ...at(M2), ...get(MV), ...store,
  ...at(V2), ...get(VV), ...store,
  ...at(W2), // address of w'
  ...get(MV), ...get(C1), ...div, // m'/c1
  ...get(VV), ...get(C2), ...div, ...sqrt, ...get(EPS), ...add, // √(v'/c2) + ε
  ...div, ...get(NLR), ...mul, // (…/…)·(−lr)
  ...at(W), ...load, ...add, // + w
  ...store,
  ...get(I), ...i32Const(16), 0x6a /* i32.add */, ...set(I),
  0x0c, 0x00, // br 0
  0x0b, // end loop
  0x0b, // end block
];

/** adam(w, g, m, v, w2, m2, v2, bytes, the eight scalars): the body above as a module. */
const ADAM = {
  params: [...Array(8).fill(I32), ...Array(8).fill(F32)],
  locals: [[1, I32], [11, V128]] as const,
  body,
};

/** The same float32 steps in JS, for the < 4 weights after the last full lane group. */
function updateTail(memory: WasmMemory, at: SimdAdamOffsets, from: number, count: number, s: SimdAdamScalars): void {
  const f = Math.fround;
  const heap = new Float32Array(memory.buffer);
  for (let i = from; i < count; i++) {
    const g = heap[at.g / 4 + i];
    const m = f(f(heap[at.m / 4 + i] * s.beta1) + f(g * s.oneMinusBeta1));
    const v = f(f(heap[at.v / 4 + i] * s.beta2) + f(f(g * g) * s.oneMinusBeta2));
    heap[at.m2 / 4 + i] = m;
    heap[at.v2 / 4 + i] = v;
    const step = f(f(f(m / s.correction1) / f(f(Math.sqrt(f(v / s.correction2))) + s.epsilon)) * s.negativeLearningRate);
    heap[at.w2 / 4 + i] = f(step + heap[at.w / 4 + i]);
  }
}

/**
 * The SIMD update bound to `memory` (the wasm backend's heap), or undefined where this engine has
 * no WebAssembly SIMD: the caller keeps its JS loop then. Compiled once per memory.
 */
export const simdAdamFor = oncePerMemory((memory): SimdAdam | undefined => {
  const adam = instantiateOnHeap<(...args: number[]) => void>(ADAM, memory);
  if (adam === undefined) return undefined;
  return {
    update(at, count, s) {
      const lanes = count & ~3;
      adam(at.w, at.g, at.m, at.v, at.w2, at.m2, at.v2, lanes * 4, s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.correction1, s.correction2, s.epsilon, s.negativeLearningRate);
      if (lanes < count) updateTail(memory, at, lanes, count, s);
    },
  };
});
