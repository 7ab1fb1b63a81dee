// Compares the configurations of several runs key by key, for the compare table,
// under the names a spec writes them with.
import { specPath } from '../src/core/spec/schema';

/** Flattens nested objects to dotted keys; arrays and scalars become display strings. */
export function flattenConfig(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flattenConfig(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

export interface ConfigRow {
  key: string;
  /** One value per run, undefined where that run lacks the key. */
  values: (string | undefined)[];
  differs: boolean;
}

/** Every key any run has, spelled as in a spec, in first-seen order, marking the keys whose values are not all equal. */
export function compareConfigs(configs: unknown[]): ConfigRow[] {
  const flat = configs.map((c) => new Map([...flattenConfig(c)].map(([key, value]) => [specPath(key), value])));
  const keys = new Set<string>();
  for (const f of flat) for (const key of f.keys()) keys.add(key);
  return [...keys].map((key) => {
    const values = flat.map((f) => f.get(key));
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
}
