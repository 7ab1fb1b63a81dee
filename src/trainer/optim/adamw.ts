// AdamW (Loshchilov & Hutter): Adam moments with weight decay applied to the
// weights directly rather than through the gradient. Decay applies to matrices
// (rank >= 2: embeddings and projections), not to norm gains and biases, as in
// nanoGPT. Its state exports as named tensors so a checkpoint can store it.

import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

export class AdamW {
  /** Updates taken so far (the bias correction needs it). */
  step = 0;
  private readonly m = new Map<string, tf.Tensor>();
  private readonly v = new Map<string, tf.Tensor>();
  readonly options: AdamWOptions;

  constructor(
    private readonly variables: Map<string, tf.Variable>,
    options: Partial<AdamWOptions> = {},
  ) {
    this.options = { ...ADAMW_DEFAULTS, ...options };
    for (const [name, variable] of variables) {
      this.m.set(name, tf.keep(tf.zerosLike(variable)));
      this.v.set(name, tf.keep(tf.zerosLike(variable)));
    }
  }

  /** One update with learning rate `lr`; `grads` maps variable names to gradients (left to the caller). */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.step += 1;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    for (const [name, variable] of this.variables) {
      const grad = grads.get(name);
      if (!grad) throw new Error(`no gradient for ${name}`);
      const [m, v] = tf.tidy(() => {
        const m = tf.add(tf.mul(this.m.get(name)!, beta1), tf.mul(grad, 1 - beta1));
        const v = tf.add(tf.mul(this.v.get(name)!, beta2), tf.mul(tf.square(grad), 1 - beta2));
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), eps));
        const decay = variable.rank >= 2 ? weightDecay : 0;
        const decayed = decay > 0 ? tf.mul(variable, 1 - lr * decay) : variable;
        variable.assign(tf.sub(decayed, tf.mul(update, lr)));
        return [m, v];
      });
      this.m.get(name)!.dispose();
      this.v.get(name)!.dispose();
      this.m.set(name, m);
      this.v.set(name, v);
    }
  }

  /** Moments as named tensors (`<variable>.m`, `<variable>.v`), copies the caller disposes. */
  exportState(): { step: number; tensors: Map<string, tf.Tensor> } {
    const tensors = new Map<string, tf.Tensor>();
    for (const name of this.variables.keys()) {
      tensors.set(`${name}.m`, tf.clone(this.m.get(name)!));
      tensors.set(`${name}.v`, tf.clone(this.v.get(name)!));
    }
    return { step: this.step, tensors };
  }

  /** Restores exported state; every moment must be present with its variable's shape. */
  importState(state: { step: number; tensors: Map<string, tf.Tensor> }): void {
    for (const [name, variable] of this.variables) {
      for (const kind of ['m', 'v'] as const) {
        const saved = state.tensors.get(`${name}.${kind}`);
        if (!saved) throw new Error(`optimizer state has no ${name}.${kind}: the checkpoint does not match this model`);
        if (!tf.util.arraysEqual(saved.shape, variable.shape)) {
          throw new Error(`optimizer state ${name}.${kind} has shape [${saved.shape}], the model needs [${variable.shape}]`);
        }
        const target = kind === 'm' ? this.m : this.v;
        target.get(name)!.dispose();
        target.set(name, tf.keep(tf.clone(saved)));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
    this.m.clear();
    this.v.clear();
  }
}
