// The training attention kernels of block-attention.wat over plain arrays: one
// WebAssembly memory, grown to the largest call, holds a layer's activations
// while the forward or backward of every (block, head) pair runs in one call.
// Results are views of that memory, valid until the next call. With more than
// one thread the pairs are shared with helper threads (kernel-pool.ts).
//
// Activations stay as they come, [N, D] (heads side by side) or q, k and v
// side by side in one [N, 3D] array (the fused projection's output, so no split
// and no concat of the gradients), when the head dimension is a multiple of 8,
// the kernels' column group; otherwise each head is copied into its own
// [N, ⌈hd/8⌉·8] matrix and back (the padding columns are scratch: no product
// sums over them, and what they get is never copied out).

import { BLOCK_ATTENTION_WASM } from './block-attention-wasm';
import { KernelPool } from './kernel-pool';
import { MAX_PAGES, growTo, pagesFor } from './kernel-memory';

/** A run of rows of the [N, D] activations, causal within itself. */
export interface AttentionRun {
  offset: number;
  length: number;
}

/** q, k and v as [N, D] float arrays, heads side by side in D. */
export interface SeparateInputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

/** q, k and v side by side in one [N, 3D] array. */
export interface PackedInputs {
  qkv: Float32Array;
}

export interface SeparateGradients {
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

/** [N, 3D]: dq, dk and dv side by side. */
export interface PackedGradients {
  dqkv: Float32Array;
}

/** block-attention.wat's exports; addresses are byte offsets into its memory. */
interface Kernels {
  forward(
    table: number, from: number, to: number, q: number, kt: number, v: number, o: number, p: number,
    row: number, outRow: number, head: number, tRow: number, hd: number, width: number, scale: number,
  ): void;
  backward(
    table: number, from: number, to: number, q: number, k: number, vt: number, dout: number, p: number, t: number,
    dq: number, dk: number, dv: number, row: number, outRow: number, head: number, tRow: number, hd: number, width: number, scale: number,
  ): void;
  transposeHeads(src: number, dst: number, n: number, heads: number, hd: number, row: number, head: number, tRow: number): void;
}

/** Helper threads at most: the WASM backend's own pool never has more than 8 threads. */
const MAX_HELPERS = 7;
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
  /** Activations as they come (hd a multiple of the group), or per head padded [N + slack, cols]. */
  readonly direct: boolean;
  /** Row bytes of q, k, v and their gradients (side by side when packed and direct), and of o and dout. */
  readonly rowBytes: number;
  readonly outRowBytes: number;
  readonly headBytes: number;
  /** Floats of one buffer of o or dout, and of one of q, k, v (or of all three when packed and direct). */
  readonly outFloats: number;
  readonly inputFloats: number;
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
    /** q, k, v side by side in one [N, 3D] array. */
    readonly packed: boolean,
  ) {
    this.hd = width / heads;
    this.cols = roundUp(this.hd, GROUP);
    this.direct = this.cols === this.hd;
    const padded = rows + ROW_SLACK;
    this.outRowBytes = 4 * (this.direct ? width : this.cols);
    this.rowBytes = this.direct && packed ? 3 * this.outRowBytes : this.outRowBytes;
    this.headBytes = this.direct ? 4 * this.hd : padded * this.outRowBytes;
    this.outFloats = this.direct ? padded * width : heads * padded * this.cols;
    this.inputFloats = this.direct && packed ? 3 * this.outFloats : this.outFloats;
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

  /** Byte addresses of q, k and v (or of their gradients) in buffers taken for them. */
  takeInputs(): [number, number, number] {
    if (this.direct && this.packed) {
      const at = this.take(this.inputFloats);
      return [at, at + this.outRowBytes, at + 2 * this.outRowBytes];
    }
    return [this.take(this.inputFloats), this.take(this.inputFloats), this.take(this.inputFloats)];
  }

  /** The kernels' layout arguments after the buffers. */
  get shape(): number[] {
    return [this.rowBytes, this.outRowBytes, this.headBytes, this.tRowBytes, this.hd, this.cols];
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
    this.pool = new KernelPool(compiled, this.memory, this.kernels as unknown as Record<string, unknown>, ['forward', 'backward'], MAX_HELPERS, 'block attention');
  }

  /**
   * softmax(q·kᵀ/√hd)·v within each run, causal, for q, k, v of [rows, width]:
   * the output [rows, width] and every pair's probabilities (what `backward`
   * takes back), on up to `threads` threads.
   */
  forward(
    inputs: SeparateInputs | PackedInputs,
    rows: number,
    width: number,
    heads: number,
    runs: readonly AttentionRun[],
    threads = 1,
  ): { out: Float32Array; probabilities: Float32Array } {
    const layout = new Layout(rows, width, heads, runs, 'qkv' in inputs);
    const table = layout.take(layout.table.length);
    const [q, k, v] = layout.takeInputs();
    const o = layout.take(layout.outFloats);
    const kt = layout.take(layout.transposedFloats);
    const p = layout.take(layout.probabilityFloats);
    this.reserve(layout);
    new Int32Array(this.memory.buffer, table, layout.table.length).set(layout.table);
    this.stageInputs(layout, inputs, [q, k, v]);
    this.kernels.transposeHeads(k, kt, rows, heads, layout.hd, layout.rowBytes, layout.headBytes, layout.tRowBytes);
    // The (block, head) range goes after the table.
    this.pool.run('forward', [table, 0, 0, q, kt, v, o, p, ...layout.shape, 1 / Math.sqrt(layout.hd)], 1, layout.costs, threads);
    return { out: this.unstage(layout, o), probabilities: this.floats(p, layout.probabilityFloats) };
  }

  /** Gradients of `forward`'s output (cotangent `dout` [rows, width]) w.r.t. q, k and v, in the form of the inputs. */
  backward(inputs: SeparateInputs, dout: Float32Array, probabilities: Float32Array, rows: number, width: number, heads: number, runs: readonly AttentionRun[], threads?: number): SeparateGradients;
  backward(inputs: PackedInputs, dout: Float32Array, probabilities: Float32Array, rows: number, width: number, heads: number, runs: readonly AttentionRun[], threads?: number): PackedGradients;
  backward(inputs: SeparateInputs | PackedInputs, dout: Float32Array, probabilities: Float32Array, rows: number, width: number, heads: number, runs: readonly AttentionRun[], threads?: number): SeparateGradients | PackedGradients;
  backward(
    inputs: SeparateInputs | PackedInputs,
    dout: Float32Array,
    probabilities: Float32Array,
    rows: number,
    width: number,
    heads: number,
    runs: readonly AttentionRun[],
    threads = 1,
  ): SeparateGradients | PackedGradients {
    const layout = new Layout(rows, width, heads, runs, 'qkv' in inputs);
    if (probabilities.length !== layout.probabilityFloats) {
      throw new Error(`attention backward got ${probabilities.length} probabilities for blocks that have ${layout.probabilityFloats}`);
    }
    const table = layout.take(layout.table.length);
    const [q, k, v] = layout.takeInputs();
    const [dq, dk, dv] = layout.takeInputs();
    const dOut = layout.take(layout.outFloats);
    const vt = layout.take(layout.transposedFloats);
    const p = layout.take(layout.probabilityFloats);
    // 4 rows of the longest pair's square per thread.
    const scratch = layout.take(threads * layout.scratchFloats);
    this.reserve(layout);
    new Int32Array(this.memory.buffer, table, layout.table.length).set(layout.table);
    this.stageInputs(layout, inputs, [q, k, v]);
    this.stage(layout, dout, dOut, width, 0);
    this.kernels.transposeHeads(v, vt, rows, heads, layout.hd, layout.rowBytes, layout.headBytes, layout.tRowBytes);
    this.floats(p, layout.probabilityFloats).set(probabilities);
    this.pool.run('backward', [table, 0, 0, q, k, vt, dOut, p, scratch, dq, dk, dv, ...layout.shape, 1 / Math.sqrt(layout.hd)], 1, layout.costs, threads, {
      at: 8,
      step: 4 * layout.scratchFloats,
    });
    if (!layout.packed) return { dq: this.unstage(layout, dq), dk: this.unstage(layout, dk), dv: this.unstage(layout, dv) };
    if (layout.direct) return { dqkv: this.floats(dq, rows * 3 * width) };
    const dqkv = new Float32Array(rows * 3 * width);
    [dq, dk, dv].forEach((at, i) => this.gatherHeads(layout, at, dqkv, 3 * width, i * width));
    return { dqkv };
  }

  /** Threads that take a share of a call now: this one and the helpers ready so far (they start on first use). */
  get readyThreads(): number {
    return 1 + this.pool.readyHelpers;
  }

  /** Grows the memory to hold the call's arrays. */
  private reserve(layout: Layout): void {
    const pages = pagesFor(
      layout.bytes,
      (gb) =>
        `attention over ${layout.rows} rows (${layout.runs.length} sequences, ${layout.heads} heads) needs ` +
        `${gb} GB of WebAssembly memory, more than the 4 GB it holds: lower \`micro-batch\` (fewer sequences per pass)`,
    );
    growTo(this.memory, pages);
  }

  private floats(at: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, count);
  }

  /** Copies q, k and v into their buffers at `at` (one copy when packed and direct). */
  private stageInputs(layout: Layout, inputs: SeparateInputs | PackedInputs, at: [number, number, number]): void {
    const { rows, width } = layout;
    if (!('qkv' in inputs)) {
      [inputs.q, inputs.k, inputs.v].forEach((source, i) => this.stage(layout, source, at[i]!, width, 0));
    } else if (layout.direct) {
      this.floats(at[0], rows * 3 * width).set(inputs.qkv.subarray(0, rows * 3 * width));
    } else {
      at.forEach((to, i) => this.stage(layout, inputs.qkv, to, 3 * width, i * width));
    }
  }

  /**
   * Copies the [rows, width] columns from `column` of `source` (rows of
   * `stride` floats) into a q/k/v/dout buffer at byte `at`: as they are when
   * direct (then the source is [rows, width] or packed side by side), else per head.
   */
  private stage(layout: Layout, source: Float32Array, at: number, stride: number, column: number): void {
    const { rows, heads, hd, cols, direct } = layout;
    if (direct) {
      this.floats(at, rows * stride).set(source.subarray(0, rows * stride));
      return;
    }
    const target = this.floats(at, layout.outFloats);
    const headFloats = layout.headBytes / 4;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < rows; i++) {
        const from = i * stride + column + h * hd;
        target.set(source.subarray(from, from + hd), h * headFloats + i * cols);
      }
    }
  }

  /** The [rows, width] result in a buffer at byte `at`: a view when direct, else a fresh array. */
  private unstage(layout: Layout, at: number): Float32Array {
    const { rows, width } = layout;
    if (layout.direct) return this.floats(at, rows * width);
    const out = new Float32Array(rows * width);
    this.gatherHeads(layout, at, out, width, 0);
    return out;
  }

  /** Copies the padded per-head buffer at byte `at` into `target`'s columns from `column` (rows of `stride` floats). */
  private gatherHeads(layout: Layout, at: number, target: Float32Array, stride: number, column: number): void {
    const { rows, heads, hd, cols } = layout;
    const staged = this.floats(at, layout.outFloats);
    const headFloats = layout.headBytes / 4;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < rows; i++) {
        target.set(staged.subarray(h * headFloats + i * cols, h * headFloats + i * cols + hd), i * stride + column + h * hd);
      }
    }
  }
}
