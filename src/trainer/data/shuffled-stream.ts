// An endless stream of shuffled passes (epochs) over a list: the problems a
// stage goes through. A pass's order depends only on (seed, epoch), so the
// cursor alone, saved in a checkpoint, resumes at exactly the same place.
import { Rng, mixSeed } from '../rng';

/** A position in the stream: the pass, and the place in that pass's order. */
export interface StreamCursor {
  epoch: number;
  index: number;
}

export class ShuffledStream<T> {
  private order: number[] = [];
  private orderEpoch = -1;

  constructor(
    private readonly items: readonly T[],
    private readonly seed: number,
    public cursor: StreamCursor = { epoch: 0, index: 0 },
  ) {
    if (items.length === 0) throw new Error('a shuffled stream needs at least one item');
  }

  get size(): number {
    return this.items.length;
  }

  /** The next item and the position it was taken from. */
  take(): { item: T; at: StreamCursor } {
    const at = this.cursor;
    if (this.orderEpoch !== at.epoch) {
      this.order = Rng.seeded(mixSeed(this.seed, at.epoch, -1)).shuffled(this.items.map((_, i) => i));
      this.orderEpoch = at.epoch;
    }
    this.cursor = at.index + 1 < this.items.length ? { epoch: at.epoch, index: at.index + 1 } : { epoch: at.epoch + 1, index: 0 };
    return { item: this.items[this.order[at.index]!]!, at };
  }

  next(count: number): T[] {
    return Array.from({ length: count }, () => this.take().item);
  }
}
