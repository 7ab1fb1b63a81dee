// Helper threads for the WebAssembly kernels that share a call's work
// (block-attention.wat's attention, fused.wat's weight gradient):
// worker_threads that instantiate the kernel module over the same shared
// memory and each run the kernel over a share of the call's range [from, to),
// while the calling thread runs its own share and then waits (Atomics) for
// theirs. The WASM backend's own pool is idle meanwhile: no tfjs op runs during
// a kernel call.
//
// A helper counts only once it has said it is ready: until then (it starts in
// the background) and if it never starts (a Node that forbids workers or eval),
// the calling thread runs its share. Helpers are unref'd: they never keep a
// process alive.

import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

/** Threads the kernels use: the WASM backend's (its own pool idles while they run); 1 on the CPU backend. */
export function kernelThreads(): number {
  if (tf.getBackend() !== 'wasm') return 1;
  // Loaded already: the active backend is this package's.
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  return wasm.getThreadsCount();
}

/** Per-helper words of the control block. */
const SLOT = 8;
const GENERATION = 0;
const KIND = 1;
const FROM = 2;
const TO = 3;
/** 0 idle, 1 running, 2 failed (its message goes to the console of the helper). */
const STATUS = 4;
const READY = 5;
/** This helper's value of the argument that differs per thread (a scratch buffer). */
const OWN = 6;
/**
 * After the helper slots, a header of 4 words (the argument count, the index
 * of the one that differs per thread or -1, the index of `from`, unused), then
 * up to MAX_ARGS arguments as float64s (exact for the kernels' i32s and f32s).
 */
const HEADER = 4;
const MAX_ARGS = 32;
/** How long past this thread's own share the helpers may take before they count as dead: a fixed grace, plus a multiple. */
const HELPER_GRACE_MS = 10_000;
const HELPER_SLOWDOWN = 20;

