/**
 * DP-SGD's clipped sum Σ_i clip(∇ℓ_i) in one forward and one backward pass over the whole batch,
 * instead of one tf.variableGrads per example (Abadi et al., arXiv:1607.00133, Algorithm 1).
 *
 * The model's own layers are run here, layer by layer, with a zero "probe" added to the
 * pre-activation output z of every dense and convolution layer; one backward pass of Σ_i ℓ_i to the
 * probes gives every example's δ_i = ∂ℓ_i/∂z_i (example i's loss depends on its own row only, as
 * long as no layer mixes examples). With each layer's input a_i kept from the same forward pass:
 *
 * - dense: ‖∂ℓ_i/∂W‖² = ‖a_i‖²·‖δ_i‖² and ‖∂ℓ_i/∂b‖² = ‖δ_i‖² (Goodfellow, arXiv:1510.01799);
 * - convolution: a_i's patches (im2col: a convolution with a one-hot kernel, or a gather) give
 *   ∂ℓ_i/∂W = patches_iᵀ·δ_i, materialised per example by one batched matmul, or, where that is the
 *   dearer of the two, only its norm by the ghost-norm identity
 *   ‖patches_iᵀδ_i‖² = Σ (patches_i·patches_iᵀ) ⊙ (δ_i·δ_iᵀ) (Li et al., arXiv:2110.05679, §4).
 *
 * The clipped sum is then the gradient of Σ_i c_i·ℓ_i with c_i = min(1, C/‖g_i‖), taken from the
 * same a_i and δ_i (Σ_i c_i·a_iᵀδ_i per layer) rather than from a second forward pass: dropout's
 * mask is drawn once, and both the norms and the sum are those of each example's loss under it.
 *
 * Layers handled: dense and conv2d (channels last, no dilation, 'same' or 'valid', any strides,
 * linear or relu activation), and the parameter-free layers of src/core/models/architectures.ts
 * (flatten, pooling, add, relu, dropout). That is every architecture there: none uses batch
 * normalisation. A model with any other layer gets a reason instead of a plan, and the caller
 * falls back to the microbatch loop of dp-sgd.ts (batch normalisation in training mode couples
 * the examples of a batch, so per-example gradients are not even defined for it).
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_PATCHES, type ConvPatchesAttrs } from '../kernels/wasm-conv-grad';

/** Parameter-free layers that act on each example alone (applied through the layer itself). */
const PER_EXAMPLE_LAYERS = new Set([
  'Flatten',
  'Reshape',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Add',
  'ReLU',
  'Activation',
  'Dropout',
  'MiaLabSeededDropout',
]);

type SymbolicTensor = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

interface WeightedLayer {
  readonly kind: 'dense' | 'conv';
  readonly layer: Layer;
  /** Positions of the kernel and bias in the caller's variable list (bias −1 without one). */
  readonly kernelIndex: number;
  readonly biasIndex: number;
  readonly relu: boolean;
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
}

/** How to run one model's layers with probes; built once per model (see planFor). */
export interface PerExamplePlan {
  readonly model: tf.LayersModel;
  readonly weighted: ReadonlyMap<Layer, WeightedLayer>;
  readonly variableCount: number;
}

/** Why a model cannot take the one-pass path (the caller then loops over examples). */
export interface Unsupported {
  readonly reason: string;
}

const plans = new WeakMap<tf.LayersModel, PerExamplePlan | Unsupported>();

/** The plan for `model` whose trainable variables are `variables` (in that order), cached per model. */
export function planFor(model: tf.LayersModel, variables: readonly tf.Variable[]): PerExamplePlan | Unsupported {
  const cached = plans.get(model);
  if (cached && ('reason' in cached || cached.variableCount === variables.length)) return cached;
  const plan = buildPlan(model, variables);
  plans.set(model, plan);
  return plan;
}

function pair(value: unknown): [number, number] {
  return Array.isArray(value) ? [value[0] as number, value[1] as number] : [value as number, value as number];
}

