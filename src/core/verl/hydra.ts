// Hydra command-line overrides (`key=value`), the way veRL is configured:
// their values, how they are written so that Hydra reads them back exactly,
// and the check a hand-written override must pass.
// Grammar: https://hydra.cc/docs/advanced/override_grammar/basic

/** A path relative to the exported job folder, made absolute (or `$HERE/...` in run.sh) when written. */
export interface JobPath {
  path: string;
}

export type HydraValue = string | number | boolean | null | JobPath | HydraValue[];

export interface Override {
  /** Dotted config key, e.g. `actor_rollout_ref.rollout.n`. */
  key: string;
  value: HydraValue;
  /** The key is not in veRL's config and is added (`+key=value`), as `reward_kwargs` and Ray's env vars are. */
  add?: boolean;
}

/** Characters Hydra reads as a plain unquoted string without surprises. */
const PLAIN = /^[A-Za-z0-9_\-./:@]+$/;
/** Unquoted words Hydra would read as something other than a string. */
const RESERVED = /^(true|false|null|inf|-inf|nan|[+-]?[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?)$/i;

export function isJobPath(value: HydraValue): value is JobPath {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A string as a Hydra quoted string. Inside quotes Hydra treats a backslash as
 * an escape only before a quote or before the closing quote, so those
 * backslashes are doubled and the quote character is escaped; `${` would be an
 * OmegaConf interpolation, so it is escaped as `\${`.
 */
export function quoteHydra(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      let j = i;
      while (j < text.length && text[j] === '\\') j++;
      const run = text.slice(i, j);
      // A run of backslashes before a quote or the end would escape it: double the run.
      out += j === text.length || text[j] === quote ? run + run : run;
      i = j - 1;
    } else if (c === '$' && text[i + 1] === '{') {
      out += '\\$';
    } else {
      out += c === quote ? `\\${c}` : c;
    }
  }
  return `${quote}${out}${quote}`;
}

function hydraNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`a Hydra override cannot hold ${n}`);
  return String(n);
}

/** A value in Hydra's syntax; `root` is the absolute job folder that job paths are relative to. */
export function hydraValue(value: HydraValue, root: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return hydraNumber(value);
  if (Array.isArray(value)) return `[${value.map((v) => hydraValue(v, root)).join(',')}]`;
  if (isJobPath(value)) return quoteHydra(`${root}/${value.path}`);
  return PLAIN.test(value) && !RESERVED.test(value) ? value : quoteHydra(value);
}

/** One command-line argument for `python -m verl.trainer.main_ppo`. */
export function hydraArg(override: Override, root: string): string {
  return `${override.add ? '+' : ''}${override.key}=${hydraValue(override.value, root)}`;
}

const OVERRIDE = /^(\+\+|\+|~)?[A-Za-z_][A-Za-z0-9_.@/-]*(=.*)?$/s;

/** Why a hand-written override is not one, or null when it looks like `key=value`, `+key=value`, `++key=value` or `~key`. */
export function overrideProblem(text: string): string | null {
  if (!OVERRIDE.test(text)) return 'a Hydra override is `key=value` (or `+key=value` to add a key), like "critic.model.enable_gradient_checkpointing=True"';
  if (!text.startsWith('~') && !text.includes('=')) return 'a Hydra override needs `=value` after the key';
  return null;
}
