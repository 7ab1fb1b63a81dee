// tfjs-backend-wasm's threaded SIMD build, in Node. tfjs never starts it there
// (tfjs issue 3830): its loader hands Emscripten blob: URLs for the pthread
// worker and the main script, which Node's Worker cannot open, and the C side
// sizes XNNPACK's pool at most half the logical cores (1 on 2 cores). Here the
// build's own Emscripten factory (wasm-out/) starts with a worker script Node can
// run and a core count that lets the pool take the threads asked for; the
// result is registered as the `wasm` backend with tfjs's own BackendWasm class.
//
// A started pool never keeps a process alive: its workers are unref'd, so the
// trainer, the CLI, benchmarks and tests exit on their own.

import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

export const WASM_THREADS_ENV = 'RLAB_WASM_THREADS';
/** tfjs-backend-wasm's pool never takes more: its build pre-starts 8 pthread workers. */
const MAX_THREADS = 8;
/** The default stops here: tfjs's own former cap; past it each thread's tiles of our small products get tiny. */
const DEFAULT_MAX_THREADS = 4;
/** How long the idle cores are sampled before the pool is sized. */
const IDLE_WINDOW_MS = 200;
/** A core counts as idle when at least 80% of it is. */
const IDLE_SLACK = 0.2;
/** Eight workers instantiate the module on start; far longer means they never will. */
const START_TIMEOUT_MS = 30_000;
/** tfjs-backend-wasm registers its backend at this priority; the replacement keeps it. */
const WASM_PRIORITY = 2;

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/** The parts of Emscripten's pthread bookkeeping (Module.PThread) used here. */
interface PThreads {
  unusedWorkers: EmscriptenWorker[];
  runningWorkers: EmscriptenWorker[];
  terminateAllThreads(): void;
}

type EmscriptenWorker = Worker & { onerror: (error: unknown) => void };

/** What the Emscripten factory is given; it becomes the module object as it starts. */
interface ThreadedConfig {
  locateFile(file: string, prefix: string): string | URL;
  instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
  onAbort(what: unknown): void;
  PThread?: PThreads;
}

interface ThreadedModule extends ThreadedConfig {
  PThread: PThreads;
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
}

type ThreadedFactory = (config: ThreadedConfig) => Promise<ThreadedModule>;

export interface ThreadsWanted {
  threads: number;
  /** Why fewer threads than the machine has cores, when the reason is worth reporting. */
  note: string | null;
}

/**
 * Threads the WASM backend should run: RLAB_WASM_THREADS, else the cores that
 * other work leaves idle, up to 4. A pool thread on a busy core makes every
 * parallel op wait for it: with two other busy processes on 2 cores, 2 threads
 * trained nano at half the speed of 1.
 */
export async function wasmThreadsWanted(
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
  idleCores: () => Promise<number> = sampleIdleCores,
): Promise<ThreadsWanted> {
  const text = env[WASM_THREADS_ENV]?.trim();
  if (text) {
    const threads = Number(text);
    if (Number.isInteger(threads) && threads >= 1) return { threads, note: null };
    return { threads: 1, note: `${WASM_THREADS_ENV}="${text}" is not a whole number of threads from 1 to ${MAX_THREADS}: running 1 thread` };
  }
  const usable = Math.min(cores, DEFAULT_MAX_THREADS);
  if (usable === 1) return { threads: 1, note: null };
  const idle = await idleCores();
  const threads = Math.max(1, Math.min(usable, Math.floor(idle + IDLE_SLACK)));
  const note =
    threads < usable
      ? `other work keeps the cores busy (${idle.toFixed(1)} of ${cores} idle): running ${threads} thread(s); set ${WASM_THREADS_ENV} to choose`
      : null;
  return { threads, note };
}

/**
 * Cores idle right now: the idle CPU time of every core over a short window.
 * Not the load average, which still counts a process that ended a minute ago
 * (a benchmark's previous run, say).
 */
async function sampleIdleCores(): Promise<number> {
  const idleMs = () => cpus().reduce((sum, cpu) => sum + cpu.times.idle, 0);
  const before = idleMs();
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
  return (idleMs() - before) / (performance.now() - start);
}

/**
 * Makes the `wasm` backend the threaded build when more than one thread is
 * wanted and that build starts; otherwise tfjs's single-threaded SIMD build
 * stays. Call once, before the backend first initialises. Resolves to why the
 * backend runs on fewer threads than it could (BackendInfo.fallback), or null.
 */
