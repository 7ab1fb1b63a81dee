// The text before a model's completion. Every prompt ends with `<think>`, so a
// completion starts inside the thinking block and ends
// `</think>\n<answer>EXPR</answer>`.
import type { PromptConfig, PromptKind } from '../spec/config';
import type { Problem } from './problem';

/** TinyZero's "base" template, character for character. */
export const TINYZERO_TEMPLATE =
  'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. ' +
  'The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.\n' +
  'User: Using the numbers {numbers}, create an equation that equals {target}. You can use basic arithmetic ' +
  'operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think> tags. ' +
  'And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.\n' +
  'Assistant: Let me solve this step by step.\n<think>';

/**
 * TinyZero's "qwen-instruct" template, character for character: the same
 * instructions in Qwen's chat markup, for instruction-tuned Qwen models.
 */
export const QWEN_INSTRUCT_TEMPLATE =
  '<|im_start|>system\nYou are a helpful assistant. You first thinks about the reasoning process in the mind ' +
  'and then provides the user with the answer.<|im_end|>\n' +
  '<|im_start|>user\n Using the numbers {numbers}, create an equation that equals {target}. You can use basic ' +
  'arithmetic operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think> tags. ' +
  'And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.<|im_end|>\n' +
  '<|im_start|>assistant\nLet me solve this step by step.\n<think>';

/** A short prompt for small character-level models trained from scratch: context is scarce. */
export const COMPACT_TEMPLATE = '{numbers} -> {target}\n<think>';

const THINK = '<think>';

const BUILT_IN: Record<Exclude<PromptKind, 'custom'>, string> = {
  tinyzero: TINYZERO_TEMPLATE,
  'qwen-instruct': QWEN_INSTRUCT_TEMPLATE,
  compact: COMPACT_TEMPLATE,
};

export function builtInTemplate(kind: Exclude<PromptKind, 'custom'>): string {
  return BUILT_IN[kind];
}

/** `[44, 19, 35]`, as Python prints a list, which TinyZero's template shows. */
export function formatNumbers(numbers: number[]): string {
  return `[${numbers.join(', ')}]`;
}

/**
 * Fills `{numbers}` and `{target}`. Built-in kinds use their built-in text; a
 * custom template that does not end with `<think>` gets `\n<think>` appended.
 */
export function renderPrompt(prompt: PromptConfig, problem: Problem): string {
  let template = prompt.kind === 'custom' ? prompt.template : builtInTemplate(prompt.kind);
  if (!template.endsWith(THINK)) template += `\n${THINK}`;
  return template.replaceAll('{numbers}', formatNumbers(problem.numbers)).replaceAll('{target}', String(problem.target));
}
