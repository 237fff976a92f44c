/**
 * C = A·B in float32 as WebAssembly relaxed SIMD: register-blocked tiles of f32x4 accumulators,
 * each updated by f32x4.relaxed_madd (a·b + c), run on tfjs-backend-wasm's own heap.
 *
 * Why: XNNPACK's product in tfjs-backend-wasm 4.22 is plain wasm SIMD, which has no fused
 * multiply-add: a multiply and an add, each rounded, 7–9 G multiply-adds a second on one thread
 * here (bench/README.md, "The arithmetic floor"). Relaxed SIMD's madd may lower to the CPU's FMA
 * instruction (V8 does on x64 with FMA3), one instruction and one rounding per multiply-add.
 *
 * The tile: MR rows of C by 4·NV columns, MR·NV accumulators in registers. Each step p of the
 * inner loop loads B's row p of the tile (NV vectors), splats A[r, p] for each row r (one
 * load32_splat) and updates the tile. A is read through a row stride and a column stride, so Aᵀ
 * (a transposed left operand) costs nothing: the kernel reads it where it lies.
 *
 * Every element of C is c = fma(A[i, k−1], B[k−1, j], … fma(A[i, 0], B[0, j], 0)): one
 * accumulator, p in order, whatever the tile. So the result does not depend on how a product is
 * split into tiles, batches or calls, only on whether the engine fuses relaxed_madd (it may not:
 * relaxed SIMD lets an engine without FMA multiply and add; tests/kernels/wasm-gemm.test.ts checks
 * that V8 fuses it on an FMA CPU).
 *
 * Relaxed SIMD: WebAssembly relaxed-simd proposal (on by default in Chromium; Node 20 needs
 * --experimental-wasm-relaxed-simd, set by src/node/backend.ts). Where it does not validate,
 * `gemmFor` is undefined and the caller keeps XNNPACK.
 */
import { I32, V128, i32Const, instantiateOnHeap, localGet, localSet, oncePerMemory, simd, uleb, type OneFunctionModule, type WasmMemory } from './wasm-assembler';

/** f32x4.relaxed_madd(a, b, c) = a·b + c, fused or not (relaxed-simd proposal, opcode 0xfd 0x105). */
export const RELAXED_MADD = simd(0x105);

const ADD = [0x6a]; // i32.add
const SUB = [0x6b]; // i32.sub
const MUL = [0x6c]; // i32.mul
const LT_U = [0x49]; // i32.lt_u
const load = (offset: number) => simd(0x00, 0, ...uleb(offset)); // v128.load, align 1
const store = (offset: number) => simd(0x0b, 0, ...uleb(offset)); // v128.store
const ZERO = simd(0x0c, ...new Array(16).fill(0)); // v128.const 0

/** gemm(a, b, c, m, nBytes, k, rowStrideA, colStrideA, ldb, ldc): strides in bytes, m % MR = 0, nBytes % (16·NV) = 0, k ≥ 1. */
export type GemmTiles = (a: number, b: number, c: number, m: number, nBytes: number, k: number, rowStrideA: number, colStrideA: number, ldb: number, ldc: number) => void;

/**
 * How a tile loop walks A. strided: one pointer per row, each advanced by colStrideA a step (any
 * layout). rowsAdjacent: rowStrideA = 4 (Aᵀ as stored, xᵀ·dy), one pointer for all rows with the
 * rows at fixed offsets: 0.81 against 0.89 ms for the MLP's 784×128×128 here. Same loads, same
 * order of FMAs. (Four or two steps a pass with A's splats at fixed offsets, for A as stored,
 * measured slower than one: 1.05 and 0.98 against 0.73 ms for 128×784×128.)
 */
export type ALayout = 'strided' | 'rowsAdjacent';

const LOAD_SPLAT_AT = (offset: number) => simd(0x09, 0, ...uleb(offset)); // v128.load32_splat
const LOAD_SPLAT = LOAD_SPLAT_AT(0);

/** while (counter) { body; counter-- }, the counter set from `init` first. */
function countedLoop(counter: number, init: number[], body: number[]): number[] {
  return [
    ...init, ...localSet(counter),
    0x02, 0x40, // block
    ...localGet(counter), 0x45 /* i32.eqz */, 0x0d, 0x00, // skip when 0
    0x03, 0x40,
    ...body,
    ...localGet(counter), ...i32Const(1), ...SUB, ...localSet(counter),
    ...localGet(counter), 0x0d, 0x00, // br_if 0 while counter ≠ 0
    0x0b, 0x0b,
  ];
}

