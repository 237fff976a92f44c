/** One record of the pool drawn on a canvas, pixel for pixel, scaled up with the browser's nearest-neighbour smoothing off. */
import { useEffect, useRef } from 'react';
import type { ImageDataset } from '../../core/datasets/types';

export function RecordImage({ dataset, poolIndex, size = 56 }: { dataset: ImageDataset; poolIndex: number; size?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [height, width, channels] = dataset.shape;
  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    const image = context.createImageData(width, height);
    const start = poolIndex * height * width * channels;
    for (let p = 0; p < height * width; p++) {
      for (let c = 0; c < 3; c++) image.data[4 * p + c] = dataset.images[start + p * channels + (channels === 3 ? c : 0)];
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [dataset, poolIndex, height, width, channels]);
  return <canvas ref={ref} width={width} height={height} style={{ width: size, height: size, imageRendering: 'pixelated' }} data-testid="record-image" data-pool-index={poolIndex} />;
}
