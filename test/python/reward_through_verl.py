"""Scores responses through veRL's own reward loader: the config composed from
the job's overrides (JSON list, first stdin line), get_custom_reward_fn(config)
from verl/trainer/ppo/reward.py, and the call NaiveRewardManager.run_single
makes (keyword arguments, ground truth as veRL's dataset hands it over). Then
one JSON line per input line {"response", "numbers", "target"}: the result."""

import json
import sys

import numpy as np

from verl_code import verl_functions
from verl_config import compose_ppo_trainer


def main():
    overrides = json.loads(sys.stdin.readline())
    get_custom_reward_fn, _, _ = verl_functions(
        "trainer/ppo/reward.py", ["get_custom_reward_fn", "_call_with_kwargs", "_call_with_kwargs_async"]
    )
    compute_score = get_custom_reward_fn(compose_ppo_trainer(overrides))
    for line in sys.stdin:
        item = json.loads(line)
        ground_truth = {"target": np.int64(item["target"]), "numbers": np.array(item["numbers"], dtype=np.int64)}
        extra_info = {"split": "test", "index": 0, "num_turns": None, "rollout_reward_scores": {}}
        result = compute_score(data_source="countdown", solution_str=item["response"], ground_truth=ground_truth, extra_info=extra_info)
        sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