/** The tile loop for MR rows by 4·NV columns, as one function. */
export function gemmTilesFunction(rows: number, vectors: number, layout: ALayout = 'strided', accumulate = false): OneFunctionModule {
  const [A, B, C, M, N, K, RSA, CSA, LDB, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, j, p, bp, cp] = [10, 11, 12, 13, 14];
  const rowPointer = (r: number) => 15 + r;
  const firstVector = 15 + rows;
  const acc = (r: number, v: number) => firstVector + r * vectors + v;
  const bv = (v: number) => firstVector + rows * vectors + v;
  const av = firstVector + rows * vectors + vectors;
  const get = localGet;
  const set = localSet;
  const advance = (local: number, by: number[]) => [...get(local), ...by, ...ADD, ...set(local)];

  /** One step p: B's row of the tile, then each row's splat of A[r, p] (at `splatOf(r)`) times it. */
  const step = (splatOf: (r: number) => number[]) => [
    ...Array.from({ length: vectors }, (_, v) => [...get(bp), ...load(16 * v), ...set(bv(v))]).flat(),
    ...advance(bp, get(LDB)),
    ...Array.from({ length: rows }, (_, r) => [
      ...splatOf(r), ...set(av),
      ...Array.from({ length: vectors }, (_, v) => [...get(av), ...get(bv(v)), ...get(acc(r, v)), ...RELAXED_MADD, ...set(acc(r, v))]).flat(),
    ]).flat(),
  ];
  const steps =
    layout === 'strided'
      ? countedLoop(p, get(K), [
          ...step((r) => [...get(rowPointer(r)), ...LOAD_SPLAT]),
          ...Array.from({ length: rows }, (_, r) => advance(rowPointer(r), get(CSA))).flat(),
        ])
      : countedLoop(p, get(K), [...step((r) => [...get(rowPointer(0)), ...LOAD_SPLAT_AT(4 * r)]), ...advance(rowPointer(0), get(CSA))]);
  const tileOfC = [...get(C), ...get(i), ...get(LDC), ...MUL, ...ADD, ...get(j), ...ADD, ...set(cp)];
  const tile = [
    // Row pointers of A: a + (i + r)·rowStrideA.
    ...get(A), ...get(i), ...get(RSA), ...MUL, ...ADD, ...set(rowPointer(0)),
    ...Array.from({ length: rows - 1 }, (_, r) => [...get(rowPointer(r)), ...get(RSA), ...ADD, ...set(rowPointer(r + 1))]).flat(),
    ...get(B), ...get(j), ...ADD, ...set(bp),
    // The accumulators start at 0, or, accumulating, at C's tile (the chain of FMAs a block of k before left there).
    ...(accumulate
      ? [
          ...tileOfC,
          ...Array.from({ length: rows }, (_, r) => [
            ...Array.from({ length: vectors }, (_, v) => [...get(cp), ...load(16 * v), ...set(acc(r, v))]).flat(),
            ...(r + 1 < rows ? advance(cp, get(LDC)) : []),
          ]).flat(),
        ]
      : Array.from({ length: rows * vectors }, (_, t) => [...ZERO, ...set(firstVector + t)]).flat()),
    ...steps,
    // Store the tile at c + i·ldc + j, row after row.
    ...tileOfC,
    ...Array.from({ length: rows }, (_, r) => [
      ...Array.from({ length: vectors }, (_, v) => [...get(cp), ...get(acc(r, v)), ...store(16 * v)]).flat(),
      ...(r + 1 < rows ? [...get(cp), ...get(LDC), ...ADD, ...set(cp)] : []),
    ]).flat(),
  ];
  // for (j = 0; j < nBytes; j += 16·NV) for (i = 0; i < m; i += MR) tile — a column strip of B stays in cache while A's rows go by.
  const body = [
    ...i32Const(0), ...set(j),
    0x02, 0x40, 0x03, 0x40,
    ...get(j), ...get(N), ...LT_U, 0x45 /* i32.eqz */, 0x0d, 0x01,
    ...i32Const(0), ...set(i),
    0x02, 0x40, 0x03, 0x40,
    ...get(i), ...get(M), ...LT_U, 0x45, 0x0d, 0x01,
    ...tile,
    ...get(i), ...i32Const(rows), ...ADD, ...set(i),
    0x0c, 0x00, 0x0b, 0x0b,
    ...get(j), ...i32Const(16 * vectors), ...ADD, ...set(j),
    0x0c, 0x00, 0x0b, 0x0b,
  ];
  return {
    params: new Array(10).fill(I32),
    locals: [[5 + rows, I32], [rows * vectors + vectors + 1, V128]],
    body,
  };
}

/** The tile loops of one memory, each assembled when first asked for; undefined where relaxed SIMD does not validate. */
export const gemmTilesFor = oncePerMemory((memory: WasmMemory) => {
  const made = new Map<string, GemmTiles | undefined>();
  const tiles = (rows: number, vectors: number, layout: ALayout = 'strided', accumulate = false): GemmTiles | undefined => {
    const key = `${rows}x${vectors}/${layout}/${accumulate}`;
    if (!made.has(key)) made.set(key, instantiateOnHeap<GemmTiles>(gemmTilesFunction(rows, vectors, layout, accumulate), memory));
    return made.get(key);
  };
  return tiles(4, 2) === undefined ? undefined : tiles;
});

