// The PyTorch peers of the benchmarks (bench/peer/gpt_peer.py): Debian's
// python3-torch 1.13 with OpenBLAS, and the current PyTorch from PyPI in the
// project's .venv (`scripts/setup.sh --bench`), each where it imports torch.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export type PeerName = 'debian' | 'pypi';

export interface Peer {
  name: PeerName;
  python: string;
}

const root = resolve(__dirname, '../..');
const PYTHONS: Record<PeerName, string> = { debian: '/usr/bin/python3', pypi: join(root, '.venv/bin/python') };

/** The peers among `names` whose Python imports torch. */
export function findPeers(names: readonly string[]): Peer[] {
  return names.flatMap((name) => {
    const python = PYTHONS[name as PeerName];
    if (!python || !existsSync(python) || spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return [];
    return [{ name: name as PeerName, python }];
  });
}

/**
 * Thread settings of a peer on `cores` cores (default: all): Debian's torch is
 * fastest with 1 torch thread and OpenBLAS's threads on the cores
 * (tfjs-wasm.md); PyPI's torch runs its own kernels on its own threads.
 */
export function peerThreads(name: PeerName, cores = availableParallelism()): { torch: number; env: NodeJS.ProcessEnv } {
  const torch = name === 'debian' ? 1 : cores;
  return { torch, env: { ...process.env, OMP_NUM_THREADS: String(torch), OPENBLAS_NUM_THREADS: String(cores) } };
}

/** Where to get a peer that is missing. */
export const PEER_HELP = "Debian's peer: apt-get install python3-torch libopenblas0-pthread; PyPI's: scripts/setup.sh --bench";
