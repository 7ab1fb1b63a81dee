// Wall time spent in each of the engine's own WebAssembly kernels (with the
// copies into and out of their memories), so that a benchmark can split a pass
// into tfjs's kernels (tf.profile) and ours. Two clock reads a call: cheap
// beside any kernel call.

const spent = new Map<string, { ms: number; calls: number }>();

/** Runs `work`, adding its wall time to kernel `name`'s account. */
export function timed<T>(name: string, work: () => T): T {
  const start = performance.now();
  try {
    return work();
  } finally {
    const account = spent.get(name) ?? { ms: 0, calls: 0 };
    account.ms += performance.now() - start;
    account.calls += 1;
    spent.set(name, account);
  }
}

/** Milliseconds and calls per kernel since the last reset. */
export function kernelClock(): Map<string, { ms: number; calls: number }> {
  return new Map([...spent].map(([name, account]) => [name, { ...account }]));
}

export function resetKernelClock(): void {
  spent.clear();
}
