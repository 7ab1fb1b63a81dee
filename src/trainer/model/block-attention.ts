// The training attention kernels of block-attention.wat over plain arrays: one
// WebAssembly memory, grown to the largest call, holds a layer's activations
// while the forward or backward of every (block, head) pair runs in one call.
// Results are views of that memory, valid until the next call. With more than
// one thread the pairs are shared with helper threads (block-attention-pool.ts).
//
// Activations stay [N, D] (heads side by side) when the head dimension is a
// multiple of 8, the kernels' column group; otherwise each head is copied into
// its own [N, ⌈hd/8⌉·8] matrix and back (the padding columns are scratch: no
// product sums over them, and what they get is never copied out).

import { BLOCK_ATTENTION_WASM } from './block-attention-wasm';
import { KernelPool } from './block-attention-pool';

/** A run of rows of the [N, D] activations, causal within itself. */
export interface AttentionRun {
  offset: number;
  length: number;
}

/** [N, D] float arrays, heads side by side in D. */
export interface AttentionInputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

export interface AttentionGradients {
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

/** block-attention.wat's exports; addresses are byte offsets into its memory. */
interface Kernels {
  forward(
    table: number, from: number, to: number, q: number, kt: number, v: number, o: number, p: number,
    row: number, head: number, tRow: number, hd: number, width: number, scale: number,
  ): void;
  backward(
    table: number, from: number, to: number, q: number, k: number, vt: number, dout: number, p: number, t: number,
    dq: number, dk: number, dv: number, row: number, head: number, tRow: number, hd: number, width: number, scale: number,
  ): void;
  transposeHeads(src: number, dst: number, n: number, heads: number, hd: number, row: number, head: number, tRow: number): void;
}

/** Helper threads at most: the WASM backend's own pool never has more than 8 threads. */
const MAX_HELPERS = 7;
const PAGE_BYTES = 65536;
/** WebAssembly memory pages in 4 GB, the most a 32-bit memory holds. */
const MAX_PAGES = 65536;
/** Floats per column group of the kernels' tiles. */
const GROUP = 8;
/** Rows a tile may read past a block's last row (its 4-row tiles) and columns of kᵀ/vᵀ (its 8-column groups). */
const ROW_SLACK = 4;
const COLUMN_SLACK = 8;

const roundUp = (n: number, multiple: number) => Math.ceil(n / multiple) * multiple;

/** Where one call's arrays go and how the kernels step through them. */
class Layout {
  readonly hd: number;
  /** Columns the tiles run over per head: hd rounded up to the column group. */
  readonly cols: number;
  /** Activations [N, D] as they come (hd a multiple of the group), or per head padded [N + slack, cols]. */
  readonly direct: boolean;
  readonly rowBytes: number;
  readonly headBytes: number;
  /** Floats of one activation buffer. */
  readonly activationFloats: number;
  /** Row bytes of kᵀ and vᵀ ([heads·hd, N + slack]). */
  readonly tRowBytes: number;
  readonly transposedFloats: number;
  /** 4 i32s per (block, head) pair: first row, length, head, byte offset of its probabilities. */
  readonly table: Int32Array;
  readonly probabilityFloats: number;
  /** Work of each pair, for sharing them between threads: its lower triangle. */
  readonly costs: Float64Array;
  /** Floats of 4 rows of the longest pair's square. */
  readonly scratchFloats: number;
  private offset = 0;

