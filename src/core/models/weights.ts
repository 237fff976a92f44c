/**
 * A trained model as plain arrays and back: what the pipeline caches instead of the model, so a
 * reload or a changed attack setting rebuilds the model from its weights rather than retraining it.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchitectureId } from './catalog';
import { ARCHITECTURES, type BuildOptions, type InputShape } from './architectures';

/** Every weight of `model` (trainable or not), in the model's order. */
export async function readWeights(model: tf.LayersModel): Promise<Float32Array[]> {
  const weights = model.getWeights();
  return Promise.all(weights.map(async (w) => Float32Array.from(await w.data())));
}

/**
 * A model of `architecture` holding `weights`. The caller owns it. Throws when the weights do not
 * fit the architecture (a corrupt or foreign cache entry): the caller then retrains.
 */
export function buildWithWeights(
  architecture: ArchitectureId,
  inputShape: InputShape,
  numClasses: number,
  weights: readonly Float32Array[],
  options: BuildOptions,
): tf.LayersModel {
  // The seed only sets initial weights, all of which are overwritten just below.
  const model = ARCHITECTURES[architecture].build(inputShape, numClasses, 0, options);
  try {
    const variables = model.getWeights();
    if (variables.length !== weights.length || variables.some((v, i) => v.size !== weights[i].length)) {
      throw new Error(`the stored weights do not fit a ${architecture} for ${inputShape.join('×')} inputs and ${numClasses} classes`);
    }
    const tensors = variables.map((v, i) => tf.tensor(weights[i], v.shape, 'float32'));
    try {
      model.setWeights(tensors);
    } finally {
      tensors.forEach((t) => t.dispose());
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
