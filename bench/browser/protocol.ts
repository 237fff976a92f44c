/** What the bench page asks its worker and what comes back. */
export interface BrowserBenchRequest {
  /** webgpu, webgl, wasm (stock), wasm+lab (with the lab's kernels), cpu. */
  readonly backend: string;
  readonly samples: number;
  readonly repeats: number;
  /** WebGPU only: tfjs's WEBGPU_CONV_SEPARATE_IM2COL_SHADER flag. */
  readonly im2col?: boolean;
}

export interface BrowserBenchTiming {
  readonly workload: string;
  /** Seconds per repeat after one warm-up. */
  readonly seconds: readonly number[];
}

export type BrowserBenchResponse =
  | { readonly ok: true; readonly backend: string; readonly active: string; readonly timings: readonly BrowserBenchTiming[]; readonly notes: readonly string[] }
  | { readonly ok: false; readonly backend: string; readonly error: string };
