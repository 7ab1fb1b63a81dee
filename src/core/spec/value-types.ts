// How the value tokens after a key become a typed value. Each type parses,
// names itself for the documentation, and prints a value back as spec text.
import { OPERATORS } from '../countdown/expression';
import type { IntRange, Operator } from './config';
import type { Range, Token } from './syntax';
import { tokenSpan } from './syntax';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; range?: Range };

export interface EnumValue {
  value: string;
  doc: string;
}

export interface ValueType<T> {
  /** How the documentation names the type: "integer", "integer or range". */
  label: string;
  parse(values: Token[]): Parsed<T>;
  show(value: T): string;
  /** The closed set of words this type accepts, for completion and "did you mean". */
  choices?: readonly EnumValue[];
}

const fail = <T>(message: string, range?: Range): Parsed<T> => (range ? { ok: false, message, range } : { ok: false, message });

function single(values: Token[], label: string): Token | Parsed<never> {
  if (values.length === 0) return fail(`expected ${label}`);
  if (values.length > 1) return fail(`expected one value, found ${values.length}`, tokenSpan(values[1]!, values[values.length - 1]!));
  return values[0]!;
}

const NUMBER_RE = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?%?$/;

/** A plain number token's value, or null when the text is not a number. `10%` is 0.1. */
export function numberValue(token: Token): number | null {
  if (token.kind !== 'number') return null;
  const text = token.text;
  // Plain integers (every number of a problem line) skip the regex.
  let plain = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) {
      plain = -1;
      break;
    }
    plain = plain * 10 + c;
  }
  if (plain >= 0 && text.length <= 15) return plain;
  if (!NUMBER_RE.test(text)) return null;
  const percent = token.text.endsWith('%');
  const v = Number(percent ? token.text.slice(0, -1) : token.text);
  return Number.isFinite(v) ? (percent ? v / 100 : v) : null;
}

function showNumber(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e7)) return v.toExponential().replace('e+', 'e');
  return String(v);
}

export function numberType(integer: boolean, allowPercent = false): ValueType<number> {
  const label = integer ? 'integer' : allowPercent ? 'number or percentage' : 'number';
  return {
    label,
    parse(values) {
      const t = single(values, `a ${label}`);
      if ('ok' in t) return t;
      const v = numberValue(t);
      if (v === null || (!allowPercent && t.text.endsWith('%'))) return fail(`\`${t.text}\` is not a${integer ? 'n' : ''} ${label}`, t.range);
      if (integer && !Number.isInteger(v)) return fail(`\`${t.text}\` is not a whole number`, t.range);
      return { ok: true, value: v };
    },
    show: showNumber,
  };
}

/** `3..9` or a single integer `5` (a range of one). */
export function rangeType(allowSingle: boolean): ValueType<IntRange> {
  const label = allowSingle ? 'integer or range' : 'range';
  return {
    label,
    parse(values) {
      const t = single(values, `a ${label} like 1..99`);
      if ('ok' in t) return t;
      if (t.kind === 'number' && allowSingle) {
        const v = numberValue(t);
        if (v === null || !Number.isInteger(v) || t.text.endsWith('%')) return fail(`\`${t.text}\` is not an integer`, t.range);
        return { ok: true, value: { min: v, max: v } };
      }
      const m = t.kind === 'range' ? /^([0-9]+)\.\.([0-9]+)$/.exec(t.text) : null;
      if (!m) return fail(`\`${t.text}\` is not a ${label}; write it like 1..99`, t.range);
      const min = Number(m[1]);
      const max = Number(m[2]);
      if (min > max) return fail(`the range ${t.text} is empty; write the smaller number first (${max}..${min})`, t.range);
      return { ok: true, value: { min, max } };
    },
    show: (r) => (r.min === r.max ? String(r.min) : `${r.min}..${r.max}`),
  };
}