function weightedLayer(layer: Layer, variables: readonly tf.Variable[]): WeightedLayer | Unsupported {
  const className = layer.getClassName();
  const config = layer.getConfig();
  const name = `layer ${layer.name} (${className})`;
  const activation = config.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return { reason: `${name}: activation ${String(activation)}` };
  const weights = layer.trainableWeights.map((w) => variables.indexOf(w.read() as tf.Variable));
  if (weights.some((i) => i < 0)) return { reason: `${name}: a trainable weight not among the variables` };
  const useBias = config.useBias !== false;
  if (weights.length !== (useBias ? 2 : 1)) return { reason: `${name}: unexpected weights` };
  const common = { layer, kernelIndex: weights[0], biasIndex: useBias ? weights[1] : -1, relu: activation === 'relu' };
  if (className === 'Dense') {
    // ‖a‖²·‖δ‖² holds for one input row per example; a dense layer on a sequence would sum over it.
    const rank = layer.inboundNodes[0].inputTensors[0].shape.length;
    if (rank !== 2) return { reason: `${name}: input of rank ${rank}, not 2` };
    return { kind: 'dense', ...common, strides: [1, 1], padding: 'valid' };
  }
  if (className === 'Conv2D') {
    if (config.dataFormat !== 'channelsLast') return { reason: `${name}: data format ${String(config.dataFormat)}` };
    if (pair(config.dilationRate).some((d) => d !== 1)) return { reason: `${name}: dilation` };
    if (config.padding !== 'same' && config.padding !== 'valid') return { reason: `${name}: padding ${String(config.padding)}` };
    return { kind: 'conv', ...common, strides: pair(config.strides), padding: config.padding };
  }
  return { reason: `${name} has trainable weights and is neither dense nor conv2d` };
}

function buildPlan(model: tf.LayersModel, variables: readonly tf.Variable[]): PerExamplePlan | Unsupported {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return { reason: 'the model has several inputs or outputs' };
  const weighted = new Map<Layer, WeightedLayer>();
  const covered = new Set<number>();
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) return { reason: `layer ${layer.name} is used more than once` };
    if (layer.trainableWeights.length === 0 && layer.nonTrainableWeights.length === 0) {
      if (PER_EXAMPLE_LAYERS.has(className)) continue;
      return { reason: `layer ${layer.name} (${className}) is not known to act on each example alone` };
    }
    const entry = weightedLayer(layer, variables);
    if ('reason' in entry) return entry;
    weighted.set(layer, entry);
    covered.add(entry.kernelIndex);
    if (entry.biasIndex >= 0) covered.add(entry.biasIndex);
  }
  if (covered.size !== variables.length) return { reason: 'some trainable variables belong to no dense or conv2d layer' };
  return { model, weighted, variableCount: variables.length };
}

/** What the forward pass keeps of one weighted layer: its input a and the probe's place. */
interface Recorded {
  readonly entry: WeightedLayer;
  readonly input: tf.Tensor;
  /** Kept out of the backward pass's tidy, so ours to dispose (false for the caller's xs). */
  readonly kept: boolean;
  readonly probe: number;
}

/** z = a·W + b (or conv2d(a, W) + b), plus the probe; then the layer's activation. */
function runWeighted(entry: WeightedLayer, input: tf.Tensor, variables: readonly tf.Variable[], probe: tf.Tensor): tf.Tensor {
  const kernel = variables[entry.kernelIndex];
  let z =
    entry.kind === 'dense'
      ? tf.matMul(input as tf.Tensor2D, kernel as tf.Tensor2D)
      : tf.conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, entry.strides, entry.padding);
  if (entry.biasIndex >= 0) z = tf.add(z, variables[entry.biasIndex]);
  z = tf.add(z, probe);
  return entry.relu ? tf.relu(z) : z;
}

/** The logits of `xs`, in training mode, with probes added and each weighted layer's input recorded (kept). */
function forwardWithProbes(
  plan: PerExamplePlan,
  xs: tf.Tensor,
  variables: readonly tf.Variable[],
  probes: readonly tf.Tensor[],
  recorded: Recorded[],
): tf.Tensor {
  const values = new Map<number, tf.Tensor>([[plan.model.inputs[0].id, xs]]);
  const evaluate = (symbolic: SymbolicTensor): tf.Tensor => {
    const known = values.get(symbolic.id);
    if (known) return known;
    const layer = symbolic.sourceLayer as Layer;
    const inputs = layer.inboundNodes[symbolic.nodeIndex].inputTensors.map(evaluate);
    const entry = plan.weighted.get(layer);
    let output: tf.Tensor;
    if (entry) {
      const probe = recorded.length;
      const kept = inputs[0] !== xs;
      recorded.push({ entry, input: kept ? tf.keep(inputs[0]) : inputs[0], kept, probe });
      output = runWeighted(entry, inputs[0], variables, probes[probe]);
    } else {
      output = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
    }
    values.set(symbolic.id, output);
    return output;
  };
  return evaluate(plan.model.outputs[0]);
}

