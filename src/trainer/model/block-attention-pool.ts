// Helper threads for block-attention.wat: worker_threads that instantiate the
// kernels over the same shared memory and take a share of a call's (block,
// head) pairs, while the calling thread runs its own share and then waits
// (Atomics) for theirs. The WASM backend's own pool is idle meanwhile: no tfjs
// op runs during a kernel call.
//
// A helper counts only once it has said it is ready: until then (it starts in
// the background) and if it never starts (a Node that forbids workers or eval),
// the calling thread runs its share. Helpers are unref'd: they never keep a
// process alive.

import { Worker } from 'node:worker_threads';

/** The kernels' two exported entry points over a range of pairs [from, to). */
export type KernelName = 'forward' | 'backward';

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
 * The call's arguments after the helper slots: their count, the index of the
 * one that differs per thread (-1: none), up to 24 i32s, then the scale (f32).
 */
const MAX_ARGS = 24;
const ARGS_WORDS = MAX_ARGS + 3;
const KINDS: KernelName[] = ['forward', 'backward'];
/** How long past this thread's own share the helpers may take before they count as dead: a fixed grace, plus a multiple. */
const HELPER_GRACE_MS = 10_000;
const HELPER_SLOWDOWN = 20;

// Plain JavaScript run by each helper (eval'd: bundles ship no separate worker file).
const HELPER = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index, slot, argsAt, kinds } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(control);
const floats = new Float32Array(control);
const base = index * slot;
Atomics.store(words, base + ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(words, base + ${GENERATION}, seen);
  seen = Atomics.load(words, base + ${GENERATION});
  const args = Array.from(words.subarray(argsAt + 2, argsAt + 2 + words[argsAt]));
  if (words[argsAt + 1] >= 0) args[words[argsAt + 1]] = words[base + ${OWN}];
  const scale = floats[argsAt + ${MAX_ARGS + 2}];
  let status = 0;
  try {
    kernels[kinds[words[base + ${KIND}]]](args[0], words[base + ${FROM}], words[base + ${TO}], ...args.slice(1), scale);
  } catch (error) {
    console.error('block attention helper failed:', error);
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
  private readonly floats: Float32Array;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** The calling thread's own instance. */
    private readonly kernels: Record<KernelName, (...args: number[]) => void>,
    private readonly maxHelpers: number,
  ) {
    const control = new SharedArrayBuffer(4 * (maxHelpers * SLOT + ARGS_WORDS));
    this.words = new Int32Array(control);
    this.floats = new Float32Array(control);
  }

  /**
   * Runs `kind` over pairs [0, costs.length) split in contiguous ranges of about
   * equal cost among this thread and up to threads - 1 ready helpers.
   * `args`: the kernel's integer arguments less (from, to), which follow the
   * first; `scale` its last, a float. Thread i gets args[own.at] + i·own.step.
   */
  run(kind: KernelName, args: number[], scale: number, costs: Float64Array, threads: number, own?: { at: number; step: number }): void {
    this.start(Math.min(threads, this.maxHelpers + 1) - 1);
    const cuts = split(costs, Math.min(threads, this.readyHelpers + 1, costs.length));
    if (cuts.length === 2) {
      this.kernels[kind](args[0]!, 0, costs.length, ...args.slice(1), scale);
      return;
    }
    if (args.length > MAX_ARGS) throw new Error(`block attention ${kind}: ${args.length} arguments, more than the ${MAX_ARGS} helpers take`);
    const argsAt = this.maxHelpers * SLOT;
    this.words[argsAt] = args.length;
    this.words[argsAt + 1] = own ? own.at : -1;
    this.words.set(args, argsAt + 2);
    this.floats[argsAt + MAX_ARGS + 2] = scale;
    const running: number[] = [];
    for (let part = 1, helper = 0; part + 1 < cuts.length; part++, helper++) {
      while (Atomics.load(this.words, helper * SLOT + READY) !== 1) helper++;
      const base = helper * SLOT;
      this.words[base + KIND] = KINDS.indexOf(kind);
      this.words[base + FROM] = cuts[part]!;
      this.words[base + TO] = cuts[part + 1]!;
      if (own) this.words[base + OWN] = args[own.at]! + part * own.step;
      Atomics.store(this.words, base + STATUS, 1);
      Atomics.add(this.words, base + GENERATION, 1);
      Atomics.notify(this.words, base + GENERATION);
      running.push(base);
    }
    const started = performance.now();
    this.kernels[kind](args[0]!, cuts[0]!, cuts[1]!, ...args.slice(1), scale);
    // Shares are balanced, so a helper far slower than this thread's own share has died (a
    // hard crash reports nothing, and this thread cannot run the event loop that would hear it).
    const deadline = performance.now() + HELPER_GRACE_MS + HELPER_SLOWDOWN * (performance.now() - started);
    let failed = false;
    for (const base of running) {
      const left = Math.max(0, deadline - performance.now());
      if (Atomics.wait(this.words, base + STATUS, 1, left) === 'timed-out') {
        throw new Error(`block attention ${kind}: a helper thread stopped answering; set RLAB_WASM_THREADS=1 to run on one thread`);
      }
      failed ||= Atomics.load(this.words, base + STATUS) === 2;
    }
    if (failed) throw new Error(`block attention ${kind}: a helper thread failed (its error is above); set RLAB_WASM_THREADS=1 to run on one thread`);
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
            slot: SLOT, argsAt: this.maxHelpers * SLOT, kinds: KINDS,
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
