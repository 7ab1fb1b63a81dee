import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lex } from '../../src/core/spec/lexer';
import { parse } from '../../src/core/spec/parser';
import type { Block, Setting } from '../../src/core/spec/syntax';

describe('spec lexer', () => {
  it('keeps exact ranges and offsets for every token', () => {
    const text = 'rl {\n  max-tokens  1e-4 # c\n  values 1..99 10% "a\\"b"\n}\n';
    const tokens = lex(text);
    for (const t of tokens) assert.equal(text.slice(t.start, t.end), t.text);
    const kinds = tokens.filter((t) => t.kind !== 'newline').map((t) => `${t.kind}:${t.text}`);
    assert.deepEqual(kinds, ['word:rl', 'lbrace:{', 'word:max-tokens', 'number:1e-4', 'comment:# c', 'word:values', 'range:1..99', 'number:10%', 'string:"a\\"b"', 'rbrace:}']);
    const range = tokens.find((t) => t.kind === 'range')!;
    assert.deepEqual(range.range, { start: { line: 2, character: 9 }, end: { line: 2, character: 14 } });
    assert.equal(tokens.find((t) => t.kind === 'string')!.value, 'a"b');
  });

  it('splits operators written together and lexes the problem arrow', () => {
    const kinds = lex('+-*/ 35->98').map((t) => t.text);
    assert.deepEqual(kinds, ['+', '-', '*', '/', '35', '->', '98']);
  });

  it('reads a multi-line string as one token, dedented, and keeps line numbers right after it', () => {
    const text = 'prompt """\n    Use {numbers}\n    to make {target}\n    """\ndevice cpu\n';
    const tokens = lex(text);
    const s = tokens.find((t) => t.kind === 'string')!;
    assert.equal(s.value, 'Use {numbers}\nto make {target}');
    assert.equal(s.range.end.line, 3);
    assert.deepEqual(tokens.find((t) => t.text === 'device')!.range.start, { line: 4, character: 0 });
  });

  it('flags unterminated strings instead of running away', () => {
    const tokens = lex('name "abc\ndevice cpu');
    assert.equal(tokens[1]!.unterminated, true);
    assert.equal(tokens.find((t) => t.text === 'device')!.range.start.line, 1);
  });
});

describe('spec parser', () => {
  it('parses blocks, settings and problem lines', () => {
    const { document, diagnostics } = parse('name "x"\ntask {\n  numbers 3\n}\nproblems {\n  44 19 35 -> 98\n}\n');
    assert.deepEqual(diagnostics, []);
    assert.equal(document.items.length, 3);
    const problems = document.items[2] as Block;
    const line = problems.entries[0]!;
    assert.equal(line.kind, 'problem');
    if (line.kind === 'problem') {
      assert.deepEqual(line.numbers.map((t) => t.text), ['44', '19', '35']);
      assert.equal(line.target!.text, '98');
    }
  });

  it('accepts one-line blocks', () => {
    const { document, diagnostics } = parse('model { preset tiny }\n');
    assert.deepEqual(diagnostics, []);
    const block = document.items[0] as Block;
    assert.equal((block.entries[0] as Setting).values[0]!.text, 'tiny');
    assert.ok(block.close);
  });

  it('recovers from a missing } and still sees the following blocks', () => {
    const { document, diagnostics } = parse('task {\n  numbers 3\nrl {\n  group 8\n}\n');
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /block `task` is never closed/);
    assert.deepEqual(diagnostics[0]!.range.start, { line: 0, character: 5 });
    assert.deepEqual(document.items.map((i) => (i.kind === 'block' ? i.name.text : i.key.text)), ['task', 'rl']);
  });

  it('reports a stray }, an unexpected character, and a problem line outside problems, and goes on', () => {
    const { document, diagnostics } = parse('}\ntask { numbers 3 }\nname @x\n1 2 -> 3\ndevice cpu\n');
    assert.deepEqual(diagnostics.map((d) => d.range.start.line), [0, 2, 3]);
    assert.ok(document.items.some((i) => i.kind === 'setting' && i.key.text === 'device'));
  });

  it('reports a block that is never closed at the end of the file', () => {
    const { diagnostics } = parse('task {\n  numbers 3\n');
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /add `}`/);
  });

  it('never throws, and every range lies inside the text (fuzz)', () => {
    const alphabet = fc.constantFrom('task', 'rl', '{', '}', ' ', '\n', '#', '"', '"""', '1..9', '3', '->', '-', '+', 'é', '\u{1F600}', 'max-tokens', '%', '.', '\r\n', '\t');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(alphabet, { maxLength: 80 }).map((a) => a.join(''))), (text) => {
        const { document } = parse(text);
        const lines = text.split(/\r\n|\r|\n/).length;
        for (const t of document.tokens) {
          assert.equal(text.slice(t.start, t.end), t.text);
          assert.ok(t.range.end.line < lines);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('recovery from an unclosed """ string', () => {
  it('ends the string before the next block header, so later blocks are still read', () => {
    const { document, diagnostics } = parse('prompt """\n  {numbers} {target}\n\nrl {\n  group 8\n}\n');
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]!.message, /never closed; add `"""`/);
    assert.deepEqual(document.items.map((i) => (i.kind === 'block' ? i.name.text : i.key.text)), ['prompt', 'rl']);
    assert.equal((document.items[1] as Block).name.range.start.line, 3);
  });
});
