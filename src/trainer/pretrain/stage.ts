// Base-model pretraining on search traces: AdamW with linear warmup and cosine
// decay, global-norm clipping, gradient accumulation over micro-batches, and
// loss only on completion tokens. One StepRecord per optimizer step.
import * as tf from '@tensorflow/tfjs-core';
import type { StepRecord } from '../../core/protocol/records';
import { AdamW } from '../optim/adamw';
import { accumulateGradients } from '../optim/accumulate';
import { clipGradNorm } from '../optim/clip';
import { learningRate } from '../optim/schedule';
import { toTensor } from '../checkpoint/tensors';
import { chunks, packSequences, type Sequence } from '../data/batch';
import { PretrainStream } from '../data/pretrain-stream';
import type { Gpt } from '../model/gpt';
import type { StageEnd, TrainingContext } from '../engine/context';
import { maskedNll } from './loss';

/** The learning rate decays to this share of its peak. */
const LR_FLOOR = 0.1;
const STEP_KEY = 'optimizer.step';

export interface PretrainStepResult {
  loss: number;
  gradNorm: number;
  tokens: number;
}

/**
 * One optimizer step on `sequences`: gradients of the mean completion-token
 * loss of the whole batch, summed over micro-batches, clipped, applied.
 */
export function pretrainStep(model: Gpt, optimizer: AdamW, sequences: readonly Sequence[], options: { pad: number; microBatch: number; lr: number; gradClip: number }): PretrainStepResult {
  const batches = chunks(sequences, options.microBatch).map((group) => packSequences(group, options.pad, model.config.context));
  const lossTokens = batches.reduce((n, b) => n + b.lossTokens, 0);
  // Each micro-batch's summed loss divided by the batch's token count: the sum is the batch's token mean.
  const { loss, grads } = accumulateGradients(model.variables, batches.length, (i) => maskedNll(model, batches[i]!), batches.map(() => 1 / Math.max(1, lossTokens)));
  const gradNorm = clipGradNorm(grads, options.gradClip);
  optimizer.apply(grads, options.lr);
  tf.dispose([...grads.values()]);
  return { loss, gradNorm, tokens: batches.reduce((n, b) => n + b.tokens, 0) };
}

export async function runPretrainStage(ctx: TrainingContext): Promise<StageEnd> {
  const { config, model, tokenizer } = ctx;
  const settings = config.pretrain;
  const total = settings.steps;
  const every = settings.evalEvery;
  const stream = new PretrainStream(ctx.data.train, config.prompt, settings, tokenizer, model.config.context, config.task.seed, {
    epoch: ctx.start.cursor.epoch ?? 0,
    index: ctx.start.cursor.index ?? 0,
  });
  const optimizer = new AdamW(model.variables, { weightDecay: settings.weightDecay });
  try {
    if (ctx.start.optimizer) {
      const tensors = new Map([...ctx.start.optimizer].map(([name, array]) => [name, toTensor(array)]));
      optimizer.importState({ step: ctx.start.cursor[STEP_KEY] ?? ctx.start.step, tensors });
      tf.dispose([...tensors.values()]);
    }
    if (ctx.start.step < total) {
      ctx.record.log('info', `pretraining steps ${ctx.start.step + 1}..${total}: batch ${settings.batch} (micro-batch ${settings.microBatch}), ${settings.traces} traces, lr ${settings.lr}, evaluation every ${every} steps`);
    }
    for (let step = ctx.start.step + 1; step <= total; step++) {
      const started = performance.now();
      const lr = learningRate(step - 1, { peak: settings.lr, warmup: settings.warmup, total, floor: LR_FLOOR });
      const result = pretrainStep(model, optimizer, stream.next(settings.batch), { pad: tokenizer.pad, microBatch: settings.microBatch, lr, gradClip: settings.gradClip });
      const stepMs = performance.now() - started;
      const record: StepRecord = {
        phase: 'pretrain',
        step,
        time: Date.now(),
        loss: result.loss,
        lr,
        gradNorm: result.gradNorm,
        tokensPerSec: (result.tokens / stepMs) * 1000,
        stepMs,
      };
      ctx.record.step(record);
      if (!Number.isFinite(result.loss)) {
        throw new Error(`pretraining loss became ${result.loss} at step ${step}: lower \`lr\` in the pretrain block or set \`grad-clip\``);
      }
      const end = await ctx.endStep({
        phase: 'pretrain',
        step,
        total,
        every,
        patience: 0,
        optimizer: () => optimizer.exportState().tensors,
        cursor: () => ({ ...stream.cursor, [STEP_KEY]: optimizer.step }),
      });
      if (end) return end;
    }
    if (stream.skipped > 0) ctx.record.log('warn', `${stream.skipped} pretraining sequences were longer than the context ${model.config.context} and left out`);
    return 'done';
  } finally {
    optimizer.dispose();
  }
}
