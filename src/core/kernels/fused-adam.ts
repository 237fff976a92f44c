/**
 * One Adam step (Kingma & Ba, arXiv:1412.6980) of K stacked models in a single pass over memory,
 * for the batched trainer (models/batched.ts) and, with K = 1, every plain training step
 * (models/train.ts adamStepper), on the wasm and cpu backends.
 *
 * Written with tf ops, Adam is about fifteen elementwise kernels per weight tensor; for 16 stacked
 * MLPs (1.6 M weights, 6.4 MB a tensor) each kernel streams the tensors through memory again, and
 * Adam took a third of a batched step here. This kernel reads w, g, m, v once and writes w, m, v once.
 * Per model k it applies tfjs's own formula:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr·(m/c1ₖ) / (√(v/c2ₖ) + ε)
 * with cₖ = 1 − βᵗₖ from model k's own step count, and leaves a model untouched when it is inactive.
 *
 * On wasm the loop is wasm-simd-adam.ts: tfjs's float32 steps four lanes at once, in place on the
 * backend's heap, bit for bit tf.train.adam (5× faster than the JS loop here: 16 stacked MLP kernels,
 * 1.6 M weights, 15 ms → 3 ms). The JS loop below remains for cpu and for engines without SIMD.
 *
 * Other backends (webgl, webgpu) have no such kernel; the trainer falls back to tf ops there.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-heap';
import { simdAdamFor, type SimdAdam, type WasmMemory } from './wasm-simd-adam';

export const FUSED_ADAM = 'MiaFusedAdam';

export interface FusedAdamAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly learningRate: number;
  /** Per model: 1 − β1^t and 1 − β2^t for its step t (counted from 1), and 1 = it steps now. */
  readonly correction1: readonly number[];
  readonly correction2: readonly number[];
  readonly active: readonly number[];
}

/**
 * The arithmetic, on plain arrays: outputs w2, m2, v2 from w, g, m, v (all of K equal blocks).
 * Intermediates are float64 and each result is rounded to float32 once, on store: within an ulp or
 * two of tfjs's all-float32 sequence, and twice as fast as emulating it (Math.fround after each op).
 */
function adamInto(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, w2: Float32Array, m2: Float32Array, v2: Float32Array, attrs: FusedAdamAttrs): void {
  const models = attrs.active.length;
  const block = w.length / models;
  const { beta1, beta2, epsilon } = attrs;
  const oneMinusB1 = 1 - beta1;
  const oneMinusB2 = 1 - beta2;
  const step = -attrs.learningRate;
  for (let k = 0; k < models; k++) {
    const from = k * block;
    const to = from + block;
    if (!attrs.active[k]) {
      w2.set(w.subarray(from, to), from);
      m2.set(m.subarray(from, to), from);
      v2.set(v.subarray(from, to), from);
      continue;
    }
    const r1 = 1 / attrs.correction1[k];
    const r2 = 1 / attrs.correction2[k];
    for (let i = from; i < to; i++) {
      const gi = g[i];
      const mi = m[i] * beta1 + gi * oneMinusB1;
      const vi = v[i] * beta2 + gi * gi * oneMinusB2;
      m2[i] = mi;
      v2[i] = vi;
      w2[i] = w[i] + (step * (mi * r1)) / (Math.sqrt(vi * r2) + epsilon);
    }
  }
}

interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/**
 * tfjs-backend-wasm's heap: its single-threaded builds export their memory (`wasm.asm.memory`); the
 * threaded build imports a shared one, which its glue keeps as `wasm.wasmMemory`. Both builds must
 * take the SIMD route, or a model would round differently with threads than without.
 */
interface WasmBackendWithMemory extends WasmBackendLike {
  readonly wasm?: { readonly wasmMemory?: WasmMemory; readonly asm?: { readonly memory?: WasmMemory } };
}

/**
 * Per model, the SIMD update (wasm-simd-adam.ts: tfjs's float32 steps, four lanes at once, on the
 * heap in place); inactive models are copied. Views are taken after the last makeOutput (heap growth).
 */
