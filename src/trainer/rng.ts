// The engine's one source of randomness: a seeded xoroshiro128+ whose state is a
// short array of numbers, so a checkpoint can store it and a resumed run draws
// exactly the numbers the uninterrupted run would have drawn.
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** A 31-bit seed from several integers (a multiply-xorshift mix): independent streams from one seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 1;
}

export class Rng {
  private constructor(private readonly gen: RandomGenerator) {}

  static seeded(seed: number): Rng {
    return new Rng(xoroshiro128plus(seed | 0));
  }

  static fromState(state: readonly number[]): Rng {
    return new Rng(xoroshiro128plus.fromState(state));
  }

  state(): number[] {
    return [...this.gen.getState()];
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.gen);
  }

  /** A fresh 31-bit seed for a component that seeds itself (sampler, data generator). */
  seed(): number {
    return this.int(0, 0x7fffffff);
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
