// Base-model pretraining on search traces: AdamW with linear warmup and cosine
// decay, global-norm clipping, gradient accumulation over micro-batches, and
// loss only on completion tokens. One StepRecord per optimizer step.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '../optim/adamw';
import { accumulateGradients } from '../optim/accumulate';
import { clipGradNorm } from '../optim/clip';
import { learningRate } from '../optim/schedule';
import { chunks, packSequences, type Sequence } from '../data/batch';
import { PretrainStream } from '../data/pretrain-stream';
import type { Gpt } from '../model/gpt';
import type { Stage } from '../engine/context';
import { maskedNll } from './loss';

/** The learning rate decays to this share of its peak. */
const LR_FLOOR = 0.1;

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
  const { loss, grads } = accumulateGradients(model.variables, batches.length, (i) => maskedNll(model, batches[i]!), () => 1 / Math.max(1, lossTokens));
  const gradNorm = clipGradNorm(grads, options.gradClip);
  optimizer.apply(grads, options.lr);
  tf.dispose([...grads.values()]);
  return { loss, gradNorm, tokens: batches.reduce((n, b) => n + b.tokens, 0) };
}

export const pretrainStage: Stage = {
  plan: (config) => ({ steps: config.pretrain.steps, every: config.pretrain.evalEvery, patience: 0 }),
  problems: (data, config) => ({ pool: data.train, seed: config.task.seed }),
  weightDecay: (config) => config.pretrain.weightDecay,
  evaluatesStart: false,
  begin(ctx) {
    const { config, model, tokenizer } = ctx;
    const settings = config.pretrain;
    const sequences = new PretrainStream(ctx.problems, config.prompt, settings, tokenizer, model.config.context, config.task.seed);
    if (ctx.start.step < settings.steps) {
      ctx.record.log('info', `pretraining steps ${ctx.start.step + 1}..${settings.steps}: batch ${settings.batch} (micro-batch ${settings.microBatch}), ${settings.traces} traces, lr ${settings.lr}, evaluation every ${settings.evalEvery} steps`);
    }
    return {
      async step(step, total) {
        const started = performance.now();
        const lr = learningRate(step - 1, { peak: settings.lr, warmup: settings.warmup, total, floor: LR_FLOOR });
        const result = pretrainStep(model, ctx.optimizer, sequences.next(settings.batch), { pad: tokenizer.pad, microBatch: settings.microBatch, lr, gradClip: settings.gradClip });
        const stepMs = performance.now() - started;
        if (step === total && sequences.skipped > 0) {
          ctx.record.log('warn', `${sequences.skipped} pretraining sequences were longer than the context ${model.config.context} and left out`);
        }
        return { phase: 'pretrain', step, time: Date.now(), loss: result.loss, lr, gradNorm: result.gradNorm, tokensPerSec: (result.tokens / stepMs) * 1000, stepMs };
      },
    };
  },
};