/** Shapes of the probes, in the order forwardWithProbes meets the weighted layers. */
function probeShapes(plan: PerExamplePlan, batchSize: number): number[][] {
  const order: number[][] = [];
  const seen = new Set<number>();
  const visit = (symbolic: SymbolicTensor): void => {
    if (seen.has(symbolic.id) || symbolic.id === plan.model.inputs[0].id) return;
    seen.add(symbolic.id);
    const layer = symbolic.sourceLayer as Layer;
    layer.inboundNodes[symbolic.nodeIndex].inputTensors.forEach(visit);
    if (plan.weighted.has(layer)) order.push([batchSize, ...(symbolic.shape.slice(1) as number[])]);
  };
  visit(plan.model.outputs[0]);
  return order;
}

/** One side of a convolution: output length and the padding before the first row (TF's 'same' rule). */
function convAxis(size: number, kernel: number, stride: number, padding: 'same' | 'valid'): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.ceil((size - kernel + 1) / stride), before: 0 };
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + kernel - size, 0) / 2) };
}

/**
 * For every output position p and kernel offset (r, s), the input pixel it reads (y·w + x), or
 * h·w (a zero pixel) where that falls in the padding: P·kh·kw indices, cached per geometry.
 */
const patchIndexCache = new Map<string, { indices: Int32Array; positions: number }>();
function patchIndices(h: number, w: number, kh: number, kw: number, strides: [number, number], padding: 'same' | 'valid') {
  const key = [h, w, kh, kw, ...strides, padding].join(',');
  const cached = patchIndexCache.get(key);
  if (cached) return cached;
  const rows = convAxis(h, kh, strides[0], padding);
  const cols = convAxis(w, kw, strides[1], padding);
  const indices = new Int32Array(rows.out * cols.out * kh * kw);
  let i = 0;
  for (let oy = 0; oy < rows.out; oy++) {
    for (let ox = 0; ox < cols.out; ox++) {
      for (let r = 0; r < kh; r++) {
        for (let c = 0; c < kw; c++) {
          const y = oy * strides[0] + r - rows.before;
          const x = ox * strides[1] + c - cols.before;
          indices[i++] = y >= 0 && y < h && x >= 0 && x < w ? y * w + x : h * w;
        }
      }
    }
  }
  const entry = { indices, positions: rows.out * cols.out };
  patchIndexCache.set(key, entry);
  return entry;
}

/** Patches of at most this many values (kh·kw·cin) come from the one-hot convolution, larger ones from a gather. */
export const ONE_HOT_PATCH_LIMIT = 256;

/** [kh, kw, cin, K] with a 1 where output channel (r·kw + s)·cin + c reads input (r, s, c). */
function oneHotPatchKernel(kh: number, kw: number, cin: number): tf.Tensor4D {
  const k = kh * kw * cin;
  const values = new Float32Array(k * k);
  for (let i = 0; i < k; i++) values[i * k + i] = 1;
  return tf.tensor4d(values, [kh, kw, cin, k]);
}

type PatchRoute = 'kernel' | 'one-hot' | 'gather';

/** The route convolutionPatches takes by default for a [kh, kw, cin, …] kernel on the active backend (why: below). */
function patchRoute([kh, kw, cin]: readonly number[]): PatchRoute {
  if (cin >= 4 && tf.getKernel(CONV_PATCHES, tf.getBackend()) !== undefined) return 'kernel';
  return kh * kw * cin <= ONE_HOT_PATCH_LIMIT ? 'one-hot' : 'gather';
}