export function enumType<T extends string>(choices: readonly (EnumValue & { value: T })[]): ValueType<T> {
  const names = choices.map((c) => c.value);
  return {
    label: names.join(' | '),
    choices,
    parse(values) {
      const t = single(values, `one of ${names.join(', ')}`);
      if ('ok' in t) return t;
      const hit = choices.find((c) => c.value === t.text);
      if (!hit) return fail(`unknown value \`${t.text}\`; expected one of ${names.join(', ')}`, t.range);
      return { ok: true, value: hit.value };
    },
    show: (v) => v,
  };
}

export const stringType: ValueType<string> = {
  label: 'string',
  parse(values) {
    const t = single(values, 'a "string"');
    if ('ok' in t) return t;
    if (t.kind === 'string') return { ok: true, value: t.value ?? '' };
    if (t.kind === 'word') return { ok: true, value: t.text };
    return fail(`expected a "string", found \`${t.text}\``, t.range);
  },
  show: (v) => JSON.stringify(v),
};

const TRUE_WORDS = ['true', 'yes', 'on'];
const FALSE_WORDS = ['false', 'no', 'off'];

export const booleanType: ValueType<boolean> = {
  label: 'true | false',
  choices: [
    { value: 'true', doc: 'On.' },
    { value: 'false', doc: 'Off.' },
  ],
  parse(values) {
    const t = single(values, 'true or false');
    if ('ok' in t) return t;
    if (TRUE_WORDS.includes(t.text)) return { ok: true, value: true };
    if (FALSE_WORDS.includes(t.text)) return { ok: true, value: false };
    return fail(`\`${t.text}\` is not true or false`, t.range);
  },
  show: (v) => String(v),
};

/** A number, or `none` for "not set". */
export function optionalNumberType(): ValueType<number | null> {
  const num = numberType(false);
  return {
    label: 'number | none',
    choices: [{ value: 'none', doc: 'Not set.' }],
    parse(values) {
      if (values.length === 1 && (values[0]!.text === 'none' || values[0]!.text === 'off')) return { ok: true, value: null };
      return num.parse(values);
    },
    show: (v) => (v === null ? 'none' : showNumber(v)),
  };
}

/** An integer, or `all` for a value derived from other keys. */
export function countOrAllType(): ValueType<number | 'all'> {
  const int = numberType(true);
  return {
    label: 'integer | all',
    choices: [{ value: 'all', doc: 'The whole batch.' }],
    parse(values) {
      if (values.length === 1 && values[0]!.text === 'all') return { ok: true, value: 'all' };
      return int.parse(values);
    },
    show: (v) => String(v),
  };
}

export const operatorsType: ValueType<Operator[]> = {
  label: 'list of + - * /',
  parse(values) {
    if (values.length === 0) return fail('expected at least one operator of + - * /');
    const out: Operator[] = [];
    for (const t of values) {
      // `+-*/` written without spaces lexes as one symbol per character already.
      if (t.kind !== 'symbol' || !OPERATORS.includes(t.text as Operator)) return fail(`\`${t.text}\` is not an operator; use + - * /`, t.range);
      if (out.includes(t.text as Operator)) return fail(`\`${t.text}\` is listed twice`, t.range);
      out.push(t.text as Operator);
    }
    return { ok: true, value: out };
  },
  show: (v) => v.join(' '),
};

/**
 * One or more strings, each a list item; a `"""` string gives one item per
 * non-empty line. Every item must pass `check` (null when it is fine).
 */
export function stringListType(itemLabel: string, check: (item: string) => string | null): ValueType<string[]> {
  return {
    label: `list of "${itemLabel}"`,
    parse(values) {
      const items: string[] = [];
      for (const t of values) {
        if (t.kind !== 'string') return fail(`expected a "quoted ${itemLabel}", found \`${t.text}\``, t.range);
        for (const line of (t.value ?? '').split('\n')) {
          const item = line.trim();
          if (item === '') continue;
          const problem = check(item);
          if (problem) return fail(`"${item}": ${problem}`, t.range);
          items.push(item);
        }
      }
      return { ok: true, value: items };
    },
    show: (v) => (v.length === 0 ? '""' : v.map((s) => JSON.stringify(s)).join(' ')),
  };
}
