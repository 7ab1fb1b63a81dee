// The character tokenizer: exact round trip, one token per special literal,
// clear errors for what it cannot encode or decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Tokenizer, TokenizerError } from '../../src/trainer/model/tokenizer';

const tokenizer = new Tokenizer();
const printable = fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c));
const piece = fc.oneof(printable, fc.constant('\n'), fc.constantFrom('<think>', '</think>', '<answer>', '</answer>', '<', '</', '<answer'));
const text = fc.array(piece, { maxLength: 60 }).map((parts) => parts.join(''));

test('decode(encode(text)) is text for any printable text with special literals', () => {
  fc.assert(
    fc.property(text, (t) => {
      assert.equal(tokenizer.decode(tokenizer.encode(t)), t);
    }),
  );
});

test('every id decodes and re-encodes to itself (pad and end have no text)', () => {
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const decoded = tokenizer.decode([id]);
    if (id === tokenizer.pad || id === tokenizer.end) assert.equal(decoded, '');
    else assert.deepEqual(tokenizer.encode(decoded), [id]);
  }
});

test('special literals are single tokens with distinct ids', () => {
  const ids = tokenizer.encode('<think>1+2=3</think><answer>1+2</answer>');
  assert.equal(ids[0], tokenizer.thinkOpen);
  assert.equal(ids.length, 1 + 5 + 1 + 1 + 3 + 1);
  assert.equal(ids.at(-1), tokenizer.answerClose);
  const specials = [tokenizer.pad, tokenizer.end, tokenizer.thinkOpen, tokenizer.thinkClose, tokenizer.answerOpen, tokenizer.answerClose];
  assert.equal(new Set(specials).size, specials.length);
  assert.equal(tokenizer.vocabSize, 6 + 96);
});

test('a character outside the alphabet is an error naming it and its position', () => {
  assert.throws(() => tokenizer.encode('12 + 3 × 4'), (e: unknown) => {
    assert.ok(e instanceof TokenizerError);
    assert.match(e.message, /"×" \(U\+00D7\) at position 7/);
    return true;
  });
  assert.throws(() => tokenizer.encode('a\tb'), /U\+0009\) at position 1/);
  assert.throws(() => tokenizer.decode([tokenizer.vocabSize]), /cannot decode token id/);
});
