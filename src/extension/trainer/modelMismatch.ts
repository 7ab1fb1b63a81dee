// Whether weights saved for one model fit another: the shape fields of the
// model block must agree (the preset name alone may differ, `custom` vs `nano`).
import type { ModelConfig } from '../../core/spec/config';

const SHAPE: readonly (keyof ModelConfig)[] = ['layers', 'width', 'heads', 'context', 'positions', 'valueHead', 'tiedHead'];

/** `width 64, not 32; …`: how the spec's model differs from the checkpoint's, or null when the weights fit. */
export function modelMismatch(spec: ModelConfig, checkpoint: ModelConfig): string | null {
  // A head is tied unless the config says otherwise.
  const value = (m: ModelConfig, key: keyof ModelConfig) => (key === 'tiedHead' ? (m.tiedHead ?? true) : m[key]);
  const differ = SHAPE.filter((key) => value(spec, key) !== value(checkpoint, key)).map((key) => `${key} ${String(value(spec, key))}, not ${String(value(checkpoint, key))}`);
  return differ.length > 0 ? differ.join('; ') : null;
}