function adamSimd(simd: SimdAdam, views: Float32Array[], attrs: FusedAdamAttrs): void {
  const [w, g, m, v, w2, m2, v2] = views;
  const models = attrs.active.length;
  const block = w.length / models;
  const f = Math.fround;
  for (let k = 0; k < models; k++) {
    const from = k * block;
    if (!attrs.active[k]) {
      w2.set(w.subarray(from, from + block), from);
      m2.set(m.subarray(from, from + block), from);
      v2.set(v.subarray(from, from + block), from);
      continue;
    }
    const at = (view: Float32Array) => view.byteOffset + from * 4;
    simd.update({ w: at(w), g: at(g), m: at(m), v: at(v), w2: at(w2), m2: at(m2), v2: at(v2) }, block, {
      // The scalars as tfjs makes them: JS numbers (1 − β computed in float64) turned into float32.
      beta1: f(attrs.beta1),
      oneMinusBeta1: f(1 - attrs.beta1),
      beta2: f(attrs.beta2),
      oneMinusBeta2: f(1 - attrs.beta2),
      correction1: f(attrs.correction1[k]),
      correction2: f(attrs.correction2[k]),
      epsilon: f(attrs.epsilon),
      negativeLearningRate: f(-attrs.learningRate),
    });
  }
}

function wasmKernel(args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendWithMemory;
  const { w, g, m, v } = args.inputs;
  const outputs = [w, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const [w2, m2, v2] = outputs.map((t) => heapF32(backend, t));
  const inputs = [w, g, m, v].map((t) => heapF32(backend, t));
  const memory = backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
  const simd = memory === undefined ? undefined : simdAdamFor(memory);
  if (simd !== undefined) adamSimd(simd, [...inputs, w2, m2, v2], args.attrs as FusedAdamAttrs);
  else adamInto(inputs[0], inputs[1], inputs[2], inputs[3], w2, m2, v2, args.attrs as FusedAdamAttrs);
  return outputs;
}

function cpuKernel(args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const backend = args.backend as CpuBackendLike;
  const { w, g, m, v } = args.inputs;
  const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
  const [w2, m2, v2] = [w, m, v].map((t) => new Float32Array(tf.util.sizeFromShape(t.shape)));
  adamInto(read(w), read(g), read(m), read(v), w2, m2, v2, args.attrs as FusedAdamAttrs);
  return [backend.makeTensorInfo([...w.shape], 'float32', w2), backend.makeTensorInfo([...m.shape], 'float32', m2), backend.makeTensorInfo([...v.shape], 'float32', v2)];
}

/** Register the fused Adam kernel for wasm and cpu. Idempotent; needs no backend to be loaded. */
export function registerFusedAdamKernels(): void {
  if (tf.getKernel(FUSED_ADAM, 'wasm') === undefined) tf.registerKernel({ kernelName: FUSED_ADAM, backendName: 'wasm', kernelFunc: wasmKernel as unknown as tf.KernelFunc });
  if (tf.getKernel(FUSED_ADAM, 'cpu') === undefined) tf.registerKernel({ kernelName: FUSED_ADAM, backendName: 'cpu', kernelFunc: cpuKernel as unknown as tf.KernelFunc });
}

/** Whether the active backend has the fused kernel (else use tf ops). */
export function hasFusedAdam(): boolean {
  return tf.getKernel(FUSED_ADAM, tf.getBackend()) !== undefined;
}

/** One fused step: [w, m, v] after the update. All inputs are float32 tensors of one shape [K, …]. */
export function fusedAdam(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: FusedAdamAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const out = tf.engine().runKernel(FUSED_ADAM, { w, g, m, v }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return [out[0], out[1], out[2]];
}

/** The same step in tf ops, for backends without the kernel (webgl, webgpu). Call it inside a tidy. */
export function adamWithOps(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: FusedAdamAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const models = attrs.active.length;
  const perModel = (values: readonly number[]) => tf.tensor(values, [models, ...w.shape.slice(1).map(() => 1)]);
  const m2 = tf.add(tf.mul(m, attrs.beta1), tf.mul(g, 1 - attrs.beta1));
  const v2 = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(g), 1 - attrs.beta2));
  const mHat = tf.div(m2, perModel(attrs.correction1));
  const vHat = tf.div(v2, perModel(attrs.correction2));
  const w2 = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), attrs.epsilon)), -attrs.learningRate), w);
  if (attrs.active.every((a) => a === 1)) return [w2, m2, v2];
  // Models without a batch this step keep their weights and moments, as if they had not stepped.
  const active = tf.cast(perModel(attrs.active), 'bool');
  return [tf.where(active, w2, w), tf.where(active, m2, m), tf.where(active, v2, v)];
}
