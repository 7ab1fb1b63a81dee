// Rules that relate keys to each other and to the Countdown task itself. Each
// diagnostic points at the key that was written (or at its block, or the top
// of the file when everything is defaulted).
import { renderPrompt } from '../countdown/prompts';
import { MAX_NUMBERS } from '../countdown/problem';
import type { SpecAnalysis } from './analyze';
import type { SpecDiagnostic } from './diagnostic';
import { checkEngineRules } from './engine-rules';
import { problemSpace } from './problem-space';
import { GROUP_ALGORITHMS } from './schema';
import { solveProblem } from './solve-cache';
import type { Range } from './syntax';

export function checkRules(analysis: SpecAnalysis): void {
  const { config, written, blocks, diagnostics } = analysis;
  const top: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  /** The first written of the given keys (`block.key`), else the first of their blocks, else the top of the file. */
  const at = (...paths: string[]): Range => {
    for (const p of paths) {
      const s = written.get(p);
      if (s) return s.range;
    }
    for (const p of paths) {
      const b = blocks.get(p.split('.')[0]!);
      if (b) return b.name.range;
    }
    return top;
  };
  const isWritten = (...paths: string[]): boolean => paths.some((p) => written.has(p));
  const report = (range: Range, severity: SpecDiagnostic['severity'], code: SpecDiagnostic['code'], message: string): void => {
    diagnostics.push({ range, severity, code, message });
  };
  // A rule about a key whose value was rejected would only repeat that error.
  const sound = (...paths: string[]): boolean => paths.every((p) => !analysis.invalid.has(p));

  const { rl, model, pretrain, task, reward } = config;
  // The model and pretraining keys shape the local engine's own transformer; veRL refuses them (engine-rules.ts).
  const local = config.engine.kind === 'local';

  if (GROUP_ALGORITHMS.includes(rl.algorithm) && rl.groupSize < 2 && sound('rl.group', 'rl.algorithm')) {
    report(at('rl.group', 'rl.algorithm'), 'error', 'rule', `\`${rl.algorithm}\` compares the samples of one prompt, so \`group\` must be at least 2 (it is ${rl.groupSize})`);
  }
  if (rl.dynamicSampling && rl.groupSize < 2 && sound('rl.group', 'rl.dynamic-sampling')) {
    report(at('rl.dynamic-sampling', 'rl.group'), 'error', 'rule', `\`dynamic-sampling\` keeps prompts whose samples differ in correctness, so \`group\` must be at least 2 (it is ${rl.groupSize})`);
  }
  if (!rl.dynamicSampling && isWritten('rl.max-draw')) {
    report(at('rl.max-draw'), 'warning', 'rule', '`max-draw` caps the draws of `dynamic-sampling`, which is off: add `dynamic-sampling true` or remove `max-draw`');
  }
  if (local && model.width % model.heads !== 0 && sound('model.width', 'model.heads', 'model.preset')) {
    report(at('model.width', 'model.heads', 'model.preset'), 'error', 'rule', `\`width\` ${model.width} must be a multiple of \`heads\` ${model.heads}`);
  }
  if (local && rl.algorithm === 'ppo' && !model.valueHead && sound('model.value-head')) {
    report(at('model.value-head'), 'error', 'rule', '`ppo` needs a value head; remove `value-head false` or pick another algorithm');
  }
  if (local && pretrain.microBatch > pretrain.batch && sound('pretrain.micro-batch', 'pretrain.batch')) {
    report(at('pretrain.micro-batch'), 'error', 'rule', `\`micro-batch\` ${pretrain.microBatch} is larger than \`batch\` ${pretrain.batch}`);
  } else if (local && pretrain.batch % pretrain.microBatch !== 0) {
    report(at('pretrain.micro-batch'), 'warning', 'rule', `\`batch\` ${pretrain.batch} is not a multiple of \`micro-batch\` ${pretrain.microBatch}; the last pass of each step is smaller`);
  }
  const rollouts = rl.prompts * rl.groupSize;
  if (rl.miniBatch > rollouts && sound('rl.mini-batch', 'rl.prompts', 'rl.group')) {
    report(at('rl.mini-batch'), 'error', 'rule', `\`mini-batch\` ${rl.miniBatch} is larger than the ${rollouts} completions of a step (prompts × group)`);
  } else if (rollouts % rl.miniBatch !== 0) {
    report(at('rl.mini-batch'), 'warning', 'rule', `the ${rollouts} completions of a step (prompts × group) are not a multiple of \`mini-batch\` ${rl.miniBatch}`);
  }
  // The trainer computes log π of the tempered, unfiltered distribution; filtered rollouts would be off-policy.
  if ((rl.topK > 0 || rl.topP < 1) && sound('rl.top-k', 'rl.top-p')) {
    report(at('rl.top-k', 'rl.top-p'), 'error', 'rule', 'RL trains the distribution its rollouts are drawn from, softmax(logits / temperature); top-k and top-p would cut it and make every update off-policy. Remove `top-k`/`top-p` from the rl block (use `temperature` to sharpen rollouts)');
  }
  if (reward.format > reward.correct && sound('reward.format', 'reward.correct')) {
    report(at('reward.format', 'reward.correct'), 'warning', 'rule', `a wrong answer (\`format\` ${reward.format}) earns more than a right one (\`correct\` ${reward.correct})`);
  }
  if (config.eval.samples > 1 && config.eval.temperature === 0 && isWritten('eval.samples', 'eval.temperature')) {
    report(at('eval.samples', 'eval.temperature'), 'warning', 'rule', 'greedy evaluation (`temperature 0`) gives the same answer every sample, so pass@k equals pass@1');
  }

  // The prompt of the longest problem plus the completion must fit the context.
  if (local && sound('.prompt', 'rl.max-tokens', 'model.context', 'model.preset', 'task.numbers', 'task.values', 'task.target')) {
    const widest = { numbers: new Array<number>(task.numbers.max).fill(task.values.max), target: task.target.max };
    const prompt = renderPrompt(config.prompt, widest).length;
    if (prompt + rl.maxTokens > model.context) {
      const room = model.context - prompt;
      const fix = room > 0 ? `lower \`max-tokens\` to ${room} or raise the model \`context\`` : `raise the model \`context\` to at least ${prompt + rl.maxTokens}`;
      report(at('rl.max-tokens', '.prompt', 'model.context', 'model.preset'), 'error', 'rule', `the prompt (up to ${prompt} characters) plus \`max-tokens\` ${rl.maxTokens} exceeds the model context ${model.context}; ${fix}`);
    }
  }

  if (sound('task.numbers', 'task.values', 'task.target', 'task.operators', 'task.train', 'task.test', 'task.rl-pool')) checkProblemSpace(analysis, at);
  checkProblemLines(analysis);
  checkEngineRules(analysis, at);
}

