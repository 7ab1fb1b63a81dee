// One row of a veRL data file in TinyZero's exact schema
// (examples/data_preprocess/countdown.py): the prompt as a one-message chat,
// the problem as the reward's ground truth, the split and index as extra info.
import type { Problem } from '../countdown/problem';
import { renderPrompt } from '../countdown/prompts';
import type { PromptConfig } from '../spec/config';
import { DATA_SOURCE } from './job';

export interface CountdownRow {
  data_source: string;
  prompt: { role: 'user'; content: string }[];
  ability: string;
  reward_model: { style: 'rule'; ground_truth: { target: number; numbers: number[] } };
  extra_info: { split: 'train' | 'test'; index: number };
}

export function countdownRow(problem: Problem, prompt: PromptConfig, split: 'train' | 'test', index: number): CountdownRow {
  return {
    data_source: DATA_SOURCE,
    prompt: [{ role: 'user', content: renderPrompt(prompt, problem) }],
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: { target: problem.target, numbers: [...problem.numbers] } },
    extra_info: { split, index },
  };
}
