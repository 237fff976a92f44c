/**
 * MaxPoolGrad for the wasm backend. tfjs-backend-wasm 4.22 has one, but it spent 30 ms of a 120 ms
 * CNN training step here (it rescans every window for every input pixel). This one makes a single
 * pass: for each output, find the window's maximum and route dy there.
 *
 * Ties go to the first maximum in row-major window order (strict `>`), as in the cpu backend, which
 * matters after a ReLU: all-zero windows are common, and the gradient must land on the same pixel
 * on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM, heapF32, replaceKernel, type KernelArgs } from './wasm-heap';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs;
  const attrs = args.attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = info;
  const { top, left } = info.padInfo;
  const dxInfo = backend.makeOutput([...input.shape], 'float32');
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const dx = heapF32(backend, dxInfo);
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
  return dxInfo;
}

/** Replace the wasm backend's MaxPoolGrad with the single-pass version above. Idempotent. */
export function registerWasmMaxPoolGradKernel(): void {
  replaceKernel({ kernelName: 'MaxPoolGrad', backendName: WASM, kernelFunc: maxPoolGrad as unknown as tf.KernelFunc });
}
