import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderSpecDoc } from '../../src/core/spec/docs';
import { BLOCKS, SETTINGS } from '../../src/core/spec/schema';

it('docs/countdown-spec.md is generated from the current schema (run `npm run docs:spec` if this fails)', () => {
  assert.equal(readFileSync('docs/countdown-spec.md', 'utf8'), renderSpecDoc());
});

it('documents every block and key', () => {
  const doc = renderSpecDoc();
  for (const s of SETTINGS) assert.ok(doc.includes(`| \`${s.key}\` |`), s.key);
  for (const b of BLOCKS) {
    assert.ok(doc.includes(`## \`${b.name} { }\``), b.name);
    for (const k of b.keys) assert.ok(doc.includes(`| \`${k.key}\` |`), `${b.name}.${k.key}`);
  }
});
