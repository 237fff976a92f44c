/**
 * Convolution gradients for the wasm backend, so that CNNs train on wasm.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (a CNN cannot train at all) and a naive
 * Conv2DBackpropInput (86 ms for one 128×13×13×16 → 32 layer here, against 9 ms for the forward
 * convolution on XNNPACK). Both gradients are one matrix product around an im2col rearrangement
 * (Chellapilla et al. 2006, "High performance convolutional neural networks for document processing"):
 *
 *   filter:  dW[R, Cout] = colsᵀ[R, P] · dy[P, Cout]     (im2col, written transposed, then a product)
 *   input:   dcols[P, R] = dy[P, Cout] · Wᵀ[Cout, R]     (a product, then col2im scatter-add)
 *
 * (at stride 1 the input gradient is a convolution itself and runs on XNNPACK's: see
 * conv2DBackpropInputByConvolution)
 *
 * with P = batch·outHeight·outWidth output positions and R = filterHeight·filterWidth·inChannels.
 * The rearrangements are JS loops over the wasm heap; the products take the lab's matrix-product
 * route (wasm-matmul.ts: relaxed-SIMD FMA where it validates, else XNNPACK). Work is split into chunks of images so
 * the column buffer stays below ~16 MB whatever the batch size.
 *
 * Supported: NHWC, any strides, 'same' / 'valid' / explicit padding, dilation 1 (tfjs has no
 * gradient for dilated conv2d anyway). Anything else goes to a clear error.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM, captureNativeMatMul, dispose, heapF32, replaceKernel, transposeInto, type KernelArgs, type WasmBackendLike } from './wasm-heap';
import { matMul, registerWasmMatMulKernel } from './wasm-matmul';
import { registerWasmMaxPoolGradKernel } from './wasm-pool-grad';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Most floats in one column buffer (16 MB). */
const MAX_COLUMN_FLOATS = 1 << 22;

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(kernel: string, inShape: number[], filterShape: number[], attrs: ConvGradAttrs): Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${kernel} on wasm: only NHWC is supported (got NCHW)`);
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** A convolution's sizes under the short names the rearrangement loops use. */
function geometry(info: Conv2DInfo) {
  return {
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    FH: info.filterHeight,
    FW: info.filterWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** Images per chunk so that a [R, chunk·outHeight·outWidth] buffer fits MAX_COLUMN_FLOATS. */
function imagesPerChunk(info: Conv2DInfo): number {
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const perImage = rows * info.outHeight * info.outWidth;
  return Math.max(1, Math.min(info.batchSize, Math.floor(MAX_COLUMN_FLOATS / perImage)));
}

/**
 * colsT[r, p] for images [first, first + count): r = (fh·FW + fw)·Cin + ci, p = (n·OH + oh)·OW + ow,
 * the input pixel under filter tap (fh, fw) at output (oh, ow), or 0 in the padding. Tap by tap,
 * each position's Cin channels are read as one contiguous run and written down Cin rows: reading
 * the input once per tap instead of once per tap and channel made this 1.5× faster here (min of
 * 12: 3.7 against 5.6 ms for the CNN's 128×13×13×16 input). With one or two channels the runs are
 * too short to pay, and each row is filled in one sweep instead (1.6 against 3.3 ms, 128×28×28×1).
 */
function im2colTransposed(x: Float32Array, info: Conv2DInfo, first: number, count: number, colsT: Float32Array): void {
  if (info.inChannels < 4) {
    im2colTransposedRowByRow(x, info, first, count, colsT);
    return;
  }
  const { H, W, C, OH, OW, sh, sw, FH, FW, top, left } = geometry(info);
  const positions = count * OH * OW;
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      const tapRows = (fh * FW + fw) * C * positions;
      // Output columns whose input column iw = ow·sw + fw − left lies inside [0, W).
      const owStart = Math.max(0, Math.ceil((left - fw) / sw));
      const owEnd = Math.max(owStart, Math.min(OW, Math.floor((W - 1 + left - fw) / sw) + 1));
      let p = 0;
      for (let n = first; n < first + count; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh + fh - top;
          if (ih < 0 || ih >= H) {
            for (let ci = 0; ci < C; ci++) colsT.fill(0, tapRows + ci * positions + p, tapRows + ci * positions + p + OW);
            p += OW;
            continue;
          }
          const rowBase = (n * H + ih) * W;
          let ow = 0;
          for (; ow < owStart; ow++, p++) for (let ci = 0; ci < C; ci++) colsT[tapRows + ci * positions + p] = 0;
          for (; ow < owEnd; ow++, p++) {
            const from = (rowBase + ow * sw + fw - left) * C;
            let to = tapRows + p;
            for (let ci = 0; ci < C; ci++, to += positions) colsT[to] = x[from + ci];
          }
          for (; ow < OW; ow++, p++) for (let ci = 0; ci < C; ci++) colsT[tapRows + ci * positions + p] = 0;
        }
      }
    }
  }
}

/** The same columns, one row r at a time: sequential writes, reads strided by Cin. */
function im2colTransposedRowByRow(x: Float32Array, info: Conv2DInfo, first: number, count: number, colsT: Float32Array): void {
  const { H, W, C, OH, OW, sh, sw, FH, FW, top, left } = geometry(info);
  const positions = count * OH * OW;
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      const owStart = Math.max(0, Math.ceil((left - fw) / sw));
      const owEnd = Math.min(OW, Math.floor((W - 1 + left - fw) / sw) + 1);
      for (let ci = 0; ci < C; ci++) {
        let p = ((fh * FW + fw) * C + ci) * positions;
        for (let n = first; n < first + count; n++) {
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh + fh - top;
            if (ih < 0 || ih >= H) {
              colsT.fill(0, p, p + OW);
              p += OW;
              continue;
            }
            const rowBase = (n * H + ih) * W;
            let ow = 0;
            for (; ow < owStart; ow++) colsT[p++] = 0;
            for (; ow < owEnd; ow++) colsT[p++] = x[(rowBase + ow * sw + fw - left) * C + ci];
            for (; ow < OW; ow++) colsT[p++] = 0;
          }
        }
      }
    }
  }
}

/**
 * cols[p, r] for images [first, first + count): p = (n·OH + oh)·OW + ow, r = (fh·FW + fw)·Cin + ci,
 * the input pixel under filter tap (fh, fw) at output (oh, ow), or 0 in the padding: im2col
 * row-major, one run of Cin channels per tap.
 */
function im2col(x: Float32Array, info: Conv2DInfo, first: number, count: number, cols: Float32Array): void {
  const { H, W, C, OH, OW, sh, sw, FH, FW, top, left } = geometry(info);
  const rowLength = FH * FW * C;
  let row = 0;
  for (let n = first; n < first + count; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, row += rowLength) {
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh + fh - top;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw - left;
            const to = row + (fh * FW + fw) * C;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              cols.fill(0, to, to + C);
              continue;
            }
            const from = ((n * H + ih) * W + iw) * C;
            for (let ci = 0; ci < C; ci++) cols[to + ci] = x[from + ci];
          }
        }
      }
    }
  }
}

/** The lab's kernel of every example's convolution patches [B, P, kh·kw·Cin] (DP-SGD's per-example gradients read them). */
export const CONV_PATCHES = 'MiaConvPatches';

/** Attributes of CONV_PATCHES: the convolution's geometry, its filter as [kh, kw, Cin]. */
export interface ConvPatchesAttrs {
  readonly filterSize: [number, number, number];
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid';
}

function convPatches(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x } = args.inputs;
  const { filterSize, strides, pad } = args.attrs as unknown as ConvPatchesAttrs;
  const info = convInfo(CONV_PATCHES, x.shape, [...filterSize, 1], { strides, pad, dataFormat: 'NHWC' });
  const out = backend.makeOutput([info.batchSize, info.outHeight * info.outWidth, filterSize[0] * filterSize[1] * filterSize[2]], 'float32');
  im2col(heapF32(backend, x), info, 0, info.batchSize, heapF32(backend, out));
  return out;
}

/** dx[n, ih, iw, ci] += dcols[p, (fh·FW + fw)·Cin + ci] for images [first, first + count); dx starts at 0. */
function col2imAdd(dcols: Float32Array, info: Conv2DInfo, first: number, count: number, dx: Float32Array): void {
  const { H, W, C, OH, OW, sh, sw, FH, FW, top, left } = geometry(info);
  const rowLength = FH * FW * C;
  let p = 0;
  for (let n = first; n < first + count; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, p++) {
        const row = p * rowLength;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh + fh - top;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw - left;
            if (iw < 0 || iw >= W) continue;
            const to = ((n * H + ih) * W + iw) * C;
            const from = row + (fh * FW + fw) * C;
            for (let ci = 0; ci < C; ci++) dx[to + ci] += dcols[from + ci];
          }
        }
      }
    }
  }
}

/**
 * Rows [firstRow, firstRow + rows) of `source` seen as a [*, cols] matrix, as a [1, rows, cols]
 * tensor: the same data when that is all of it (a view, not to be disposed), else a copy.
 */
function rowBlock(backend: WasmBackendLike, source: tf.TensorInfo, firstRow: number, rows: number, cols: number): tf.TensorInfo {
  if (firstRow === 0 && rows * cols === tf.util.sizeFromShape(source.shape)) {
    return { dataId: source.dataId, dtype: source.dtype, shape: [1, rows, cols] };
  }
  const block = backend.makeOutput([1, rows, cols], 'float32');
  const from = firstRow * cols;
  heapF32(backend, block).set(heapF32(backend, source).subarray(from, from + rows * cols));
  return block;
}

function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs;
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
  const info = convInfo('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const outChannels = info.outChannels;
  const chunk = imagesPerChunk(info);
  const positionsPerImage = info.outHeight * info.outWidth;
  const dW = backend.makeOutput([...attrs.filterShape], 'float32');
  heapF32(backend, dW).fill(0);
  for (let first = 0; first < info.batchSize; first += chunk) {
    const count = Math.min(chunk, info.batchSize - first);
    const positions = count * positionsPerImage;
    const colsT = backend.makeOutput([1, rows, positions], 'float32');
    const dyBlock = rowBlock(backend, dy, first * positionsPerImage, positions, outChannels);
    im2colTransposed(heapF32(backend, x), info, first, count, heapF32(backend, colsT));
    const partial = matMul(backend, colsT, dyBlock);
    const sum = heapF32(backend, dW);
    const add = heapF32(backend, partial);
    for (let i = 0; i < sum.length; i++) sum[i] += add[i];
    dispose(backend, colsT, partial);
    if (dyBlock.dataId !== dy.dataId) dispose(backend, dyBlock);
  }
  return dW;
}

/**
 * For stride 1, dx is itself a convolution: the "full" convolution of dy with the filter turned by
 * 180° and its channel axes swapped (Dumoulin & Visin, arXiv:1603.07285, section 4.1),
 *   dx[n, i, j, ci] = Σ_{g, h, co} dy_padded[n, i + g, j + h, co] · W[FH−1−g, FW−1−h, ci, co],
 * with dy padded by FH−1−top rows above and FW−1−left columns to the left. That runs on XNNPACK's
 * convolution, which needs neither the column buffer nor the col2im scatter: 8–12 against 13–14 ms
 * (min of 20 calls, two runs, load 3–5) for the CNN's 128×11×11×32 → 13×13×16 gradient here. Sums
 * run in another order than the im2col
 * route, so dx differs from it in the last bits (both within 1e-5 of the cpu backend).
 */
function conv2DBackpropInputByConvolution(backend: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo | undefined {
  const { filterHeight: FH, filterWidth: FW, inChannels: Cin, outChannels: Cout, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const padTop = FH - 1 - info.padInfo.top;
  const padLeft = FW - 1 - info.padInfo.left;
  const padBottom = H - OH + FH - 1 - padTop;
  const padRight = W - OW + FW - 1 - padLeft;
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return undefined;
  const turned = backend.makeOutput([FH, FW, Cout, Cin], 'float32');
  const from = heapF32(backend, filter);
  const to = heapF32(backend, turned);
  for (let g = 0; g < FH; g++) {
    for (let h = 0; h < FW; h++) {
      const source = ((FH - 1 - g) * FW + (FW - 1 - h)) * Cin * Cout;
      const target = (g * FW + h) * Cout * Cin;
      for (let ci = 0; ci < Cin; ci++) {
        for (let co = 0; co < Cout; co++) to[target + co * Cin + ci] = from[source + ci * Cout + co];
      }
    }
  }
  const conv = tf.getKernel('Conv2D', WASM) as tf.KernelConfig;
  const dx = conv.kernelFunc({
    inputs: { x: dy, filter: turned },
    backend: backend as unknown as tf.KernelBackend,
    attrs: { strides: [1, 1], pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
  }) as tf.TensorInfo;
  dispose(backend, turned);
  return dx;
}

function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const { dy, filter } = args.inputs;
  const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
  const info = convInfo('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs);
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    const dx = conv2DBackpropInputByConvolution(backend, dy, filter, info);
    if (dx !== undefined) return dx;
  }
  const rows = info.filterHeight * info.filterWidth * info.inChannels;
  const outChannels = info.outChannels;
  const chunk = imagesPerChunk(info);
  const positionsPerImage = info.outHeight * info.outWidth;
  // Wᵀ: the filter is a [R, Cout] matrix in memory already; the product wants [Cout, R] on the right.
  const filterT = backend.makeOutput([1, outChannels, rows], 'float32');
  transposeInto(heapF32(backend, filter), 0, rows, outChannels, heapF32(backend, filterT), 0);
  const dx = backend.makeOutput([...attrs.inputShape], 'float32');
  heapF32(backend, dx).fill(0);
  for (let first = 0; first < info.batchSize; first += chunk) {
    const count = Math.min(chunk, info.batchSize - first);
    const positions = count * positionsPerImage;
    const dyBlock = rowBlock(backend, dy, first * positionsPerImage, positions, outChannels);
    const dcols = matMul(backend, dyBlock, filterT);
    col2imAdd(heapF32(backend, dcols), info, first, count, heapF32(backend, dx));
    dispose(backend, dcols);
    if (dyBlock.dataId !== dy.dataId) dispose(backend, dyBlock);
  }
  dispose(backend, filterT);
  return dx;
}

let registered = false;

/**
 * Everything the wasm backend needs to train the project's CNNs quickly: Conv2DBackpropFilter (absent
 * in tfjs-backend-wasm 4.22), a fast Conv2DBackpropInput and MaxPoolGrad (its own are naive), and the
 * XNNPACK-only BatchMatMul that these and dense layers rely on (wasm-matmul.ts). AvgPoolGrad exists
 * already and no project model uses it. Idempotent; call it after importing
 * '@tensorflow/tfjs-backend-wasm', before or after `tf.setBackend('wasm')`.
 */
export function registerWasmConvGradKernels(): void {
  if (registered) return;
  captureNativeMatMul();
  registerWasmMatMulKernel();
  registerWasmMaxPoolGradKernel();
  replaceKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
  replaceKernel({ kernelName: 'Conv2DBackpropInput', backendName: WASM, kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc });
  replaceKernel({ kernelName: CONV_PATCHES, backendName: WASM, kernelFunc: convPatches as unknown as tf.KernelFunc });
  registered = true;
}