export async function prepareWasmThreads(wasm: WasmPackage): Promise<string | null> {
  const wanted = await wasmThreadsWanted();
  if (wanted.threads === 1) return wanted.note;
  let module: ThreadedModule;
  try {
    module = await startThreadedModule(wanted.threads);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return `the threaded WASM build did not start (${text}): running 1 thread; set ${WASM_THREADS_ENV}=1 to skip trying`;
  }
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () => {
      wasm.setThreadsCount(wanted.threads);
      const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
      keepOnlyPoolThreads(module.PThread);
      return backend;
    },
    WASM_PRIORITY,
  );
  return wanted.note;
}

/** Starts the threaded build's Emscripten module with its 8 pthread workers loaded. */
async function startThreadedModule(threads: number): Promise<ThreadedModule> {
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as ThreadedFactory;
  const mainScript = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  // The package's dist/ holds the same binaries as wasm-out/; only dist/'s ship in the extension.
  const binary = await readFile(path.join(path.dirname(mainScript), '..', 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'));
  const worker = workerScript(wasmWorkerContents, mainScript);

  return new Promise<ThreadedModule>((resolve, reject) => {
    let settled = false;
    let restoreErrorHandlers = (): void => undefined;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error)));
      try {
        config.PThread?.terminateAllThreads();
      } catch {
        // Best effort: a module that failed half-way may lack the state to end its workers.
      }
    };
    const timer = setTimeout(() => fail(new Error(`its workers did not load within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const config: ThreadedConfig = {
      locateFile: (file, prefix) => (file.endsWith('.worker.js') ? worker : prefix + file),
      instantiateWasm: (imports, receive) => {
        // The C side sizes the pool min(asked, 8, logical cores / 2) (halved for
        // hyper-threads), with the core count taken as the module starts.
        const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * Math.min(threads, MAX_THREADS) };
        WebAssembly.instantiate(binary, { ...imports, env }).then(({ instance, module }) => {
          if (settled) return;
          // Loading the workers starts here. Emscripten's handler for a worker
          // error throws (an uncaught exception that ends the process): while
          // starting, a failure falls back instead; once started, its handler returns.
          receive(instance, module);
          const workers = config.PThread!.unusedWorkers;
          const handlers = workers.map((w) => w.onerror);
          for (const w of workers) w.onerror = fail;
          restoreErrorHandlers = () => workers.forEach((w, i) => (w.onerror = handlers[i]!));
        }, fail);
        return {};
      },
      onAbort: (what) => fail(new Error(`aborted: ${String(what)}`)),
    };
    let ready: Promise<ThreadedModule>;
    try {
      ready = factory(config);
    } catch (error) {
      return fail(error);
    }
    // Worker errors are events, so none has fired yet; a worker that fails before
    // Emscripten listens (its script does not load) is caught here.
    for (const w of config.PThread?.unusedWorkers ?? []) w.on('error', fail);
    ready.then((module) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      restoreErrorHandlers();
      resolve(withTfjsBindings(module));
    }, fail);
  });
}

/**
 * Emscripten's pthread worker script, as a data: URL Node's Worker can start.
 * It handles Node itself (worker_threads, importScripts through fs) but expects
 * CommonJS's `require` and `__filename`, and a data: URL runs as an ES module.
 */
function workerScript(contents: string, mainScript: string): URL {
  const script =
    `import { createRequire } from 'node:module';\n` +
    `const require = createRequire(${JSON.stringify(mainScript)});\n` +
    `const __filename = ${JSON.stringify(mainScript)};\n` +
    // The contents come from a template literal, which turned the `\n` inside one
    // of its string literals into a line break (tfjs's loader undoes it the same way).
    contents.replace(/\n/g, '\\n');
  return new URL(`data:text/javascript,${encodeURIComponent(script)}`);
}

/** The C entry points BackendWasm calls, bound as tfjs-backend-wasm's own loader binds them. */
function withTfjsBindings(module: ThreadedModule): ThreadedModule {
  return Object.assign(module, {
    tfjs: {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    },
  });
}

/**
 * Once XNNPACK's pool has taken its threads, the idle pre-started workers end
 * (about 8 MB each) and the pool's workers stop holding the process open.
 */
function keepOnlyPoolThreads(threads: PThreads): void {
  for (const w of threads.unusedWorkers.splice(0)) void w.terminate();
  for (const w of threads.runningWorkers) w.unref();
}
