// The validator and resolver: a parse tree in, diagnostics and the fully
// defaulted configuration out. Everything it knows about keys comes from the
// schema; the rules that relate keys to each other live in rules.ts.
import type { FixedProblem, ResolvedConfig } from './config';
import type { SpecDiagnostic, SpecFix } from './diagnostic';
import { parse } from './parser';
import { checkRules } from './rules';
import type { BlockSpec, KeySpec } from './schema';
import { BLOCKS, SETTINGS, findBlock, findKey, findSetting } from './schema';
import { closest } from './suggest';

/** Keys that left their block, with where they went: an old spec gets told, not just "unknown". */
const MOVED_KEYS: Record<string, string> = {
  'eval.every': 'write `eval-every N` in `rl { }` (and in `pretrain { }` for pretraining): each stage says when it evaluates, the `eval` block says how',
};
import type { Block, ProblemLine, Range, Setting, SpecDocument, Token } from './syntax';
import { numberValue } from './value-types';

export interface LocatedProblem {
  problem: FixedProblem;
  line: ProblemLine;
}

export interface SpecAnalysis {
  document: SpecDocument;
  diagnostics: SpecDiagnostic[];
  /** Best-effort config: written values where they are valid, defaults elsewhere. */
  config: ResolvedConfig;
  /** Where each written key is, by `block.key` (`.name` for top-level settings). */
  written: Map<string, Setting>;
  /** Written keys whose value was rejected, by `block.key`. */
  invalid: Set<string>;
  /** Where each block is, by name. */
  blocks: Map<string, Block>;
  problems: LocatedProblem[];
  hasErrors: boolean;
}

const BLOCK_NAMES = BLOCKS.map((b) => b.name);
const SETTING_NAMES = SETTINGS.map((s) => s.key);

/**
 * What a "remove" fix deletes: the whole lines of a node that has its lines to
 * itself (a trailing comment goes with it), else just the node, so the fix
 * never takes a `{` or `}` of a neighbour along.
 */
function removalRange(text: string, range: Range): Range {
  const lines = text.split(/\r\n|\r|\n/, range.end.line + 1);
  const before = lines[range.start.line]!.slice(0, range.start.character);
  const after = lines[range.end.line]!.slice(range.end.character);
  if (before.trim() === '' && (after.trim() === '' || after.trimStart().startsWith('#'))) {
    return { start: { line: range.start.line, character: 0 }, end: { line: range.end.line + 1, character: 0 } };
  }
  return range;
}

function replaceFix(token: Token, replacement: string): SpecFix {
  return { title: `Change to \`${replacement}\``, edits: [{ range: token.range, newText: replacement }], preferred: true };
}

