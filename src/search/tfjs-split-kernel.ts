// Issue 20: a profile of `locus index` with the local model put a fifth of its time in TF.js' SplitV on the
// WebAssembly backend, which cuts each part through its slice kernel, and that kernel first copies the whole
// input out of WebAssembly memory (readSync) for every part. This SplitV copies each part straight from a view of
// the input into its output, in WebAssembly memory: the same bytes, without the copies of the whole input.
// It is written as one self-contained function because a worker thread evaluates its source (embedding-worker.ts).

/** The parts of TF.js (tfjs-core as @energetic-ai/core exports it) the kernel reads. */
interface TensorInfo {
  readonly dataId: object;
  readonly shape: number[];
  readonly dtype: string;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): { set(from: ArrayLike<number>, at: number): void } & {
    subarray(start: number, end: number): ArrayLike<number>;
  };
}
interface KernelArgs {
  readonly inputs: { readonly x: TensorInfo };
  readonly attrs: { readonly numOrSizeSplits: number | number[]; readonly axis: number | number[] };
  readonly backend: WasmBackend;
}
interface KernelConfig {
  readonly kernelName: string;
  readonly backendName: string;
  readonly kernelFunc: (args: KernelArgs) => TensorInfo[];
  readonly [key: string]: unknown;
}
/** The TF.js functions the registration uses. */
export interface TfjsKernels {
  getKernel(name: string, backend: string): KernelConfig | undefined;
  unregisterKernel(name: string, backend: string): void;
  registerKernel(config: KernelConfig): void;
  readonly util: { parseAxisParam(axis: number | number[], shape: number[]): number[] };
  readonly backend_util: {
    prepareSplitSize(x: TensorInfo, numOrSizeSplits: number | number[], axis: number): number[];
  };
}

/** Replaces the WebAssembly backend's SplitV with one that copies only the parts (strings keep the original). */
export function registerFastSplitV(tf: TfjsKernels): void {
  const original = tf.getKernel("SplitV", "wasm");
  if (original === undefined || original.locusFastSplit === true) return;
  const kernelFunc = (args: KernelArgs): TensorInfo[] => {
    const { x } = args.inputs;
    if (x.dtype === "string") return original.kernelFunc(args);
    const axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x, args.attrs.numOrSizeSplits, axis);
    const outer = x.shape.slice(0, axis).reduce((product, n) => product * n, 1);
    const inner = x.shape.slice(axis + 1).reduce((product, n) => product * n, 1);
    const along = x.shape[axis] as number;
    let begin = 0;
    return sizes.map((size) => {
      const shape = x.shape.slice();
      shape[axis] = size;
      const out = args.backend.makeOutput(shape, x.dtype);
      // Views taken after makeOutput, which may grow (and so replace) the WebAssembly memory.
      const from = args.backend.typedArrayFromHeap(x);
      const to = args.backend.typedArrayFromHeap(out);
      const width = size * inner;
      for (let row = 0; row < outer; row++) {
        const start = (row * along + begin) * inner;
        to.set(from.subarray(start, start + width), row * width);
      }
      begin += size;
      return out;
    });
  };
  tf.unregisterKernel("SplitV", "wasm");
  tf.registerKernel({ ...original, kernelFunc, locusFastSplit: true });
}
