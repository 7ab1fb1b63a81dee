// Picks the TensorFlow.js backend the trainer computes on. `auto` takes the
// fastest that loads; an explicit device that cannot load is an error that says
// how to get it, never a silent fallback.

import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's gradients are a side-effect import (the esbuild config bundles it).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Device } from '../core/spec/config';
import type { BackendInfo } from '../core/protocol/records';
import { DEVICE_BACKENDS, type DeviceBackend } from '../core/spec/devices';
import { installWasmKernels } from './backend-wasm-kernels';
import { prepareWasmThreads } from './backend-wasm-threads';

export class BackendUnavailableError extends Error {}

const LOADERS: Record<DeviceBackend['device'], (d: DeviceBackend) => Promise<BackendInfo>> = {
  gpu: loadNative,
  cpu: loadNative,
  wasm: loadWasm,
  js: loadPureJs,
};

/**
 * Loads and activates the backend for `device`. `auto` tries gpu, native cpu,
 * wasm, then pure JS, and returns the first that works.
 */
export async function selectBackend(device: Device): Promise<BackendInfo> {
  if (device !== 'auto') {
    const candidate = DEVICE_BACKENDS.find((c) => c.device === device);
    if (!candidate) throw new BackendUnavailableError(`unknown device "${device}": use auto, gpu, cpu, wasm or js`);
    try {
      return await LOADERS[candidate.device](candidate);
    } catch (error) {
      throw new BackendUnavailableError(
        `device ${device} is not available (${errorText(error)}): ${candidate.install}`,
      );
    }
  }
  const failures: string[] = [];
  for (const candidate of DEVICE_BACKENDS) {
    try {
      return await LOADERS[candidate.device](candidate);
    } catch (error) {
      failures.push(`${candidate.device}: ${errorText(error)}`);
    }
  }
  throw new BackendUnavailableError(`no TensorFlow.js backend loads (${failures.join('; ')}); reinstall with \`npm install\``);
}

async function loadNative({ pkg, backend }: DeviceBackend): Promise<BackendInfo> {
  // A variable specifier keeps bundlers and the type checker from resolving
  // these optional packages at build time; `require` shares the one tfjs-core
  // instance with the rest of the trainer.
  const specifier: string = pkg;
  require(specifier);
  await activate('tensorflow');
  const threads = Number(process.env.TF_NUM_INTRAOP_THREADS) || availableParallelism();
  return { name: backend, threads, simd: true };
}

/** Which WASM build the `wasm` backend is (settled once, before it first initialises), and why not threaded. */
let wasmPrepared: Promise<string | null> | null = null;

async function loadWasm(): Promise<BackendInfo> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  installWasmKernels();
  wasmPrepared ??= prepareWasmThreads(wasm);
  const fallback = await wasmPrepared;
  await activate('wasm');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { name: 'wasm', threads: wasm.getThreadsCount(), simd, ...(fallback ? { fallback } : {}) };
}

async function loadPureJs(): Promise<BackendInfo> {
  require('@tensorflow/tfjs-backend-cpu');
  await activate('cpu');
  return { name: 'cpu', threads: 1, simd: false };
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend "${name}" registered but failed to initialise`);
  await tf.ready();
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
