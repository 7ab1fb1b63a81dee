// The TextMate grammar: the syntax tests in test/grammar/ run through the real
// vscode-tmgrammar-test, and the grammar's word lists must match the schema.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { BLOCKS, SETTINGS } from '../../src/core/spec/schema';

const GRAMMAR = 'syntaxes/countdown.tmLanguage.json';

it('passes the grammar syntax tests in test/grammar/', () => {
  const run = spawnSync(process.execPath, ['node_modules/vscode-tmgrammar-test/dist/unit.js', '-g', GRAMMAR, 'test/grammar/*.countdown'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /blocks\.countdown run successfuly/);
});

it('knows every block, setting and enumerated value of the schema', () => {
  const source = readFileSync(GRAMMAR, 'utf8');
  const grammar = JSON.parse(source) as { repository: Record<string, { begin?: string; match?: string; patterns?: { match?: string; name?: string }[] }> };
  const blockWords = /\(\?:\(([^)]*)\)/.exec(grammar.repository.block!.begin!)![1]!.split('|');
  assert.deepEqual(blockWords.sort(), BLOCKS.map((b) => b.name).sort());
  const settingWords = /\(([^)]*)\)\(\?!/.exec(grammar.repository.setting!.match!)![1]!.split('|');
  assert.deepEqual(settingWords.sort(), SETTINGS.map((s) => s.key).sort());
  const constants = grammar.repository.values!.patterns!.find((p) => p.name === 'constant.language.countdown')!.match!;
  const words = new Set(/\(\?:([^)]*)\)/.exec(constants.replace('(?<![A-Za-z0-9_-])', ''))![1]!.split('|'));
  for (const k of [...SETTINGS, ...BLOCKS.flatMap((b) => b.keys)]) {
    for (const c of k.type.choices ?? []) assert.ok(words.has(c.value), `${k.key} ${c.value}`);
  }
});
