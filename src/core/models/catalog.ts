/**
 * What the lab knows about each architecture without building one: ids, labels, descriptions.
 * TensorFlow-free, so the page and the config can list models without loading tf.
 * The builders live in architectures.ts.
 */

export const ARCHITECTURE_IDS = ['mlp', 'cnn', 'alexnet', 'resnet'] as const;
export type ArchitectureId = (typeof ARCHITECTURE_IDS)[number];

/** [height, width, channels]: 28×28×1 (MNIST, Fashion-MNIST) and 32×32×3 (CIFAR) are supported. */
export type InputShape = readonly [number, number, number];

export interface ArchitectureMeta {
  readonly id: ArchitectureId;
  readonly label: string;
  readonly description: string;
  /** Stock tfjs-backend-wasm 4.22 cannot train these (the lab's kernels in core/kernels fix that). */
  readonly hasConvolutions: boolean;
}

export const ARCHITECTURE_CATALOG: Readonly<Record<ArchitectureId, ArchitectureMeta>> = {
  mlp: {
    id: 'mlp',
    label: 'MLP',
    description: 'One hidden layer of 128 ReLU units. Overfits small training sets quickly: the classic leaky target.',
    hasConvolutions: false,
  },
  cnn: {
    id: 'cnn',
    label: 'Small CNN',
    description: 'Two 3×3 convolutions (16, 32 filters) with max pooling, then 64 dense units.',
    hasConvolutions: true,
  },
  alexnet: {
    id: 'alexnet',
    label: 'AlexNet (scaled)',
    description: "AlexNet's five convolutions and three dense layers, scaled down for 28–32 px images.",
    hasConvolutions: true,
  },
  resnet: {
    id: 'resnet',
    label: 'Small ResNet',
    description: 'A 3×3 stem and three residual blocks (16, 32, 64 filters) with global average pooling (arXiv:1512.03385).',
    hasConvolutions: true,
  },
};

/** The architectures an experiment trains: its target, its shadow models and its reference models. */
export interface TrainedArchitectures {
  readonly target: { readonly architecture: ArchitectureId };
  readonly shadow: { readonly architecture: ArchitectureId };
  readonly reference: { readonly architecture: ArchitectureId };
}

/** The one "has convolutions" rule: true when any model the experiment trains has a convolution. */
export function configHasConvolutions(config: TrainedArchitectures): boolean {
  return [config.target, config.shadow, config.reference].some((training) => ARCHITECTURE_CATALOG[training.architecture].hasConvolutions);
}
