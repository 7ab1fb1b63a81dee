import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { splitTraceParts } from '../../webview/trace-parts';

test('a completion that starts inside <think> is reasoning up to </think>', () => {
  assert.deepEqual(splitTraceParts('3 + 4 = 7</think>\n<answer>3 + 4</answer>'), [
    { kind: 'think', text: '3 + 4 = 7</think>' },
    { kind: 'text', text: '\n' },
    { kind: 'answer', text: '<answer>3 + 4</answer>' },
  ]);
});

test('explicit tags, unclosed answers and stray tags', () => {
  assert.deepEqual(splitTraceParts('<think>a</think><answer>b'), [
    { kind: 'think', text: '<think>a</think>' },
    { kind: 'answer', text: '<answer>b' },
  ]);
  assert.deepEqual(splitTraceParts('no tags </answer> here'), [{ kind: 'text', text: 'no tags </answer> here' }]);
  assert.deepEqual(splitTraceParts(''), []);
});

test('the parts always put the completion back together exactly', () => {
  const piece = fc.constantFrom('<think>', '</think>', '<answer>', '</answer>', 'x', ' 1 + 2', '<img src=x>', '\n');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
      const text = pieces.join('');
      const parts = splitTraceParts(text);
      assert.equal(parts.map((p) => p.text).join(''), text);
      assert.ok(parts.every((p) => p.text.length > 0));
    }),
  );
});
