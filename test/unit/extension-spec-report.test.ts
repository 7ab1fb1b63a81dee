// What the Check and Solve lenses report, and the starter spec New Countdown
// Experiment writes (it must resolve without a single diagnostic).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeSpec } from '../../src/core/spec/analyze';
import { scoreAnswer } from '../../src/core/countdown/verifier';
import { checkReport, solutionsReport } from '../../src/extension/spec/specReport';
import { starterSpec } from '../../src/extension/starterSpec';
import { sentence } from '../../src/extension/views/wording';

describe('starter spec', () => {
  it('resolves cleanly to a nano model with the given name', () => {
    const analysis = analyzeSpec(starterSpec('my "odd" name'));
    assert.deepEqual(analysis.diagnostics.map((d) => d.message), []);
    assert.equal(analysis.config.name, 'my odd name');
    assert.equal(analysis.config.model.preset, 'nano');
  });
});

describe('checkReport', () => {
  it('summarises a valid spec and counts the errors of a broken one with the first message', () => {
    const ok = checkReport('ex.countdown', readFileSync('examples/countdown-3.countdown', 'utf8'));
    assert.equal(ok.errors, 0);
    assert.match(ok.summary, /^ex\.countdown: ready to train\. 20000 train \/ 500 test problems with 3 numbers; model tiny/);
    const bad = checkReport('bad.countdown', 'task {\n  numbers 3\n  valeus 1..9\n}\n');
    assert.equal(bad.errors, 1);
    assert.match(bad.summary, /^bad\.countdown: 1 error, 0 warnings\. First, line 3: unknown key `valeus`.*did you mean `values`/);
  });
});

describe('solutionsReport', () => {
  it('gives a solution the verifier accepts for each solvable line and says which cannot be solved', () => {
    const text = solutionsReport('s.countdown', 'task { }\nproblems {\n  44 19 35 -> 98\n  1 1 -> 99\n}\n');
    const solved = /^44 19 35 -> 98 +=\s*(\S+) +\(line 3\)$/m.exec(text);
    assert.ok(solved, text);
    assert.equal(scoreAnswer(`<answer>${solved[1]}</answer>`, { numbers: [44, 19, 35], target: 98 }).verdict, 'correct');
    assert.match(text, /^1 1 -> 99 +cannot be solved +\(line 4\)$/m);
  });
});

describe('notification text', () => {
  it('writes an alert\'s evidence and advice as two sentences', () => {
    assert.equal(`${sentence('4% of completions write more than one <answer> block')} ${sentence('the model may be guessing')}`, '4% of completions write more than one <answer> block. The model may be guessing.');
    assert.equal(sentence('done.'), 'Done.');
    assert.equal(sentence(' '), '');
  });
});