export function analyzeSpec(text: string): SpecAnalysis {
  const { document, diagnostics } = parse(text);
  const written = new Map<string, Setting>();
  const blocks = new Map<string, Block>();
  const values = new Map<string, unknown>();
  const invalid = new Set<string>();
  const problems: LocatedProblem[] = [];

  const report = (range: Range, severity: SpecDiagnostic['severity'], code: SpecDiagnostic['code'], message: string, fixes?: SpecFix[]): void => {
    diagnostics.push(fixes ? { range, severity, code, message, fixes } : { range, severity, code, message });
  };

  const readValue = (spec: KeySpec, setting: Setting, path: string): void => {
    const previous = written.get(path);
    if (previous) {
      report(setting.key.range, 'error', 'duplicate', `\`${setting.key.text}\` is already set on line ${previous.key.range.start.line + 1}; remove one of them`, [
        { title: `Remove the duplicate \`${setting.key.text}\``, edits: [{ range: removalRange(text, setting.range), newText: '' }], preferred: true },
      ]);
      return;
    }
    written.set(path, setting);
    const parsed = spec.type.parse(setting.values);
    if (!parsed.ok) {
      invalid.add(path);
      const range = parsed.range ?? (setting.values.length ? setting.range : setting.key.range);
      const only = setting.values.length === 1 ? setting.values[0]! : undefined;
      const choices = spec.type.choices?.map((c) => c.value);
      const guess = only && only.kind === 'word' && choices ? closest(only.text, choices) : undefined;
      if (guess && only) {
        report(range, 'error', 'unknown-value', `${parsed.message}; did you mean \`${guess}\`?`, [replaceFix(only, guess)]);
      } else {
        report(range, 'error', 'type', `\`${setting.key.text}\`: ${parsed.message}`);
      }
      return;
    }
    const outside = outOfBounds(spec, parsed.value);
    if (outside) {
      invalid.add(path);
      report(setting.values.length ? { start: setting.values[0]!.range.start, end: setting.range.end } : setting.key.range, 'error', 'range', `\`${setting.key.text}\` ${outside}`);
      return;
    }
    values.set(path, parsed.value);
  };

  /** Values written on a line of their own in a settings block: most likely a key was deleted. */
  const reportBareValue = (spec: BlockSpec, node: Block, line: ProblemLine): void => {
    const present = new Set(node.entries.flatMap((e) => (e.kind === 'setting' ? [e.key.text] : [])));
    const text = line.numbers.map((t) => t.text).join(' ');
    const candidates = missingKeysFor(spec, present, line.numbers);
    if (candidates.length === 0) {
      report(line.range, 'error', 'syntax', `\`${text}\` is a value without a key; a setting is a key and its value${spec.keys[0] ? `, like \`${spec.keys[0].key} ${spec.keys[0].type.show(spec.keys[0].default)}\`` : ''}`);
      return;
    }
    const others = candidates.slice(1, 3).map((k) => `\`${k.key}\``);
    report(
      line.range,
      'error',
      'syntax',
      `\`${text}\` is a value without a key; did you mean \`${candidates[0]!.key} ${text}\`${others.length ? ` (or ${others.join(', ')})` : ''}?`,
      candidates.slice(0, 3).map((k, i) => ({ title: `Add the key \`${k.key}\``, edits: [{ range: { start: line.range.start, end: line.range.start }, newText: `${k.key} ` }], preferred: i === 0 })),
    );
  };

  const readBlock = (spec: BlockSpec, node: Block): void => {
    for (const entry of node.entries) {
      if (entry.kind === 'block') continue; // reported by the parser
      if (entry.kind === 'problem') {
        if (spec.problemLines) readProblem(entry);
        else if (entry.arrow === null) reportBareValue(spec, node, entry);
        else report(entry.range, 'error', 'syntax', `a problem line belongs inside \`problems { }\`, not \`${spec.name} { }\``);
        continue;
      }
      if (spec.problemLines) {
        report(entry.range, 'error', 'syntax', 'a problem line is numbers, `->` and a target, like `44 19 35 -> 98`');
        continue;
      }
      const keySpec = findKey(spec, entry.key.text);
      if (keySpec) {
        readValue(keySpec, entry, `${spec.name}.${keySpec.key}`);
        continue;
      }
      const moved = MOVED_KEYS[`${spec.name}.${entry.key.text}`];
      if (moved) {
        report(entry.key.range, 'error', 'unknown-key', `\`${entry.key.text}\` moved out of \`${spec.name} { }\`: ${moved}`, []);
        continue;
      }
      const home = BLOCKS.find((b) => b !== spec && findKey(b, entry.key.text));
      const guess = closest(entry.key.text, spec.keys.map((k) => k.key));
      const elsewhere = BLOCKS.filter((b) => b !== spec).flatMap((b) => b.keys.map((k) => ({ block: b.name, key: k.key })));
      const farGuess = home || guess ? undefined : closest(entry.key.text, elsewhere.map((e) => e.key));
      let message = `unknown key \`${entry.key.text}\` in \`${spec.name}\``;
      const fixes: SpecFix[] = [];
      if (guess) {
        message += `; did you mean \`${guess}\`?`;
        fixes.push(replaceFix(entry.key, guess));
      } else if (home) {
        message += `; \`${entry.key.text}\` belongs in \`${home.name} { }\``;
      } else if (farGuess) {
        message += `; did you mean \`${farGuess}\` in \`${elsewhere.find((e) => e.key === farGuess)!.block} { }\`?`;
      } else {
        message += `; keys here: ${spec.keys.map((k) => k.key).join(', ')}`;
      }
      report(entry.key.range, 'error', 'unknown-key', message, fixes);
    }
  };

  const readProblem = (line: ProblemLine): void => {
    // Sized up front: a problems block holds thousands of these.
    const numbers = new Array<number>(line.numbers.length);
    for (let k = 0; k < numbers.length; k++) {
      const t = line.numbers[k]!;
      const v = numberValue(t);
      if (v === null || !Number.isSafeInteger(v) || isPercent(t)) {
        const why = v !== null && Number.isInteger(v) ? 'is too large' : 'is not a whole number';
        report(t.range, 'error', 'syntax', `\`${t.text}\` ${why}; a problem line is like \`44 19 35 -> 98\``);
        return;
      }
      numbers[k] = v;
    }
    if (!line.arrow) {
      report(line.range, 'error', 'syntax', 'a problem line needs `->` and a target, like `44 19 35 -> 98`');
      return;
    }
    if (numbers.length === 0) {
      report(line.range, 'error', 'syntax', 'a problem line starts with its numbers, like `44 19 35 -> 98`');
      return;
    }
    const target = line.target ? numberValue(line.target) : null;
    if (!line.target || target === null || !Number.isSafeInteger(target) || isPercent(line.target)) {
      report(line.target?.range ?? line.arrow.range, 'error', 'syntax', 'expected a whole-number target after `->`');
      return;
    }
    if (line.extra.length) {
      report({ start: line.extra[0]!.range.start, end: line.range.end }, 'error', 'syntax', 'a problem line ends with its target; remove what follows it');
      return;
    }
    problems.push({ problem: { numbers, target }, line });
  };

  for (const item of document.items) {
    if (item.kind === 'setting') {
      const spec = findSetting(item.key.text);
      if (spec) {
        readValue(spec, item, `.${spec.key}`);
      } else if (findBlock(item.key.text)) {
        report(item.key.range, 'error', 'syntax', `\`${item.key.text}\` is a block; write \`${item.key.text} { ... }\``, [
          { title: `Make \`${item.key.text}\` a block`, edits: [{ range: item.range, newText: `${item.key.text} {\n}` }], preferred: true },
        ]);
      } else {
        const guess = closest(item.key.text, [...BLOCK_NAMES, ...SETTING_NAMES]);
        report(item.key.range, 'error', 'unknown-key', `unknown setting \`${item.key.text}\`${guess ? `; did you mean \`${guess}\`?` : `; settings are ${SETTING_NAMES.join(', ')} and blocks are ${BLOCK_NAMES.join(', ')}`}`, guess ? [replaceFix(item.key, guess)] : []);
      }
      continue;
    }
    if (item.name.text === '') continue; // a bare `{`, reported by the parser
    const spec = findBlock(item.name.text);
    if (!spec) {
      const setting = findSetting(item.name.text);
      if (setting) {
        report(item.name.range, 'error', 'syntax', `\`${item.name.text}\` is a setting, not a block; write \`${item.name.text} ${setting.type.show(setting.default)}\``);
        continue;
      }
      const guess = closest(item.name.text, BLOCK_NAMES);
      report(item.name.range, 'error', 'unknown-block', `unknown block \`${item.name.text}\`${guess ? `; did you mean \`${guess}\`?` : `; blocks are ${BLOCK_NAMES.join(', ')}`}`, guess ? [replaceFix(item.name, guess)] : []);
      continue;
    }
    const previous = blocks.get(spec.name);
    if (previous) {
      report(item.name.range, 'error', 'duplicate', `block \`${spec.name}\` already appears on line ${previous.name.range.start.line + 1}; merge the two`, [
        { title: `Remove this duplicate \`${spec.name}\` block`, edits: [{ range: removalRange(text, item.range), newText: '' }] },
      ]);
      continue;
    }
    blocks.set(spec.name, item);
    readBlock(spec, item);
  }

  for (const spec of BLOCKS) {
    if (spec.required && !blocks.has(spec.name)) {
      const insert = `${spec.name} {\n${spec.example.map((l) => `  ${l}`).join('\n')}\n}\n`;
      const at = { line: 0, character: 0 };
      report({ start: at, end: at }, 'error', 'missing-block', `the \`${spec.name}\` block is missing; every spec needs one (\`${spec.name} { }\` takes the defaults)`, [
        { title: `Add a \`${spec.name}\` block`, edits: [{ range: { start: at, end: at }, newText: text.length ? `${insert}\n` : insert }], preferred: true },
      ]);
    }
  }

  const config = buildConfig(values, problems.map((p) => p.problem));
  const analysis: SpecAnalysis = { document, diagnostics, config, written, invalid, blocks, problems, hasErrors: false };
  checkRules(analysis);
  analysis.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  analysis.hasErrors = analysis.diagnostics.some((d) => d.severity === 'error');
  return analysis;
}

