/** Images with one label each: a parsed file, a slice of the pool, or the pool itself. */
export interface LabelledImages {
  /** Pixel intensities 0..255, row-major, channels last: count × height × width × channels. */
  readonly images: Uint8Array;
  /** One class index per image. */
  readonly labels: Uint8Array;
  readonly count: number;
  /** [height, width, channels]. */
  readonly shape: readonly [number, number, number];
}

/** Image classification data, as every part of the engine sees it. */
export interface ImageDataset extends LabelledImages {
  /** A human-readable name: "MNIST", "CIFAR-10", or the user's file names. */
  readonly name: string;
  /** Labels are each in [0, numClasses). */
  readonly numClasses: number;
  /** Optional class names, numClasses long. */
  readonly classNames?: readonly string[];
}

/** A file handed to a parser: its name (for format detection and error messages) and bytes. */
export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A file that could not be read as the dataset format it claims to be. */
export class DatasetError extends Error {
  constructor(
    readonly fileName: string,
    readonly problem: string,
  ) {
    super(`${fileName}: ${problem}`);
    this.name = 'DatasetError';
  }
}