/**
 * Rows of C a tile covers. 4×8 (register blocking as in Goto & van de Geijn, ACM TOMS 34(3), 2008;
 * no arXiv id): 3×12 and 2×16 measured within noise of it on the MLP's shapes here, 6×8 slower
 * (bench/README.md, "Past the floor").
 */
const TILE_ROWS = 4;

/**
 * Steps of k per pass over C: a column strip of B (DEPTH_BLOCK·32 bytes) then stays in L1 while
 * A's rows go by; a long k (a convolution's filter gradient sums over every position of the batch:
 * 15,488 for the CNN's conv2) would stream it from memory once per row tile. A pass after the first
 * starts its accumulators from C, so every element is still one chain of FMAs in k order. Measured
 * here on [15488, 144]ᵀ·[15488, 32]: 4.7–5.1 ms at 128–512, 20 ms unblocked (XNNPACK's route 14.7);
 * no difference on the MLP's k = 784 (bench/README.md, "Past the floor").
 */
const DEPTH_BLOCK = 256;

/**
 * One product C = A·B on the heap, every quantity in bytes but m, n, k: A[i, p] lies at
 * a + i·rowStrideA + p·colStrideA (so Aᵀ is a choice of strides), B is k rows of n floats at row
 * stride ldb, C m rows of n floats at row stride ldc.
 */
export interface GemmOperands {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly m: number;
  /** A multiple of 4 (the caller pads B and C to it). */
  readonly n: number;
  readonly k: number;
  readonly rowStrideA: number;
  readonly colStrideA: number;
  readonly ldb: number;
  readonly ldc: number;
  /** Steps of k per pass over C (DEPTH_BLOCK unless given; the result is the same bit for bit). */
  readonly depthBlock?: number;
}

export type Gemm = (operands: GemmOperands) => void;

/**
 * The product on `memory` (tfjs-backend-wasm's heap), or undefined where relaxed SIMD does not
 * validate. Full 4×8 tiles first, then the rows left over (fewer than 4) and the 4 columns left
 * over by tile loops of their own size; every element is the same chain of FMAs either way.
 */
export const gemmFor = oncePerMemory((memory: WasmMemory): Gemm | undefined => {
  const tiles = gemmTilesFor(memory);
  if (tiles === undefined) return undefined;
  const tile = (rows: number, vectors: number, layout: ALayout, accumulate: boolean): GemmTiles => {
    const loop = tiles(rows, vectors, layout, accumulate);
    // The 4×8 loop validated, so its smaller siblings should: never skip a part of C silently.
    if (loop === undefined) throw new Error(`wasm gemm: the ${rows}×${4 * vectors} ${layout} tile loop did not compile on this engine`);
    return loop;
  };
  /** Columns [column, column + width) of C over k-steps [from, from + depth). */
  const strip = (o: GemmOperands, column: number, width: number, vectors: number, from: number, depth: number) => {
    const whole = o.m - (o.m % TILE_ROWS);
    const a = o.a + from * o.colStrideA;
    const b = o.b + from * o.ldb + column * 4;
    const c = o.c + column * 4;
    const layout: ALayout = o.rowStrideA === 4 && o.colStrideA !== 4 ? 'rowsAdjacent' : 'strided';
    const accumulate = from > 0;
    if (whole > 0) tile(TILE_ROWS, vectors, layout, accumulate)(a, b, c, whole, width * 4, depth, o.rowStrideA, o.colStrideA, o.ldb, o.ldc);
    const rest = o.m - whole;
    if (rest > 0) tile(rest, vectors, layout, accumulate)(a + whole * o.rowStrideA, b, c + whole * o.ldc, rest, width * 4, depth, o.rowStrideA, o.colStrideA, o.ldb, o.ldc);
  };
  return (o) => {
    if (o.n % 4 !== 0) throw new Error(`wasm gemm: n must be a multiple of 4, got ${o.n}`);
    if (o.m === 0 || o.n === 0) return;
    if (o.k === 0) {
      const heap = new Float32Array(memory.buffer);
      for (let i = 0; i < o.m; i++) heap.fill(0, (o.c + i * o.ldc) / 4, (o.c + i * o.ldc) / 4 + o.n);
      return;
    }
    const wide = o.n - (o.n % 8);
    const block = o.depthBlock ?? DEPTH_BLOCK;
    for (let from = 0; from < o.k; from += block) {
      const depth = Math.min(block, o.k - from);
      if (wide > 0) strip(o, 0, wide, 2, from, depth);
      if (wide < o.n) strip(o, wide, 4, 1, from, depth);
    }
  };
});