  constructor(
    readonly rows: number,
    readonly width: number,
    readonly heads: number,
    readonly runs: readonly AttentionRun[],
  ) {
    this.hd = width / heads;
    this.cols = roundUp(this.hd, GROUP);
    this.direct = this.cols === this.hd;
    const padded = rows + ROW_SLACK;
    this.rowBytes = 4 * (this.direct ? width : this.cols);
    this.headBytes = this.direct ? 4 * this.hd : padded * this.rowBytes;
    this.activationFloats = this.direct ? padded * width : heads * padded * this.cols;
    this.tRowBytes = 4 * roundUp(rows + COLUMN_SLACK, 4);
    this.transposedFloats = (width * this.tRowBytes) / 4;
    this.table = new Int32Array(4 * runs.length * heads);
    this.costs = new Float64Array(runs.length * heads);
    let probabilities = 0;
    let longest = 0;
    let next = 0;
    runs.forEach((run, b) => {
      if (run.offset !== next || run.length < 1) {
        throw new Error(`attention blocks must tile the ${rows} rows in order; block ${b} is rows ${run.offset}..${run.offset + run.length - 1}, expected one from row ${next}`);
      }
      next += run.length;
      const square = roundUp(run.length, 4) * roundUp(run.length, GROUP);
      longest = Math.max(longest, run.length);
      for (let h = 0; h < heads; h++) {
        this.table.set([run.offset, run.length, h, 4 * probabilities], 4 * (b * heads + h));
        this.costs[b * heads + h] = (run.length * (run.length + 1)) / 2;
        probabilities += square;
      }
    });
    if (next !== rows) throw new Error(`attention blocks cover ${next} of the ${rows} rows: they must tile them all`);
    this.probabilityFloats = probabilities;
    this.scratchFloats = 4 * roundUp(longest, GROUP);
  }

  get pairs(): number {
    return this.table.length / 4;
  }

  /** Byte offset of the next `floats` floats (16-byte aligned). */
  take(floats: number): number {
    const at = this.offset;
    this.offset += roundUp(floats, 4) * 4;
    return at;
  }

