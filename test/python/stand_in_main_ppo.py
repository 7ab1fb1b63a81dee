"""STAND-IN for `python -m verl.trainer.main_ppo`, for the supervisor's tests on
machines without GPUs. It trains nothing. It takes the same Hydra overrides
and composes veRL's real config from them (so a bad override fails as in veRL),
reads the job's parquet files, scores made-up completions with the job's reward
module through veRL's own reward loader, and writes what veRL's trainer writes,
with veRL's own writers: the file-logger JSONL (Tracking, backend "file"),
rollout and validation dumps (_write_generations), and checkpoints with
veRL's tracker file, resuming from it like trainer.resume_mode=auto.

Knobs (environment): STAND_IN_STEP_SECONDS (default 0.2) per step;
STAND_IN_FAIL_AT=N raises an error at step N; STAND_IN_RESTART_AT=N restarts
the "trainer" once at step N as Ray would restart its TaskRunner: the logger
reopens its file (veRL truncates it) and training resumes from the checkpoint.
"""

import os
import sys
import time

import pyarrow.parquet as pq
from omegaconf import OmegaConf

from verl_code import verl_functions, verl_module
from verl_config import compose_ppo_trainer


def completion(numbers, target, step, index, sample):
    """A made-up answer: right, wrong, unformatted or garbled, by a fixed pattern that improves with the step."""
    kind = (step * 7 + index * 3 + sample) % 5
    if kind == 0 or kind < min(step, 3):
        return f"<think>add them</think>\n<answer>{'+'.join(str(n) for n in numbers)}</answer>"
    if kind == 3:
        return "I do not know."
    return f"<think>guess</think>\n<answer>{target}</answer>"


class StandIn:
    def __init__(self, cfg):
        self.cfg = cfg
        self.train = pq.read_table(cfg.data.train_files).to_pylist()
        self.test = pq.read_table(cfg.data.val_files).to_pylist()
        get_custom_reward_fn, _, _ = verl_functions(
            "trainer/ppo/reward.py", ["get_custom_reward_fn", "_call_with_kwargs", "_call_with_kwargs_async"]
        )
        self.reward = get_custom_reward_fn(cfg)
        (self.write_generations,) = verl_functions("trainer/ppo/v1/trainer_base.py", ["_write_generations"], class_name="PPOTrainer")
        self.tracking = verl_module("verl.utils.tracking")
        self.ckpt_dir = cfg.trainer.default_local_dir

    def score(self, row, text):
        gt = row["reward_model"]["ground_truth"]
        return self.reward(data_source=row["data_source"], solution_str=text, ground_truth=gt, extra_info=row["extra_info"])

    def generate(self, rows, n, step, dump_dir):
        inputs, outputs, gts, scores, uids, accs = [], [], [], [], [], []
        for i, row in enumerate(rows):
            gt = row["reward_model"]["ground_truth"]
            for s in range(n):
                text = completion(gt["numbers"], gt["target"], step, row["extra_info"]["index"], s)
                result = self.score(row, text)
                inputs.append(row["prompt"][0]["content"])
                outputs.append(text)
                gts.append(gt)
                scores.append(result["score"])
                accs.append(result["acc"])
                uids.append(f"uid{i:05d}_{s}_0")
        extra = {"uid": uids}
        if dump_dir == self.cfg.trainer.validation_data_dir:
            extra.update({"reward": scores, "score": scores, "acc": accs})
        self.write_generations(inputs, outputs, gts, scores, extra, dump_dir, step)
        return scores, accs, outputs

    def latest(self):
        try:
            with open(os.path.join(self.ckpt_dir, "latest_checkpointed_iteration.txt")) as f:
                return int(f.read().strip())
        except FileNotFoundError:
            return 0

    def save(self, step):
        folder = os.path.join(self.ckpt_dir, f"global_step_{step}", "actor")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "stand-in.txt"), "w") as f:
            f.write(f"stand-in checkpoint of step {step}\n")
        with open(os.path.join(self.ckpt_dir, "latest_checkpointed_iteration.txt"), "w") as f:
            f.write(str(step))

    def validate(self, step):
        n = self.cfg.actor_rollout_ref.rollout.val_kwargs.n
        _, accs, _ = self.generate(self.test, n, step, self.cfg.trainer.validation_data_dir)
        return {f"val-core/countdown/acc/mean@{n}": sum(accs) / len(accs)}

    def fit(self):
        t = self.cfg.trainer
        restart_at = int(os.environ.get("STAND_IN_RESTART_AT", "0"))
        fail_at = int(os.environ.get("STAND_IN_FAIL_AT", "0"))
        pause = float(os.environ.get("STAND_IN_STEP_SECONDS", "0.2"))
        while True:
            logger = self.tracking.Tracking(project_name=t.project_name, experiment_name=t.experiment_name, default_backend=["file"])
            step = self.latest() if t.resume_mode == "auto" else 0
            if t.val_before_train:
                logger.log(data=self.validate(step), step=step)
            restarted = False
            batch, n = self.cfg.data.train_batch_size, self.cfg.actor_rollout_ref.rollout.n
            while step < t.total_training_steps:
                step += 1
                time.sleep(pause)
                if step == fail_at:
                    raise RuntimeError(f"stand-in failure at step {step}")
                rows = [self.train[(step * batch + k) % len(self.train)] for k in range(batch)]
                scores, _, outputs = self.generate(rows, n, step, t.rollout_data_dir)
                metrics = {
                    "critic/score/mean": sum(scores) / len(scores),
                    "response_length/mean": sum(len(o) for o in outputs) / len(outputs) / 4,
                    "response_length/clip_ratio": 0.0,
                    "actor/loss": 1.0 / step,
                    "actor/pg_loss": 0.5 / step,
                    "actor/lr": self.cfg.actor_rollout_ref.actor.optim.lr,
                    "actor/grad_norm": 2.0,
                    "actor/entropy": 1.5,
                    "actor/pg_clipfrac": 0.01,
                    "timing_s/step": pause,
                    "timing_s/gen": pause / 2,
                    "timing_s/update_actor": pause / 4,
                    "perf/throughput": 123.0,
                    "training/global_step": step,
                }
                if t.save_freq > 0 and (step % t.save_freq == 0 or step == t.total_training_steps):
                    self.save(step)
                if t.test_freq > 0 and (step % t.test_freq == 0 or step == t.total_training_steps):
                    metrics.update(self.validate(step))
                logger.log(data=metrics, step=step)
                print(f"step:{step} - critic/score/mean:{metrics['critic/score/mean']:.3f}", flush=True)
                if step == restart_at:
                    os.environ["STAND_IN_RESTART_AT"] = "0"
                    restart_at = 0
                    restarted = True
                    print("stand-in: restarting the trainer, as Ray restarts a TaskRunner", flush=True)
                    time.sleep(pause * 4)  # a restart takes a while: the bridge has seen the step by then
                    break
            if not restarted:
                logger.finish()
                return


def main():
    cfg = compose_ppo_trainer(sys.argv[1:])
    os.environ.setdefault("VERL_FILE_LOGGER_PATH", OmegaConf.select(cfg, "ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH"))
    print(f"stand-in for verl.trainer.main_ppo: {cfg.trainer.experiment_name}, {cfg.trainer.total_training_steps} steps", flush=True)
    StandIn(cfg).fit()


if __name__ == "__main__":
    main()
