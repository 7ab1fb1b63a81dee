// Learning-rate schedule: linear warmup to the peak, then cosine decay to a floor.

export interface ScheduleOptions {
  peak: number;
  warmup: number;
  total: number;
  /** Final learning rate as a share of the peak. */
  floor: number;
}

/** Learning rate for 0-based `step`. */
export function learningRate(step: number, { peak, warmup, total, floor }: ScheduleOptions): number {
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / span));
  const minimum = peak * floor;
  return minimum + 0.5 * (peak - minimum) * (1 + Math.cos(Math.PI * progress));
}