  get bytes(): number {
    return this.offset;
  }
}

let compiled: WebAssembly.Module | null = null;

export class BlockAttentionKernels {
  private readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  private readonly kernels: Kernels;
  private readonly pool: KernelPool;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(BLOCK_ATTENTION_WASM, 'base64'));
    this.kernels = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as Kernels;
    this.pool = new KernelPool(compiled, this.memory, this.kernels, MAX_HELPERS);
  }

  /**
   * softmax(q·kᵀ/√hd)·v within each run, causal, for [rows, width] inputs:
   * the output [rows, width] and every pair's probabilities (what `backward`
   * takes back), on up to `threads` threads.
   */
  forward(
    inputs: AttentionInputs,
    rows: number,
    width: number,
    heads: number,
    runs: readonly AttentionRun[],
    threads = 1,
  ): { out: Float32Array; probabilities: Float32Array } {
    const layout = new Layout(rows, width, heads, runs);
    const table = layout.take(layout.table.length);
    const q = layout.take(layout.activationFloats);
    const v = layout.take(layout.activationFloats);
    const o = layout.take(layout.activationFloats);
    const kt = layout.take(layout.transposedFloats);
    // k goes through the output's buffer on its way to kᵀ.
    const p = layout.take(layout.probabilityFloats);
    this.reserve(layout);
    new Int32Array(this.memory.buffer, table, layout.table.length).set(layout.table);
    this.stage(layout, inputs.q, q);
    this.stage(layout, inputs.v, v);
    this.stage(layout, inputs.k, o);
    this.kernels.transposeHeads(o, kt, rows, heads, layout.hd, layout.rowBytes, layout.headBytes, layout.tRowBytes);
    const shape = [layout.rowBytes, layout.headBytes, layout.tRowBytes, layout.hd, layout.cols];
    this.pool.run('forward', [table, q, kt, v, o, p, ...shape], 1 / Math.sqrt(layout.hd), layout.costs, threads);
    return { out: this.unstage(layout, o), probabilities: this.floats(p, layout.probabilityFloats) };
  }

  /** Gradients of `forward`'s output (cotangent `dout` [rows, width]) w.r.t. q, k and v. */
  backward(
    inputs: AttentionInputs,
    dout: Float32Array,
    probabilities: Float32Array,
    rows: number,
    width: number,
    heads: number,
    runs: readonly AttentionRun[],
    threads = 1,
  ): AttentionGradients {
    const layout = new Layout(rows, width, heads, runs);
    if (probabilities.length !== layout.probabilityFloats) {
      throw new Error(`attention backward got ${probabilities.length} probabilities for blocks that have ${layout.probabilityFloats}`);
    }
    const table = layout.take(layout.table.length);
    const q = layout.take(layout.activationFloats);
    const k = layout.take(layout.activationFloats);
    const dOut = layout.take(layout.activationFloats);
    const dq = layout.take(layout.activationFloats);
    const dk = layout.take(layout.activationFloats);
    const dv = layout.take(layout.activationFloats);
    const vt = layout.take(layout.transposedFloats);
    const p = layout.take(layout.probabilityFloats);
    // 4 rows of the longest pair's square per thread.
    const scratch = layout.take(threads * layout.scratchFloats);
    this.reserve(layout);
    new Int32Array(this.memory.buffer, table, layout.table.length).set(layout.table);
    this.stage(layout, inputs.q, q);
    this.stage(layout, inputs.k, k);
    this.stage(layout, dout, dOut);
    // v goes through dv's buffer on its way to vᵀ.
    this.stage(layout, inputs.v, dv);
    this.kernels.transposeHeads(dv, vt, rows, heads, layout.hd, layout.rowBytes, layout.headBytes, layout.tRowBytes);
    this.floats(p, layout.probabilityFloats).set(probabilities);
    const shape = [layout.rowBytes, layout.headBytes, layout.tRowBytes, layout.hd, layout.cols];
    this.pool.run('backward', [table, q, k, vt, dOut, p, scratch, dq, dk, dv, ...shape], 1 / Math.sqrt(layout.hd), layout.costs, threads, {
      at: 6,
      step: 4 * layout.scratchFloats,
    });
    return { dq: this.unstage(layout, dq), dk: this.unstage(layout, dk), dv: this.unstage(layout, dv) };
  }

  /** Threads that take a share of a call now: this one and the helpers ready so far (they start on first use). */
  get readyThreads(): number {
    return 1 + this.pool.readyHelpers;
  }

  /** Grows the memory to hold the call's arrays. */
  private reserve(layout: Layout): void {
    const pages = Math.ceil(layout.bytes / PAGE_BYTES);
    if (pages > MAX_PAGES) {
      throw new Error(
        `attention over ${layout.rows} rows (${layout.runs.length} sequences, ${layout.heads} heads) needs ` +
          `${(layout.bytes / 2 ** 30).toFixed(1)} GB of WebAssembly memory, more than the 4 GB it holds: ` +
          'lower `micro-batch` (fewer sequences per pass)',
      );
    }
    const have = this.memory.buffer.byteLength / PAGE_BYTES;
    if (pages > have) this.memory.grow(pages - have);
  }

  private floats(at: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, count);
  }

  /** Copies [rows, width] `source` into the kernels' layout at byte `at`. */
  private stage(layout: Layout, source: Float32Array, at: number): void {
    const { rows, width, heads, hd, cols, direct } = layout;
    const target = this.floats(at, layout.activationFloats);
    if (direct) {
      target.set(source.subarray(0, rows * width));
      return;
    }
    const headFloats = layout.headBytes / 4;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < rows; i++) target.set(source.subarray(i * width + h * hd, i * width + (h + 1) * hd), h * headFloats + i * cols);
    }
  }

  /** The [rows, width] array at byte `at` in the kernels' layout: a view when direct, else a fresh array. */
  private unstage(layout: Layout, at: number): Float32Array {
    const { rows, width, heads, hd, cols, direct } = layout;
    const staged = this.floats(at, layout.activationFloats);
    if (direct) return staged.subarray(0, rows * width);
    const out = new Float32Array(rows * width);
    const headFloats = layout.headBytes / 4;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < rows; i++) out.set(staged.subarray(h * headFloats + i * cols, h * headFloats + i * cols + hd), i * width + h * hd);
    }
    return out;
  }
}
