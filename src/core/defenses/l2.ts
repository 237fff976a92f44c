/**
 * The L2 penalty λ·Σ‖W‖² over every kernel (dense and convolution weights; biases excluded), the
 * weight-decay regulariser Shokri et al. (arXiv:1610.05820) evaluate against membership inference.
 * Keras's convention: no ½, so its gradient is 2λW.
 */
import * as tf from '@tensorflow/tfjs';

/** The model's kernels (the variables whose name ends in "kernel"). */
export function kernelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.read() as tf.Variable);
}

/** λ·Σ‖W‖² over `kernels` (Krogh & Hertz 1991, "A Simple Weight Decay Can Improve Generalization"). */
export function l2Penalty(kernels: readonly tf.Variable[], lambda: number): tf.Scalar {
  return tf.tidy(() => tf.mul(lambda, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))) as tf.Scalar);
}
