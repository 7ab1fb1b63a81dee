// One line that says what a run computes on, for logs and terminals: the
// backend, its threads and SIMD, and why it runs on fewer threads when it does.
import type { BackendInfo } from './records';

export function describeBackend(backend: BackendInfo): string {
  const text = `${backend.name}, ${backend.threads} thread(s), SIMD ${backend.simd ? 'on' : 'off'}`;
  return backend.fallback ? `${text} (${backend.fallback})` : text;
}
