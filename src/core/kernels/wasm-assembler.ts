/**
 * Just enough of the WebAssembly binary format (Core Specification 2.0, chapter 5; SIMD opcodes of
 * the fixed-width SIMD proposal, final numbering) to write a one-function module that imports
 * tfjs-backend-wasm's memory, and to instantiate it on that memory. The lab's SIMD kernels are a
 * few hundred bytes each, assembled at start-up from their instructions: no toolchain, nothing
 * fetched.
 */

/**
 * The part of the WebAssembly JS API used here, declared because the core compiles against ES2022's
 * lib alone (no DOM, no Node), which has none; every engine that runs tfjs-backend-wasm has it.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => GrowableMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** A memory of a kernel's own (not tfjs's heap), grown by 64 KiB pages; growing detaches `buffer`. */
export interface GrowableMemory extends WasmMemory {
  grow(pages: number): number;
}

/** One 64 KiB page of WebAssembly memory, in bytes. */
export const PAGE_BYTES = 65536;

/** A fresh memory of `pages` pages for a kernel that needs no tensor of tfjs's, or undefined where there is no WebAssembly. */
export function createMemory(pages: number): GrowableMemory | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api === undefined ? undefined : new api.Memory({ initial: pages });
}

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 (i32.const's immediate). */
export function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (text: string) => vector([...text].map((ch) => [ch.charCodeAt(0)]));

export const localGet = (local: number) => [0x20, ...uleb(local)];
export const localSet = (local: number) => [0x21, ...uleb(local)];
export const i32Const = (value: number) => [0x41, ...sleb(value)];
/** A SIMD instruction: the 0xfd prefix, its opcode, then its immediates. */
export const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];

export interface OneFunctionModule {
  /** Parameter types (I32, F32, …); the function returns nothing. */
  readonly params: readonly number[];
  /** Extra locals as [count, type] runs, numbered after the parameters. */
  readonly locals: readonly (readonly [number, number])[];
  /** The instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** The module: env.memory imported (shared where tfjs's threaded build shares it), function 0 exported as "run". */
export function assemble(fn: OneFunctionModule, shared: boolean): Uint8Array {
  const limits = shared ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00];
  const code = [...vector(fn.locals.map(([count, type]) => [...uleb(count), type])), ...fn.body, 0x0b];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
    ...section(1, vector([[0x60, ...vector(fn.params.map((p) => [p])), 0x00]])), // type 0: (params) → ()
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...limits]])), // import env.memory
    ...section(3, vector([[0x00]])), // function 0 of type 0
    ...section(7, vector([[...name('run'), 0x00, 0x00]])), // export "run" = function 0
    ...section(10, vector([[...uleb(code.length), ...code]])), // its body
  ]);
}

/**
 * Function 0 of `fn` bound to `memory`, or undefined where this engine cannot run it (no
 * WebAssembly SIMD: the caller keeps its JavaScript loop).
 */
export function instantiateOnHeap<F>(fn: OneFunctionModule, memory: WasmMemory): F | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = assemble(fn, shared);
  if (api === undefined || !api.validate(bytes)) return undefined;
  try {
    const instance = new api.Instance(new api.Module(bytes), { env: { memory } });
    return instance.exports.run as F;
  } catch {
    // A memory whose limits this import cannot take (LinkError): the JavaScript loop still works.
    return undefined;
  }
}

/** for (local = 0; local < limit; local += step) body — as block / loop / br_if. */
export function forLoop(local: number, limit: number[], step: number, body: number[]): number[] {
  const GE_S = [0x4e]; // i32.ge_s
  const ADD = [0x6a]; // i32.add
  return [
    ...i32Const(0), ...localSet(local),
    0x02, 0x40, 0x03, 0x40,
    ...localGet(local), ...limit, ...GE_S, 0x0d, 0x01,
    ...body,
    ...localGet(local), ...i32Const(step), ...ADD, ...localSet(local),
    0x0c, 0x00, 0x0b, 0x0b,
  ];
}

/**
 * `make` called once per memory (the wasm backend's heap) and remembered, its undefined (no SIMD,
 * a memory it cannot import) included: every SIMD kernel binds its function this way.
 */
export function oncePerMemory<F>(make: (memory: WasmMemory) => F | undefined): (memory: WasmMemory) => F | undefined {
  const made = new WeakMap<WasmMemory, F | null>();
  return (memory) => {
    const known = made.get(memory);
    if (known !== undefined) return known ?? undefined;
    let value: F | null = null;
    try {
      value = make(memory) ?? null;
    } catch {
      value = null;
    }
    made.set(memory, value);
    return value ?? undefined;
  };
}
