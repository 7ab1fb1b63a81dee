// The complete veRL job of a spec: the files of its folder and the full Hydra
// override list for `python -m verl.trainer.main_ppo`, from the field mapping
// plus what every job needs (data and reward files, loggers, sample dumps,
// checkpoints and resume inside the job folder, a pass-through chat template).
import { renderPrompt } from '../countdown/prompts';
import type { Problem } from '../countdown/problem';
import type { ResolvedConfig } from '../spec/config';
import { hydraArg, type Override } from './hydra';
import { mappedOverrides } from './mapping';

/** The files and folders of a job, relative to its folder. */
export const JOB_FILES = {
  train: 'train.parquet',
  test: 'test.parquet',
  reward: 'countdown_reward.py',
  script: 'run.sh',
  job: 'job.json',
  rollouts: 'rollouts',
  validation: 'validation',
  checkpoints: 'checkpoints',
  logs: 'logs',
} as const;

/** The Python function veRL's reward loader calls (`reward.custom_reward_function.name`). */
export const REWARD_FUNCTION = 'compute_score';
/** `data_source` of every row; the reward module scores only these. */
export const DATA_SOURCE = 'countdown';
export const PROJECT_NAME = 'reasoning-lab';
/** The prompt text as the model sees it, unwrapped: TinyZero fed the prompt raw, with no chat template. */
export const PASS_THROUGH_CHAT_TEMPLATE = "{{ messages[0]['content'] }}";
/** Where veRL's file logger writes (the `file` backend reads it from the environment). */
export const FILE_LOGGER_ENV = 'VERL_FILE_LOGGER_PATH';

const path = (p: string) => ({ path: p });
const set = (key: string, value: Override['value']): Override => ({ key, value });

/** The longest prompt of these problems, in characters: a bound on its length in tokens. */
export function longestPrompt(config: ResolvedConfig, problems: readonly Problem[]): number {
  let longest = 0;
  for (const p of problems) longest = Math.max(longest, renderPrompt(config.prompt, p).length);
  return longest;
}

/**
 * Every override of the job but the spec's own `overrides` (see `jobArgs`).
 * `logFile` is the file logger's path in the job folder: a fresh one per
 * attempt, since veRL's file logger truncates its file when it starts.
 */
export function jobOverrides(config: ResolvedConfig, promptLength: number, logFile: string): Override[] {
  return [
    set('data.train_files', path(JOB_FILES.train)),
    set('data.val_files', path(JOB_FILES.test)),
    set('data.max_prompt_length', promptLength),
    set('reward.custom_reward_function.path', path(JOB_FILES.reward)),
    set('reward.custom_reward_function.name', REWARD_FUNCTION),
    set('actor_rollout_ref.model.custom_chat_template', PASS_THROUGH_CHAT_TEMPLATE),
    // TinyZero's setting: micro-batches sized by tokens, so no per-GPU micro-batch size is needed.
    set('actor_rollout_ref.actor.use_dynamic_bsz', true),
    ...mappedOverrides(config),
    set('trainer.project_name', PROJECT_NAME),
    set('trainer.logger', ['console', 'file']),
    set('trainer.rollout_data_dir', path(JOB_FILES.rollouts)),
    set('trainer.validation_data_dir', path(JOB_FILES.validation)),
    set('trainer.default_local_dir', path(JOB_FILES.checkpoints)),
    set('trainer.resume_mode', 'auto'),
    // The logger runs in Ray's TaskRunner actor, which may be on another node: pass its path through Ray.
    { key: `ray_kwargs.ray_init.runtime_env.env_vars.${FILE_LOGGER_ENV}`, value: path(logFile), add: true },
  ];
}

/** The command-line arguments after `-m verl.trainer.main_ppo`, with job paths under `root`; the spec's own `overrides` come last, so they win. */
export function jobArgs(config: ResolvedConfig, promptLength: number, logFile: string, root: string): string[] {
  return [...jobOverrides(config, promptLength, logFile).map((o) => hydraArg(o, root)), ...config.engine.overrides];
}