// Plain JavaScript run by each helper (eval'd: bundles ship no separate worker file).
const HELPER = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index, slot, argsAt, kinds, label } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(control);
const values = new Float64Array(control, (argsAt + ${HEADER}) * 4);
const base = index * slot;
Atomics.store(words, base + ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(words, base + ${GENERATION}, seen);
  seen = Atomics.load(words, base + ${GENERATION});
  const args = Array.from(values.subarray(0, words[argsAt]));
  if (words[argsAt + 1] >= 0) args[words[argsAt + 1]] = words[base + ${OWN}];
  args[words[argsAt + 2]] = words[base + ${FROM}];
  args[words[argsAt + 2] + 1] = words[base + ${TO}];
  let status = 0;
  try {
    kernels[kinds[words[base + ${KIND}]]](...args);
  } catch (error) {
    console.error(label + ' helper failed:', error);
    status = 2;
  }
  Atomics.store(words, base + ${STATUS}, status);
  Atomics.notify(words, base + ${STATUS});
}
`;

export class KernelPool {
  private readonly workers: Worker[] = [];
  private unavailable = false;
  private readonly words: Int32Array;
  private readonly values: Float64Array;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** The calling thread's own instance's exports. */
    private readonly kernels: Record<string, unknown>,
    /** The kernels a call may name. */
    private readonly kinds: readonly string[],
    private readonly maxHelpers: number,
    /** What the kernels compute, for error messages. */
    private readonly label: string,
  ) {
    const control = new SharedArrayBuffer(4 * (maxHelpers * SLOT + HEADER) + 8 * MAX_ARGS);
    this.words = new Int32Array(control);
    this.values = new Float64Array(control, 4 * (maxHelpers * SLOT + HEADER));
  }

  /**
   * Runs kernel `kind` over [0, costs.length) split in contiguous ranges of
   * about equal cost among this thread and up to threads - 1 ready helpers.
   * `args` are the kernel's arguments; each thread's range goes into
   * args[range] (from) and args[range + 1] (to). Thread i gets
   * args[own.at] + i·own.step.
   */
  run(kind: string, args: number[], range: number, costs: Float64Array, threads: number, own?: { at: number; step: number }): void {
    const kernel = this.kernels[kind] as (...values: number[]) => void;
    const call = (from: number, to: number) => {
      const values = [...args];
      values[range] = from;
      values[range + 1] = to;
      kernel(...values);
    };
    this.start(Math.min(threads, this.maxHelpers + 1) - 1);
    const cuts = split(costs, Math.min(threads, this.readyHelpers + 1, costs.length));
    if (cuts.length === 2) {
      call(0, costs.length);
      return;
    }
    if (args.length > MAX_ARGS) throw new Error(`${this.label} ${kind}: ${args.length} arguments, more than the ${MAX_ARGS} helpers take`);
    const argsAt = this.maxHelpers * SLOT;
    this.words[argsAt] = args.length;
    this.words[argsAt + 1] = own ? own.at : -1;
    this.words[argsAt + 2] = range;
    this.values.set(args);
    const running: number[] = [];
    for (let part = 1, helper = 0; part + 1 < cuts.length; part++, helper++) {
      while (Atomics.load(this.words, helper * SLOT + READY) !== 1) helper++;
      const base = helper * SLOT;
      this.words[base + KIND] = this.kinds.indexOf(kind);
      this.words[base + FROM] = cuts[part]!;
      this.words[base + TO] = cuts[part + 1]!;
      if (own) this.words[base + OWN] = args[own.at]! + part * own.step;
      Atomics.store(this.words, base + STATUS, 1);
      Atomics.add(this.words, base + GENERATION, 1);
      Atomics.notify(this.words, base + GENERATION);
      running.push(base);
    }
    const started = performance.now();
    call(cuts[0]!, cuts[1]!);
    // Shares are balanced, so a helper far slower than this thread's own share has died (a
    // hard crash reports nothing, and this thread cannot run the event loop that would hear it).
    const deadline = performance.now() + HELPER_GRACE_MS + HELPER_SLOWDOWN * (performance.now() - started);
    let failed = false;
    for (const base of running) {
      const left = Math.max(0, deadline - performance.now());
      if (Atomics.wait(this.words, base + STATUS, 1, left) === 'timed-out') {
        throw new Error(`${this.label} ${kind}: a helper thread stopped answering; set RLAB_WASM_THREADS=1 to run on one thread`);
      }
      failed ||= Atomics.load(this.words, base + STATUS) === 2;
    }
    if (failed) throw new Error(`${this.label} ${kind}: a helper thread failed (its error is above); set RLAB_WASM_THREADS=1 to run on one thread`);
  }

  /** Ends the helper threads (a pool over a memory that is going away). */
  dispose(): void {
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
    this.unavailable = true;
  }

  /** Helpers started so far that have said they are ready. */
  get readyHelpers(): number {
    return this.workers.filter((_, i) => Atomics.load(this.words, i * SLOT + READY) === 1).length;
  }

  /** Starts helpers up to `count` (they become ready in the background). */
  private start(count: number): void {
    while (this.workers.length < count && !this.unavailable) {
      const index = this.workers.length;
      let worker: Worker;
      try {
        worker = new Worker(HELPER, {
          eval: true,
          workerData: {
            module: this.module, memory: this.memory, control: this.words.buffer, index,
            slot: SLOT, argsAt: this.maxHelpers * SLOT, kinds: this.kinds, label: this.label,
          },
        });
      } catch {
        // This process cannot start workers: every call runs on the calling thread.
        this.unavailable = true;
        return;
      }
      // A helper that fails to start is never marked ready: its share stays on the calling thread.
      worker.on('error', () => undefined);
      worker.unref();
      this.workers.push(worker);
    }
  }
}

/** Cut points [0, …, n] splitting costs into `parts` contiguous runs of about equal total. */
function split(costs: Float64Array, parts: number): number[] {
  const total = costs.reduce((a, b) => a + b, 0);
  const cuts = [0];
  let sum = 0;
  for (let i = 0; i < costs.length && cuts.length < parts; i++) {
    sum += costs[i]!;
    if (sum >= (total * cuts.length) / parts && i + 1 < costs.length) cuts.push(i + 1);
  }
  cuts.push(costs.length);
  return cuts;
}
