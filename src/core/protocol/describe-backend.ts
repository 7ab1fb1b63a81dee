// One line that says what a run computes on, for logs and terminals: the
// backend, its threads and SIMD, and why it runs on fewer threads when it does
// (or, for a veRL run, its GPUs and rollout engine).
import type { BackendInfo } from './records';

export function describeBackend(backend: BackendInfo): string {
  const verl = backend.verl;
  if (verl) return `veRL, ${verl.nodes} node(s) × ${verl.gpus} GPU(s), ${verl.rollout} rollouts, ${verl.ray ? `Ray at ${verl.ray}` : 'a local Ray'}`;
  const text = `${backend.name}, ${backend.threads} thread(s), SIMD ${backend.simd ? 'on' : 'off'}`;
  return backend.fallback ? `${text} (${backend.fallback})` : text;
}
