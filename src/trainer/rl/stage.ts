// The RL stage the engine runs after pretraining (or from another run's base
// model): RL steps with the spec's algorithm on the RL pool, one step record
// each, alerts when the run shows a known failure, and the first completion of
// each prompt as a trace.
import * as fs from 'node:fs';
import { AlertMonitor } from '../../core/alerts/monitor';
import type { StepRecord } from '../../core/protocol/records';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';
import { listCheckpoints, readCheckpoint } from '../checkpoint/store';
import { assignArrays } from '../checkpoint/tensors';
import type { Stage, TrainingContext } from '../engine/context';
import { Gpt } from '../model/gpt';
import { learningRate } from '../optim/schedule';
import { rlStep } from './step';

/** RL holds its learning rate after warm-up: a floor of the whole peak (pretraining decays to a tenth). */
const RL_LR_FLOOR = 1;

/**
 * The frozen reference policy for the KL term: the model RL started from. A
 * fresh stage copies the policy as it is now; a resumed one reloads the base
 * model from the last pretraining checkpoint (of the `--from` run, or its own).
 */
function referenceModel(ctx: TrainingContext): Gpt | null {
  if (ctx.config.rl.klCoef === 0) return null;
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

export const rlStage: Stage = {
  plan: (config) => ({ steps: config.rl.steps, every: config.rl.evalEvery, patience: config.rl.earlyStop }),
  problems: (data, config) => ({ pool: data.rl, seed: config.rl.seed }),
  // RL keeps what pretraining learned unless the policy gradient moves it (TRL's default too).
  weightDecay: () => 0,
  evaluatesStart: true,
  begin(ctx) {
    const { config, model, tokenizer } = ctx;
    const rl = config.rl;
    const monitor = new AlertMonitor();
    for (const record of earlierRecords(ctx)) monitor.observe(record);
    const reference = referenceModel(ctx);
    if (ctx.start.step < rl.steps) {
      ctx.record.log(
        'info',
        `RL steps ${ctx.start.step + 1}..${rl.steps}: ${rl.algorithm}, ${rl.prompts} prompts × ${rl.groupSize} samples` +
          `${rl.dynamicSampling ? ` (dynamic sampling, up to ${rl.maxDraw * rl.prompts} drawn)` : ''}, lr ${rl.lr} (warm-up ${rl.warmup}), ` +
          `kl ${rl.klCoef} (${rl.klEstimator} in the ${rl.klIn}), ${rl.epochs} epoch(s), mini-batch ${rl.miniBatch}, max ${rl.maxTokens} tokens`,
      );
    }
    // The share of drawn prompts that taught at the last step, which sizes dynamic sampling's next draw.
    let expectedSignal = 1;
    return {
      async step(step, total) {
        const lr = learningRate(step - 1, { peak: rl.lr, warmup: rl.warmup, total, floor: RL_LR_FLOOR });
        const { record, samples } = await rlStep({
          policy: model,
          reference,
          optimizer: ctx.optimizer,
          tokenizer,
          rl,
          prompt: config.prompt,
          reward: config.reward,
          draw: (count) => ctx.problems.next(count),
          expectedSignal,
          step,
          lr,
          rng: ctx.rng,
        });
        expectedSignal = record.signalGroups ?? 1;
        for (const alert of monitor.observe(record)) ctx.record.alert(alert);
        // The first sample of each of the first `prompts` prompts, so the traces show what the policy writes as it learns.
        for (let i = 0; i < Math.min(samples.length, rl.prompts * rl.groupSize); i += rl.groupSize) {
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
        return record;
      },
      dispose: () => reference?.dispose(),
    };
  },
};
