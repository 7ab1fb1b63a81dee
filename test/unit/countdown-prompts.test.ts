// Prompts: TinyZero's base template character for character, the compact one,
// custom templates; every prompt ends with <think>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPACT_TEMPLATE, formatNumbers, renderPrompt, TINYZERO_TEMPLATE } from '../../src/core/countdown/prompts';

const problem = { numbers: [44, 19, 35], target: 98 };

test('tinyzero is TinyZero base template exactly', () => {
  const expected = `A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.
User: Using the numbers [44, 19, 35], create an equation that equals 98. You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think> tags. And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.
Assistant: Let me solve this step by step.
<think>`;
  assert.equal(renderPrompt({ kind: 'tinyzero', template: TINYZERO_TEMPLATE }, problem), expected);
});

test('compact is short and ends with <think>', () => {
  const text = renderPrompt({ kind: 'compact', template: COMPACT_TEMPLATE }, problem);
  assert.equal(text, '[44, 19, 35] -> 98\n<think>');
});

test('custom templates fill {numbers} and {target} everywhere and always end with <think>', () => {
  assert.equal(renderPrompt({ kind: 'custom', template: '{target} from {numbers} ({target})' }, problem), '98 from [44, 19, 35] (98)\n<think>');
  assert.equal(renderPrompt({ kind: 'custom', template: 'N={numbers}<think>' }, problem), 'N=[44, 19, 35]<think>');
  assert.equal(formatNumbers([7]), '[7]');
});
