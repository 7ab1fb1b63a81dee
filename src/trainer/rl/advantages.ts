// Advantage estimators as small named pure functions over plain arrays (in the
// spirit of veRL's core_algos.py). Rewards are laid out group by group: the
// `group` samples of prompt 0, then those of prompt 1, and so on.
import type { Algorithm, RewardScaling } from '../../core/spec/config';

/** Added to a standard deviation before dividing by it (veRL and TRL use 1e-6 too). */
export const STD_EPS = 1e-6;

/** Mean, 0 for no values. */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Unbiased (n − 1) standard deviation, as torch.std that veRL and TRL call; 0 for fewer than 2 values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1));
}

function groups(rewards: readonly number[], group: number): number[][] {
  if (!Number.isInteger(group) || group < 1 || rewards.length % group !== 0) {
    throw new Error(`advantages: ${rewards.length} rewards do not split into groups of ${group}`);
  }
  const out: number[][] = [];
  for (let i = 0; i < rewards.length; i += group) out.push(rewards.slice(i, i + group));
  return out;
}

/**
 * GRPO: A_i = (r_i − mean(group)) / (σ + ε), where σ is chosen by `scaling`
 * (TRL's `scale_rewards`): the std of the prompt's group (`group`, the original
 * GRPO), the std of the whole batch (`batch`), or no division (`none`, σ + ε = 1).
 */
export function grpoAdvantages(
  rewards: readonly number[],
  group: number,
  scaling: RewardScaling = 'group',
  eps = STD_EPS,
): number[] {
  const batchScale = std(rewards) + eps;
  return groups(rewards, group).flatMap((g) => {
    const m = mean(g);
    const scale = scaling === 'group' ? std(g) + eps : scaling === 'batch' ? batchScale : 1;
    return g.map((r) => (r - m) / scale);
  });
}

/**
 * Dr. GRPO: A_i = r_i − mean(group). No std division, whatever `reward-scaling`
 * says: dividing by a group's std up-weights prompts that are nearly always
 * right or nearly always wrong, the bias Dr. GRPO removes.
 */
export function drGrpoAdvantages(rewards: readonly number[], group: number): number[] {
  return grpoAdvantages(rewards, group, 'none');
}

/** RLOO: A_i = r_i − mean_{j≠i}(r_j) = G/(G−1) · (r_i − mean(group)); needs G ≥ 2. */
export function rlooAdvantages(rewards: readonly number[], group: number): number[] {
  if (group < 2) throw new Error('rloo needs a group of at least 2 samples per prompt (rl.groupSize)');
  return groups(rewards, group).flatMap((g) => {
    const sum = g.reduce((a, b) => a + b, 0);
    return g.map((r) => r - (sum - r) / (g.length - 1));
  });
}

/** REINFORCE with a batch baseline: A_i = r_i − mean(batch). */
export function reinforceAdvantages(rewards: readonly number[]): number[] {
  const m = mean(rewards);
  return rewards.map((r) => r - m);
}

/**
 * The per-sequence advantage of every outcome-reward algorithm (all but PPO).
 * `reward-scaling` applies to GRPO only, as TRL's `scale_rewards` does; RLOO
 * and REINFORCE keep their textbook, unscaled form.
 */
export function outcomeAdvantages(
  algorithm: Exclude<Algorithm, 'ppo'>,
  rewards: readonly number[],
  group: number,
  scaling: RewardScaling,
): number[] {
  switch (algorithm) {
    case 'grpo':
      return grpoAdvantages(rewards, group, scaling);
    case 'dr-grpo':
      return drGrpoAdvantages(rewards, group);
    case 'rloo':
      return rlooAdvantages(rewards, group);
    case 'reinforce':
      return reinforceAdvantages(rewards);
  }
}

/** Share of groups whose samples differ in correctness: some right, some wrong (what dynamic sampling keeps). */
export function signalShare(correct: readonly boolean[], group: number): number {
  const gs = groups(correct.map(Number), group);
  return gs.filter((g) => g.some((c) => c !== g[0])).length / gs.length;
}

/** Share of groups whose samples all got the same reward (their advantages are 0: no learning signal). */
export function zeroSignalShare(rewards: readonly number[], group: number): number {
  const gs = groups(rewards, group);
  return gs.filter((g) => g.every((r) => r === g[0])).length / gs.length;
}

export interface GaeResult {
  /** Per-token advantages, same shape as the input. */
  advantages: number[][];
  /** Per-token value targets: advantages + values. */
  returns: number[][];
}

/**
 * Generalised advantage estimation per sequence (PPO), over its completion tokens:
 *   δ_t = r_t + γ·V_{t+1} − V_t   (V_T = 0 after the last token)
 *   A_t = δ_t + γλ·A_{t+1},   R_t = A_t + V_t.
 * `rewards[i][t]` is the per-token reward (the verifier score on the last token,
 * minus a KL penalty per token when the KL sits in the reward).
 */
export function gae(
  rewards: readonly (readonly number[])[],
  values: readonly (readonly number[])[],
  gamma: number,
  lambda: number,
): GaeResult {
  const advantages: number[][] = [];
  const returns: number[][] = [];
  rewards.forEach((r, i) => {
    const v = values[i];
    if (v?.length !== r.length) throw new Error(`gae: sequence ${i} has ${r.length} rewards but ${v?.length ?? 0} values`);
    const adv = new Array<number>(r.length);
    let next = 0;
    let nextValue = 0;
    for (let t = r.length - 1; t >= 0; t--) {
      const delta = r[t]! + gamma * nextValue - v[t]!;
      next = delta + gamma * lambda * next;
      adv[t] = next;
      nextValue = v[t]!;
    }
    advantages.push(adv);
    returns.push(adv.map((a, t) => a + v[t]!));
  });
  return { advantages, returns };
}

/** Whitens per-token advantages over every token of the batch: (A − mean) / (std + ε), as veRL does after GAE. */
export function whiten(values: readonly (readonly number[])[], eps = STD_EPS): number[][] {
  const flat = values.flat();
  const m = mean(flat);
  const s = std(flat);
  return values.map((row) => row.map((x) => (x - m) / (s + eps)));
}
