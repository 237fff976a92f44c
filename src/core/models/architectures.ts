/**
 * The model registry: every architecture with its metadata and a builder. Models output logits;
 * softmax happens outside the graph (in float64, see predict.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { seededDropout } from '../defenses/dropout';
import { createRng, type Rng } from '../random';

import { ARCHITECTURE_CATALOG, type ArchitectureId, type ArchitectureMeta, type InputShape } from './catalog';

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

export { ARCHITECTURE_IDS, type ArchitectureId, type InputShape } from './catalog';

/** Options a builder accepts on top of the shape; none of them changes the initial weights. */
export interface BuildOptions {
  /**
   * Rate of the dropout layers (arXiv:1207.0580) put in front of the dense layers: after the MLP's
   * hidden layer, after flattening and between the dense layers of the CNN and AlexNet, after the
   * ResNet's global pooling. 0 or absent adds no layer.
   */
  readonly dropoutRate?: number;
}

export interface ArchitectureInfo extends ArchitectureMeta {
  build(inputShape: InputShape, numClasses: number, seed: number, options?: BuildOptions): tf.LayersModel;
}

/** Seeded initialisers: the same seed gives the same initial weights on every backend. */
function initialisers(rng: Rng) {
  return {
    glorot: () => tf.initializers.glorotUniform({ seed: rng.nextSeed() }),
    he: () => tf.initializers.heNormal({ seed: rng.nextSeed() }),
  };
}

function dense(units: number, init: Initializer, activation?: 'relu') {
  return tf.layers.dense({ units, activation, kernelInitializer: init });
}

function conv(filters: number, kernelSize: number, init: Initializer, strides = 1) {
  return tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', activation: 'relu', kernelInitializer: init });
}

/** Dropout layers draw their seeds from their own stream, so adding them never shifts the initial weights. */
function dropoutStream(seed: number, id: ArchitectureId, options?: BuildOptions) {
  const rng = createRng(seed, `${id}/dropout`);
  return () => seededDropout(options?.dropoutRate, rng);
}

function buildMlp(inputShape: InputShape, numClasses: number, seed: number, options?: BuildOptions): tf.LayersModel {
  const init = initialisers(createRng(seed, 'mlp'));
  const dropout = dropoutStream(seed, 'mlp', options);
  return tf.sequential({
    name: 'mlp',
    layers: [
      tf.layers.flatten({ inputShape: [...inputShape] }),
      dense(128, init.he(), 'relu'),
      ...dropout(),
      dense(numClasses, init.glorot()),
    ],
  });
}

function buildCnn(inputShape: InputShape, numClasses: number, seed: number, options?: BuildOptions): tf.LayersModel {
  const init = initialisers(createRng(seed, 'cnn'));
  const dropout = dropoutStream(seed, 'cnn', options);
  return tf.sequential({
    name: 'cnn',
    layers: [
      tf.layers.conv2d({ inputShape: [...inputShape], filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init.he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init.he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      ...dropout(),
      dense(64, init.he(), 'relu'),
      ...dropout(),
      dense(numClasses, init.glorot()),
    ],
  });
}

/** AlexNet's shape (Krizhevsky et al. 2012: five convolutions, three dense layers) scaled to 28–32 px inputs. */
function buildAlexNet(inputShape: InputShape, numClasses: number, seed: number, options?: BuildOptions): tf.LayersModel {
  const init = initialisers(createRng(seed, 'alexnet'));
  const dropout = dropoutStream(seed, 'alexnet', options);
  return tf.sequential({
    name: 'alexnet',
    layers: [
      tf.layers.conv2d({ inputShape: [...inputShape], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init.he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64, 3, init.he()),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(96, 3, init.he()),
      conv(96, 3, init.he()),
      conv(64, 3, init.he()),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      ...dropout(),
      dense(256, init.he(), 'relu'),
      ...dropout(),
      dense(128, init.he(), 'relu'),
      ...dropout(),
      dense(numClasses, init.glorot()),
    ],
  });
}

/** A residual block (He et al., arXiv:1512.03385): two 3×3 convolutions plus a (projected) shortcut. */
function residualBlock(input: tf.SymbolicTensor, filters: number, stride: number, rng: Rng): tf.SymbolicTensor {
  const init = initialisers(rng);
  const first = conv(filters, 3, init.he(), stride).apply(input) as tf.SymbolicTensor;
  const second = tf.layers
    .conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: init.he() })
    .apply(first) as tf.SymbolicTensor;
  const inputChannels = input.shape[input.shape.length - 1];
  const shortcut =
    stride === 1 && inputChannels === filters
      ? input
      : (tf.layers.conv2d({ filters, kernelSize: 1, strides: stride, kernelInitializer: init.he() }).apply(input) as tf.SymbolicTensor);
  const sum = tf.layers.add().apply([second, shortcut]) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
}

/** A small ResNet: a 3×3 stem, three stages of one residual block (16, 32, 64 filters), global pooling. */
function buildResNet(inputShape: InputShape, numClasses: number, seed: number, options?: BuildOptions): tf.LayersModel {
  const rng = createRng(seed, 'resnet');
  const dropout = dropoutStream(seed, 'resnet', options);
  const init = initialisers(rng);
  const input = tf.input({ shape: [...inputShape] });
  let x = conv(16, 3, init.he()).apply(input) as tf.SymbolicTensor;
  x = residualBlock(x, 16, 1, rng);
  x = residualBlock(x, 32, 2, rng);
  x = residualBlock(x, 64, 2, rng);
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  for (const layer of dropout()) x = layer.apply(x) as tf.SymbolicTensor;
  const logits = dense(numClasses, init.glorot()).apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'resnet', inputs: input, outputs: logits });
}

/** The catalog's entries with their builders. */
export const ARCHITECTURES: Readonly<Record<ArchitectureId, ArchitectureInfo>> = {
  mlp: { ...ARCHITECTURE_CATALOG.mlp, build: buildMlp },
  cnn: { ...ARCHITECTURE_CATALOG.cnn, build: buildCnn },
  alexnet: { ...ARCHITECTURE_CATALOG.alexnet, build: buildAlexNet },
  resnet: { ...ARCHITECTURE_CATALOG.resnet, build: buildResNet },
};