/** `10%` is a number token too; checked without slicing the token's text. */
function isPercent(token: Token): boolean {
  return token.endsWith('%');
}

/**
 * Keys of the block not written in it whose type takes these values within
 * bounds, nearest default first (in orders of magnitude): `2e-3` in pretrain
 * is `lr` before `weight-decay`.
 */
function missingKeysFor(spec: BlockSpec, present: ReadonlySet<string>, values: Token[]): KeySpec[] {
  const distance = (key: KeySpec, value: unknown): number =>
    typeof value === 'number' && typeof key.default === 'number' && value > 0 && key.default > 0 ? Math.abs(Math.log10(value / key.default)) : Infinity;
  return spec.keys
    .filter((key) => !present.has(key.key))
    .flatMap((key) => {
      const parsed = key.type.parse(values);
      return parsed.ok && outOfBounds(key, parsed.value) === null ? [{ key, d: distance(key, parsed.value) }] : [];
    })
    .sort((a, b) => a.d - b.d)
    .map((c) => c.key);
}

function outOfBounds(spec: KeySpec, value: unknown): string | null {
  const { min, max } = spec;
  const check = (v: number): string | null => {
    if (min !== undefined && v < min) return `must be at least ${min} (found ${v})`;
    if (max !== undefined && v > max) return `must be at most ${max} (found ${v})`;
    return null;
  };
  if (typeof value === 'number') return check(value);
  if (value && typeof value === 'object' && 'min' in value && 'max' in value) {
    return check((value as { min: number }).min) ?? check((value as { max: number }).max);
  }
  return null;
}

/** Defaults, then written values, then the values derived from other keys. */
function buildConfig(values: Map<string, unknown>, problems: FixedProblem[]): ResolvedConfig {
  const config: Record<string, unknown> = {};
  const derived: [Record<string, unknown>, string, KeySpec, unknown][] = [];
  const fill = (target: Record<string, unknown>, field: string, spec: KeySpec, path: string): void => {
    const value = values.has(path) ? values.get(path) : structuredClone(spec.default);
    if (spec.finish) derived.push([target, field, spec, value]);
    target[field] = value;
  };
  for (const spec of SETTINGS) fill(config, spec.key, spec, `.${spec.key}`);
  for (const block of BLOCKS) {
    if (block.problemLines) continue;
    const part: Record<string, unknown> = {};
    block.keys.forEach((spec, i) => fill(part, block.fields[i]!, spec, `${block.name}.${spec.key}`));
    config[block.name] = part;
  }
  config.problems = problems;
  const resolved = config as unknown as ResolvedConfig;
  for (const [target, field, spec, value] of derived) target[field] = spec.finish!(value, resolved);
  return resolved;
}
