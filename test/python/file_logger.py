"""Writes veRL's file-logger JSONL through veRL's own Tracking class (backend
`file`, path from VERL_FILE_LOGGER_PATH as in a job): one log() per stdin line
{"step": N, "data": {...}}, numpy scalars as the trainer hands them over."""

import json
import sys

import numpy as np

from verl_code import verl_module


def main():
    tracking = verl_module("verl.utils.tracking")
    logger = tracking.Tracking(project_name="reasoning-lab", experiment_name="test", default_backend=["file"])
    for line in sys.stdin:
        item = json.loads(line)
        data = {k: (np.float32(v) if isinstance(v, float) else v) for k, v in item["data"].items()}
        logger.log(data=data, step=item["step"])
        sys.stdout.write(f"logged {item['step']}\n")
        sys.stdout.flush()
    logger.finish()


if __name__ == "__main__":
    main()
