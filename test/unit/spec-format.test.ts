import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeSpec } from '../../src/core/spec/analyze';
import { formatSpec } from '../../src/core/spec/format';
import { BLOCKS, SETTINGS } from '../../src/core/spec/schema';

describe('spec formatter', () => {
  it('indents, aligns values and trailing comments, and keeps comments', () => {
    const text = '# top\n\n\nname "x"   # n\ntask {   # the task\n numbers 3\n\n\n   # c1\n max-tokens 5 # t\n   train   10 # t2\n}\nmodel { preset tiny }\nrl {\n}\n# tail\n';
    assert.equal(
      formatSpec(text),
      '# top\n\nname "x"  # n\ntask {  # the task\n  numbers     3\n\n  # c1\n  max-tokens  5   # t\n  train       10  # t2\n}\nmodel {\n  preset  tiny\n}\nrl { }\n# tail\n',
    );
  });

  it('keeps multi-line strings byte for byte', () => {
    const text = 'task { }\nprompt   """\n  Use {numbers}\n     to make {target}\n"""\n';
    const out = formatSpec(text)!;
    assert.ok(out.includes('"""\n  Use {numbers}\n     to make {target}\n"""'));
    assert.deepEqual(analyzeSpec(out).config.prompt, analyzeSpec(text).config.prompt);
  });

  it('leaves a file with syntax errors alone', () => {
    assert.equal(formatSpec('task {\n  numbers 3\n'), null);
  });

  it('uses the indentation it is given', () => {
    assert.equal(formatSpec('task { seed 3 }', { indent: '\t' }), 'task {\n\tseed  3\n}\n');
  });

  it('leaves the examples as they are (they are canonical)', () => {
    for (const f of readdirSync('examples').filter((f) => f.endsWith('.countdown'))) {
      const text = readFileSync(`examples/${f}`, 'utf8');
      assert.equal(formatSpec(text), text, f);
    }
  });

  it('is idempotent and never changes the meaning (property)', () => {
    const key = fc.constantFrom(...BLOCKS.flatMap((b) => b.keys.map((k) => k.key)), 'bogus');
    const value = fc.constantFrom('3', '1..9', 'grpo', 'true', '+ - *', '"s"', '0.5', '10%', 'none', 'all', '"""\n  x {numbers} {target}\n  """');
    const comment = fc.option(fc.constantFrom('# note', '#', '# a # b'), { nil: undefined });
    const ws = fc.constantFrom('', ' ', '   ', '\t');
    const gap = fc.constantFrom('\n', '\n\n', '\n\n\n', '\n  # c\n');
    const entry = fc.tuple(ws, key, ws, value, comment).map(([a, k, b, v, c]) => `${a}${k} ${b}${v}${c ? ` ${c}` : ''}`);
    const problem = fc.tuple(fc.array(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 200 })).map(([n, t]) => `  ${n.join('  ')} ->${t}`);
    const block = fc.oneof(
      fc.tuple(fc.constantFrom(...BLOCKS.filter((b) => !b.problemLines).map((b) => b.name)), fc.array(fc.tuple(entry, gap), { maxLength: 5 }), comment).map(
        ([name, entries, c]) => `${name} {${c ? ` ${c}` : ''}\n${entries.map(([e, g]) => e + g).join('')}}`,
      ),
      fc.array(problem, { maxLength: 3 }).map((ps) => `problems {\n${ps.join('\n')}\n}`),
      fc.tuple(fc.constantFrom(...SETTINGS.map((s) => s.key)), value).map(([k, v]) => `${k}  ${v}`),
    );
    const file = fc.tuple(fc.array(fc.tuple(block, gap), { maxLength: 6 }), comment).map(([bs, c]) => bs.map(([b, g]) => b + g).join('') + (c ?? ''));
    fc.assert(
      fc.property(file, (text) => {
        const once = formatSpec(text);
        if (once === null) return;
        assert.equal(formatSpec(once), once);
        const before = analyzeSpec(text);
        const after = analyzeSpec(once);
        assert.deepEqual(after.config, before.config);
        // Same findings; only the line numbers quoted in messages may move.
        const findings = (a: typeof before) => a.diagnostics.map((d) => d.message.replace(/line \d+/g, 'line N'));
        assert.deepEqual(findings(after), findings(before));
      }),
      { numRuns: 120 },
    );
  });
});
