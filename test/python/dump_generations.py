"""Writes rollout or validation sample dumps with veRL's own writer
(PPOTrainer._write_generations of verl/trainer/ppo/v1/trainer_base.py). Stdin:
one JSON object {"dir", "step", "inputs", "outputs", "gts", "scores",
"extra"} per dump, as the trainer passes them."""

import json
import sys

from verl_code import verl_functions


def main():
    (write_generations,) = verl_functions("trainer/ppo/v1/trainer_base.py", ["_write_generations"], class_name="PPOTrainer")
    for line in sys.stdin:
        d = json.loads(line)
        write_generations(d["inputs"], d["outputs"], d["gts"], d["scores"], d["extra"], d["dir"], d["step"])


if __name__ == "__main__":
    main()