/**
 * Per-example patches [B, P, K = kh·kw·cin] of a convolution's input (im2col), in the kernel's
 * (r, s, c) order, so that the convolution is patches · W reshaped to [K, cout]. Every route is
 * exact. Where the backend has the lab's patches kernel (wasm: kernels/wasm-conv-grad.ts) and the
 * input has at least 4 channels, it copies B·P·K values in one loop (the CNN's second layer,
 * 128×13×13×16 under a 3×3 filter: 16 against 162 ms for the one-hot convolution, load 5; with
 * one channel, runs of one value, it was no faster). Elsewhere a convolution with a one-hot kernel (B·P·K² multiply-adds, by 1 and by 0) for small patches, which
 * measured faster than one gather (B·P·K values moved) on wasm before the kernel, and the gather
 * for large ones. `route` is for tests.
 */
export function convolutionPatches(
  input: tf.Tensor4D,
  kernelShape: readonly number[],
  strides: [number, number],
  padding: 'same' | 'valid',
  route: PatchRoute = patchRoute(kernelShape),
): tf.Tensor3D {
  const [kh, kw, cin] = kernelShape;
  const [b, h, w] = input.shape;
  const k = kh * kw * cin;
  if (route === 'kernel') {
    const attrs: ConvPatchesAttrs = { filterSize: [kh, kw, cin], strides, pad: padding };
    return tf.engine().runKernel(CONV_PATCHES, { x: input }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  }
  if (route === 'one-hot') {
    const patches = tf.conv2d(input, oneHotPatchKernel(kh, kw, cin), strides, padding);
    return patches.reshape([b, patches.shape[1] * patches.shape[2], k]);
  }
  const { indices, positions } = patchIndices(h, w, kh, kw, strides, padding);
  const pixels = tf.concat([input.reshape([b, h * w, cin]), tf.zeros([b, 1, cin])], 1);
  return tf.gather(pixels, tf.tensor1d(indices, 'int32'), 1).reshape([b, positions, k]);
}

/**
 * Ghost norm when it is cheaper: it costs B·P² per layer against B·K·Cout for the per-example
 * gradients (Li et al., arXiv:2110.05679, §4: ghost clipping pays off when 2T² < p·d).
 */
export function prefersGhostNorm(positions: number, patchSize: number, outChannels: number): boolean {
  return 2 * positions * positions < patchSize * outChannels;
}

/** One weighted layer's squared per-example norm [B] and a function giving its clipped sums. */
function layerTerms(
  record: Recorded,
  delta: tf.Tensor,
  variables: readonly tf.Variable[],
): { normSq: tf.Tensor1D; clippedSums: (c: tf.Tensor1D) => tf.Tensor[] } {
  const { entry, input } = record;
  const kernel = variables[entry.kernelIndex];
  const hasBias = entry.biasIndex >= 0;
  const batch = input.shape[0];
  if (entry.kind === 'dense') {
    const a = input as tf.Tensor2D;
    const d = delta as tf.Tensor2D;
    const deltaSq = tf.sum(tf.square(d), 1);
    // ‖∂ℓ_i/∂W‖² = ‖a_i‖²·‖δ_i‖², ‖∂ℓ_i/∂b‖² = ‖δ_i‖² (Goodfellow, arXiv:1510.01799)
    const kernelSq = tf.mul(tf.sum(tf.square(a), 1), deltaSq);
    return {
      normSq: (hasBias ? tf.add(kernelSq, deltaSq) : kernelSq) as tf.Tensor1D,
      clippedSums: (c) => {
        const scaled = tf.mul(d, c.reshape([batch, 1]));
        // Σ_i c_i·a_iᵀδ_i, Σ_i c_i·δ_i: the gradient of Σ_i c_i·ℓ_i (arXiv:1607.00133, Algorithm 1)
        const sums = [tf.matMul(a, scaled, true, false)];
        if (hasBias) sums.push(tf.sum(scaled, 0));
        return sums;
      },
    };
  }
  const kernelShape = kernel.shape as [number, number, number, number];
  const outChannels = kernelShape[3];
  const patches = convolutionPatches(input as tf.Tensor4D, kernelShape, entry.strides, entry.padding);
  const [, positions, patchSize] = patches.shape;
  const d = delta.reshape([batch, positions, outChannels]) as tf.Tensor3D;
  const biasPerExample = tf.sum(d, 1) as tf.Tensor2D;
  const biasSq = tf.sum(tf.square(biasPerExample), 1);
  const biasSum = (c: tf.Tensor1D) => tf.matMul(c.reshape([1, batch]), biasPerExample).reshape([outChannels]);
  if (prefersGhostNorm(positions, patchSize, outChannels)) {
    // ‖patches_iᵀδ_i‖²_F = Σ (patches_i patches_iᵀ) ⊙ (δ_i δ_iᵀ) (Li et al., arXiv:2110.05679, §4)
    const kernelSq = tf.sum(tf.mul(tf.matMul(patches, patches, false, true), tf.matMul(d, d, false, true)), [1, 2]);
    return {
      normSq: (hasBias ? tf.add(kernelSq, biasSq) : kernelSq) as tf.Tensor1D,
      clippedSums: (c) => {
        const scaled = tf.mul(d, c.reshape([batch, 1, 1]));
        const sum = tf.matMul(patches.reshape([batch * positions, patchSize]), scaled.reshape([batch * positions, outChannels]), true, false);
        return hasBias ? [sum.reshape(kernelShape), biasSum(c)] : [sum.reshape(kernelShape)];
      },
    };
  }
  // ∂ℓ_i/∂W = patches_iᵀ·δ_i, one [K, Cout] matrix per example (per-example im2col)
  const perExample = tf.matMul(patches, d, true, false);
  const kernelSq = tf.sum(tf.square(perExample), [1, 2]);
  return {
    normSq: (hasBias ? tf.add(kernelSq, biasSq) : kernelSq) as tf.Tensor1D,
    clippedSums: (c) => {
      const sum = tf.matMul(c.reshape([1, batch]), perExample.reshape([batch, patchSize * outChannels])).reshape(kernelShape);
      return hasBias ? [sum, biasSum(c)] : [sum];
    },
  };
}

/** What one pass gives: each example's gradient norm and Σ_i clip(∇ℓ_i), one tensor per variable. */
export interface ClippedSum {
  /** ‖∇ℓ_i‖ over all variables together, [B]. */
  readonly norms: tf.Tensor1D;
  /** In the order of the variables the plan was made for; the caller owns them. */
  readonly sums: tf.Tensor[];
}

/**
 * Σ_i g_i·min(1, C/‖g_i‖) over the batch `xs` with (possibly soft) `targets`, g_i the gradient of
 * example i's softmax cross-entropy (arXiv:1607.00133, Algorithm 1). Training mode: dropout draws
 * one mask for the batch.
 */
export function clippedSumInOnePass(
  plan: PerExamplePlan,
  variables: readonly tf.Variable[],
  xs: tf.Tensor4D,
  targets: tf.Tensor2D,
  clipNorm: number,
): ClippedSum {
  if (!(clipNorm > 0)) throw new RangeError(`dp-sgd: clipNorm must be > 0, got ${clipNorm}`);
  const batch = xs.shape[0];
  if (batch === 0) return { norms: tf.zeros([0]) as tf.Tensor1D, sums: variables.map((v) => tf.zerosLike(v)) };
  const recorded: Recorded[] = [];
  try {
    return tf.tidy(() => {
      const probes = probeShapes(plan, batch).map((shape) => tf.zeros(shape));
      const deltas = tf.grads((...p: tf.Tensor[]) => {
        const logits = forwardWithProbes(plan, xs, variables, p, recorded);
        // Σ_i ℓ_i: its gradient at example i's probe is example i's own δ_i.
        return tf.sum(tf.losses.softmaxCrossEntropy(targets, logits, undefined, undefined, tf.Reduction.NONE));
      })(probes);
      const terms = recorded.map((record) => layerTerms(record, deltas[record.probe], variables));
      const norms = tf.sqrt(tf.addN(terms.map((t) => t.normSq))) as tf.Tensor1D;
      // c_i = min(1, C/‖g_i‖), written C / max(‖g_i‖, C) as clipByGlobalNorm does
      const factors = tf.div(clipNorm, tf.maximum(norms, clipNorm)) as tf.Tensor1D;
      const sums: tf.Tensor[] = new Array(variables.length);
      terms.forEach((t, i) => {
        const [kernelSum, biasSum] = t.clippedSums(factors);
        sums[recorded[i].entry.kernelIndex] = kernelSum;
        if (biasSum) sums[recorded[i].entry.biasIndex] = biasSum;
      });
      return { norms, sums };
    });
  } finally {
    recorded.forEach((r) => r.kept && r.input.dispose());
  }
}
