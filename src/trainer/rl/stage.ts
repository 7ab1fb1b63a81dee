// The RL stage the engine runs after pretraining (or from another run's base
// model): `steps` RL steps with the spec's algorithm, one step record each,
// alerts when the run shows a known failure, evaluation and checkpoints through
// the engine's `endStep`.
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { AlertMonitor } from '../../core/alerts/monitor';
import type { StepRecord } from '../../core/protocol/records';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';
import { listCheckpoints, readCheckpoint } from '../checkpoint/store';
import { assignArrays, toTensor } from '../checkpoint/tensors';
import type { StageEnd, TrainingContext } from '../engine/context';
import { Gpt } from '../model/gpt';
import { AdamW } from '../optim/adamw';
import { learningRate } from '../optim/schedule';
import { ProblemStream } from './problems';
import { rlStep } from './step';

const STEP_KEY = 'optimizer.step';
const EPOCH_KEY = 'rl.epoch';
const INDEX_KEY = 'rl.index';

/**
 * The frozen reference policy for the KL term: the model RL started from. A
 * fresh stage copies the policy as it is now; a resumed one reloads the base
 * model from the last pretraining checkpoint (of the `--from` run, or its own).
 */
function referenceModel(ctx: TrainingContext): Gpt | null {
  if (ctx.config.rl.kl === 0) return null;
  const reference = new Gpt(ctx.config.model, ctx.tokenizer.vocabSize, ctx.config.task.seed);
  if (ctx.start.step === 0) {
    for (const [name, variable] of ctx.model.variables) reference.variables.get(name)!.assign(variable);
    return reference;
  }
  const baseRun = ctx.record.writer.info.parent ?? ctx.runDir;
  const base = listCheckpoints(baseRun, 'pretrain').at(-1);
  // Without a pretraining checkpoint the run started from the seeded initialisation, which `reference` already is.
  if (base) assignArrays(reference.variables, readCheckpoint(base).weights, `base model ${base}`);
  return reference;
}

/** RL step records already written (a resumed run): the alert monitor relearns its baselines from them. */
function earlierRecords(ctx: TrainingContext): StepRecord[] {
  const file = runFile(ctx.runDir, 'metrics');
  if (!fs.existsSync(file)) return [];
  return parseJsonl<StepRecord>(fs.readFileSync(file, 'utf8')).records.filter((r) => r.phase === 'rl' && r.step <= ctx.start.step);
}

export async function runRlStage(ctx: TrainingContext): Promise<StageEnd> {
  const { config, model, tokenizer } = ctx;
  const rl = config.rl;
  const total = rl.steps;
  const every = Math.max(1, config.eval.every);
  const problems = new ProblemStream(ctx.data.rl, config.task.seed, {
    epoch: ctx.start.cursor[EPOCH_KEY] ?? 0,
    index: ctx.start.cursor[INDEX_KEY] ?? 0,
  });
  const monitor = new AlertMonitor();
  for (const record of earlierRecords(ctx)) monitor.observe(record);
  const optimizer = new AdamW(model.variables, { weightDecay: 0 });
  const reference = referenceModel(ctx);
  try {
    if (ctx.start.optimizer) {
      const tensors = new Map([...ctx.start.optimizer].map(([name, array]) => [name, toTensor(array)]));
      optimizer.importState({ step: ctx.start.cursor[STEP_KEY] ?? ctx.start.step, tensors });
      tf.dispose([...tensors.values()]);
    }
    if (ctx.start.step === 0 && total > 0) await ctx.evaluate('rl', 0);
    if (ctx.start.step < total) {
      ctx.record.log(
        'info',
        `RL steps ${ctx.start.step + 1}..${total}: ${rl.algorithm}, ${rl.prompts} prompts × ${rl.group} samples, lr ${rl.lr}, ` +
          `kl ${rl.kl} (${rl.klEstimator} in the ${rl.klIn}), ${rl.epochs} epoch(s), mini-batch ${rl.miniBatch}, max ${rl.maxTokens} tokens`,
      );
    }
    for (let step = ctx.start.step + 1; step <= total; step++) {
      const lr = learningRate(step - 1, { peak: rl.lr, warmup: rl.warmup, total, floor: 1 });
      const { record, samples } = await rlStep({
        policy: model,
        reference,
        optimizer,
        tokenizer,
        rl,
        prompt: config.prompt,
        reward: config.reward,
        problems: problems.next(rl.prompts),
        step,
        lr,
        rng: ctx.rng,
      });
      ctx.record.step(record);
      if (!Number.isFinite(record.loss)) {
        throw new Error(`RL loss became ${record.loss} at step ${step}: lower \`lr\` in the rl block or set \`grad-clip\``);
      }
      for (const alert of monitor.observe(record)) ctx.record.alert(alert);
      // The first sample of each prompt, so the traces show what the policy writes as it learns.
      for (let i = 0; i < samples.length; i += rl.group) {
        const s = samples[i]!;
        ctx.record.trace({
          phase: 'rl',
          step,
          split: 'train',
          numbers: s.problem.numbers,
          target: s.problem.target,
          prompt: s.promptText,
          completion: s.text,
          reward: s.reward,
          verdict: s.verdict,
          sample: 0,
          truncated: s.truncated,
        });
      }
      const go = await ctx.endStep({
        phase: 'rl',
        step,
        total,
        every,
        optimizer: () => optimizer.exportState().tensors,
        cursor: () => ({ [EPOCH_KEY]: problems.cursor.epoch, [INDEX_KEY]: problems.cursor.index, [STEP_KEY]: optimizer.step }),
      });
      if (!go) return 'stopped';
    }
    return 'done';
  } finally {
    optimizer.dispose();
    reference?.dispose();
  }
}
