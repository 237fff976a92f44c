/**
 * MaxPoolGrad's routing for 2×2 windows at stride 2 (every pooling layer of the project's CNNs) as
 * a few hundred bytes of WebAssembly SIMD, run on tfjs-backend-wasm's own heap.
 *
 * Why not JavaScript: which of a window's four inputs is its maximum is data, so the scalar loop's
 * `if (value > best)` mispredicts about once a window (post-ReLU data is half zeros, in random
 * places): 12–18 ms for the CNN's 128×26×26×16 gradient here, against 2 ms for the same loop on
 * sorted data. V8 emits no conditional moves for float selects, and every branch-free rewrite in
 * JS measured slower. Wasm SIMD compares four channels at once and selects with bit masks, without
 * a branch.
 *
 * What it computes is the scalar kernel's rule exactly (wasm-pool-grad.ts): per channel, the first
 * strict maximum in row-major window order starting from −∞ gets 0 + dy (so a −0 gradient lands as
 * +0, as there), the other three get 0; an all −∞ or NaN window routes nowhere. Rows and columns
 * that no window covers (odd sizes) stay 0. Channels must come in fours.
 *
 * The module is assembled from its instructions by wasm-assembler.ts (no toolchain, nothing
 * fetched) and imports the backend's WebAssembly.Memory, so it reads and writes tensors where they lie.
 */
import { I32, V128, forLoop, i32Const, instantiateOnHeap, localGet, localSet, oncePerMemory, simd, type OneFunctionModule } from './wasm-assembler';

export type { WasmMemory } from './wasm-assembler';

/** One function: route(x, dy, dx, batch, height, width, channels, outHeight, outWidth), byte addresses. */
type Route = (x: number, dy: number, dx: number, batch: number, height: number, width: number, channels: number, outHeight: number, outWidth: number) => void;

// Instructions (WebAssembly core and fixed-width SIMD, final opcode numbering).
const get = localGet;
const set = localSet;
const i32 = i32Const;
const ADD = [0x6a];
const MUL = [0x6c];
const LOAD = simd(0x00, 4, 0); // v128.load, align 16, offset 0
const STORE = simd(0x0b, 4, 0); // v128.store
const GT = simd(0x44); // f32x4.gt
const AND = simd(0x4e);
const ANDNOT = simd(0x4f); // a & ~b
const OR = simd(0x50);
const BITSELECT = simd(0x52); // (a & mask) | (b & ~mask)
const FADD = simd(0xe4); // f32x4.add
const v128Const = (bytes: number[]) => simd(0x0c, ...bytes);
const NEG_INFINITY = v128Const([0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff]);
const ZERO = v128Const(new Array(16).fill(0));

function routeFunction(): OneFunctionModule {
  // Parameters 0–8 as in Route; then i32 locals, then v128 locals.
  const [x, dy, dx, batch, height, width, channels, outHeight, outWidth] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [n, oh, ow, c, window, rowBytes, channelBytes, gradient, tap] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const [best, ma, mb, mc, md, g] = [18, 19, 20, 21, 22, 23];
  const loadTap = (offset: number[]) => [...get(x), ...get(window), ...ADD, ...offset, ...ADD, ...LOAD];
  const compare = (mask: number, offset: number[], last: boolean) => [
    ...loadTap(offset), ...get(best), ...GT, ...set(mask),
    // best = mask ? tap : best (not needed after the last tap)
    ...(last ? [] : [...loadTap(offset), ...get(best), ...get(mask), ...BITSELECT, ...set(best)]),
  ];
  const offsets = [i32(0), get(channelBytes), get(rowBytes), [...get(rowBytes), ...get(channelBytes), ...ADD]];
  // The winner of each tap: its mask and none of the later ones.
  const winners = [
    [...get(ma), ...get(mb), ...get(mc), ...OR, ...get(md), ...OR, ...ANDNOT],
    [...get(mb), ...get(mc), ...get(md), ...OR, ...ANDNOT],
    [...get(mc), ...get(md), ...ANDNOT],
    [...get(md)],
  ];
  const store = (i: number) => [
    ...get(dx), ...get(window), ...ADD, ...offsets[i], ...ADD,
    ...ZERO, ...get(g), ...winners[i], ...AND, ...FADD, ...STORE,
  ];
  const channelStep = [
    ...NEG_INFINITY, ...set(best),
    ...compare(ma, offsets[0], false),
    ...compare(mb, offsets[1], false),
    ...compare(mc, offsets[2], false),
    ...compare(md, offsets[3], true),
    ...get(dy), ...get(gradient), ...ADD, ...LOAD, ...set(g),
    ...store(0), ...store(1), ...store(2), ...store(3),
    ...get(gradient), ...i32(16), ...ADD, ...set(gradient),
    ...get(window), ...i32(16), ...ADD, ...set(window),
  ];
  // window = ((n·H + 2·oh)·W + 2·ow)·C·4 bytes, advanced by 16 per four channels.
  const windowStart = [
    ...get(n), ...get(height), ...MUL, ...get(oh), ...i32(2), ...MUL, ...ADD, ...get(width), ...MUL,
    ...get(ow), ...i32(2), ...MUL, ...ADD, ...get(channelBytes), ...MUL, ...set(window),
  ];
  const code = [
    ...get(channels), ...i32(4), ...MUL, ...set(channelBytes),
    ...get(width), ...get(channelBytes), ...MUL, ...set(rowBytes),
    ...i32(0), ...set(gradient),
    ...forLoop(n, get(batch), 1,
      forLoop(oh, get(outHeight), 1,
        forLoop(ow, get(outWidth), 1, [...windowStart, ...forLoop(c, get(channels), 4, channelStep)]))),
  ];
  return { params: new Array(9).fill(I32), locals: [[9, I32], [6, V128]], body: code };
}

/**
 * The routing function bound to `memory` (tfjs-backend-wasm's heap, shared or not), or undefined
 * where this engine cannot run it: the caller then takes the scalar loop. Decided once per memory.
 */
export const simdPoolRoute = oncePerMemory((memory) => instantiateOnHeap<Route>(routeFunction(), memory));