function checkProblemSpace(analysis: SpecAnalysis, at: (...paths: string[]) => Range): void {
  const { task } = analysis.config;
  const wanted = task.train + task.test + task.rlPool;
  const space = problemSpace(task, wanted);
  const how = space.exact ? `all ${space.checked} number sets and targets checked` : `estimated from ${space.checked} sampled problems`;
  if (space.solvable === 0) {
    const fix = 'widen `values` or `target`, or allow more `operators`';
    const message =
      space.checked === 0
        ? `no problem of this task is solvable: every target is larger than any expression of these values can reach; ${fix}`
        : space.exact
          ? `no problem of this task is solvable (${how}); ${fix}`
          : `none of ${space.checked} sampled problems of this task is solvable, so the generator would almost never find one; ${fix}`;
    analysis.diagnostics.push({ range: at('task.values', 'task.target', 'task.numbers', 'task.operators'), severity: 'error', code: 'rule', message });
    return;
  }
  const about = space.exact ? `${space.solvable}` : `about ${space.solvable.toLocaleString('en-US')}`;
  const sum = task.rlPool > 0 ? `train + test + rl-pool = ${wanted}` : `train + test = ${wanted}`;
  const lower = task.rlPool > 0 ? '`train`/`test`/`rl-pool`' : '`train`/`test`';
  if (wanted > space.upper) {
    analysis.diagnostics.push({
      range: at('task.train', 'task.test', 'task.rl-pool'),
      severity: 'error',
      code: 'rule',
      message: `${sum} exceeds the ${about} distinct solvable problems this task can produce (${how}); lower ${lower} or widen \`values\` or \`target\``,
    });
  } else if (wanted > space.solvable) {
    // Only an estimate can leave this doubt: a task that asks for most of its space is counted exactly.
    analysis.diagnostics.push({
      range: at('task.train', 'task.test', 'task.rl-pool'),
      severity: 'warning',
      code: 'rule',
      message: `${sum} may exceed the ${about} distinct solvable problems this task can produce (${how}); if the generator stops short, lower ${lower} or widen \`values\` or \`target\``,
    });
  }
}

function checkProblemLines(analysis: SpecAnalysis): void {
  const { task } = analysis.config;
  const { numbers: count, values, target } = task;
  const withOperators = `no expression with ${task.operators.join(' ')} using each number once makes`;
  for (const { problem, line } of analysis.problems) {
    const n = problem.numbers.length;
    let fits = n >= count.min && n <= count.max && problem.target >= target.min && problem.target <= target.max;
    for (const v of problem.numbers) if (v < values.min || v > values.max) fits = false;
    if (!fits) {
      const broken: string[] = [];
      if (n < count.min || n > count.max) broken.push(`it has ${n} number${n === 1 ? '' : 's'} but \`numbers\` is ${count.min === count.max ? count.min : `${count.min}..${count.max}`}`);
      const outside = problem.numbers.filter((v) => v < values.min || v > values.max);
      if (outside.length) broken.push(`${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside \`values\` ${values.min}..${values.max}`);
      if (problem.target < target.min || problem.target > target.max) broken.push(`the target ${problem.target} is outside \`target\` ${target.min}..${target.max}`);
      analysis.diagnostics.push({ range: line.range, severity: 'error', code: 'problem-rule', message: `this problem breaks the task's rules: ${broken.join('; ')}` });
    }
    if (n < 2 || n > MAX_NUMBERS) continue;
    if (!solveProblem(problem, task.operators).solvable) {
      analysis.diagnostics.push({
        range: line.range,
        severity: 'warning',
        code: 'unsolvable',
        message: `${problem.numbers.join(' ')} -> ${problem.target} cannot be solved: ${withOperators} ${problem.target}`,
      });
    }
  }
}
