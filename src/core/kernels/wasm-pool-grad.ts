/**
 * MaxPoolGrad for the wasm backend. tfjs-backend-wasm 4.22 has one, but it spent 30 ms of a 120 ms
 * CNN training step here (it rescans every window for every input pixel). This one makes a single
 * pass: for each output, find the window's maximum and route dy there; 2×2 windows at stride 2
 * (every pooling layer of the project's CNNs) take the branch-free SIMD route of wasm-simd-pool.ts.
 *
 * Ties go to the first maximum in row-major window order (strict `>`), as in the cpu backend, which
 * matters after a ReLU: all-zero windows are common, and the gradient must land on the same pixel
 * on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM, heapF32, replaceKernel, type KernelArgs, type WasmBackendLike } from './wasm-heap';
import { simdPoolRoute, type WasmMemory } from './wasm-simd-pool';

/** What the SIMD route needs of the backend besides WasmBackendLike: its memory and each tensor's address. */
interface WasmBackendWithMemory extends WasmBackendLike {
  readonly wasm?: { readonly asm?: { readonly memory?: WasmMemory } };
  readonly dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

type PoolInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;

/**
 * 2×2 windows at stride 2 inside the input, channels in fours: the case wasm-simd-pool.ts routes
 * without branches (0.7 against 13.4 ms for 128×26×26×16, medians of 20 calls here, and 0.3 against
 * 3.9 ms for 128×11×11×32). Returns false where it does not apply.
 */
function routeBySimd(backend: WasmBackendWithMemory, dy: tf.TensorInfo, input: tf.TensorInfo, dxInfo: tf.TensorInfo, info: PoolInfo): boolean {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const fits =
    info.effectiveFilterHeight === 2 && info.effectiveFilterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && 2 * OH <= H && 2 * OW <= W && C % 4 === 0;
  const memory = backend.wasm?.asm?.memory;
  const address = (t: tf.TensorInfo) => backend.dataIdMap?.get(t.dataId)?.memoryOffset;
  const [x, g, dx] = [address(input), address(dy), address(dxInfo)];
  if (!fits || memory === undefined || x === undefined || g === undefined || dx === undefined) return false;
  const route = simdPoolRoute(memory);
  if (route === undefined) return false;
  // Rows and columns no window covers keep 0; the route writes every covered pixel.
  if (2 * OH < H || 2 * OW < W) heapF32(backend, dxInfo).fill(0);
  route(x, g, dx, info.batchSize, H, W, C, OH, OW);
  return true;
}

export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The scalar rule for any window: dx[argmax] += dy per output and channel, dx starting at 0. */
export function routeWindows(x: Float32Array, g: Float32Array, dx: Float32Array, info: PoolInfo): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowFrom = Math.max(0, oh * sh - top);
      const rowTo = Math.min(H, oh * sh - top + FH);
      for (let ow = 0; ow < OW; ow++, o += C) {
        const colFrom = Math.max(0, ow * sw - left);
        const colTo = Math.min(W, ow * sw - left + FW);
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let where = -1;
          for (let ih = rowFrom; ih < rowTo; ih++) {
            for (let iw = colFrom; iw < colTo; iw++) {
              const at = ((n * H + ih) * W + iw) * C + c;
              const value = x[at];
              if (value > best) {
                best = value;
                where = at;
              }
            }
          }
          if (where >= 0) dx[where] += g[o + c];
        }
      }
    }
  }
}

/** Pool geometry of a MaxPoolGrad call. */
export function poolInfoOf(inputShape: readonly number[], attrs: MaxPoolGradAttrs): PoolInfo {
  return tf.backend_util.computePool2DInfo(inputShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs;
  const info = poolInfoOf(input.shape, args.attrs as unknown as MaxPoolGradAttrs);
  const dxInfo = backend.makeOutput([...input.shape], 'float32');
  if (routeBySimd(backend as WasmBackendWithMemory, dy, input, dxInfo, info)) return dxInfo;
  routeWindows(heapF32(backend, input), heapF32(backend, dy), heapF32(backend, dxInfo), info);
  return dxInfo;
}

/** Replace the wasm backend's MaxPoolGrad with the single-pass version above. Idempotent. */
export function registerWasmMaxPoolGradKernel(): void {
  replaceKernel({ kernelName: 'MaxPoolGrad', backendName: WASM, kernelFunc: maxPoolGrad as unknown as tf.KernelFunc });
}
