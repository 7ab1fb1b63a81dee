"""Composes veRL's ppo_trainer config with the overrides given as a JSON list on
stdin, then prints the values of the keys named on the command line as one JSON
object. Exits 1 with Hydra's message when an override does not fit the config."""

import json
import sys

from omegaconf import Container, OmegaConf

from verl_config import compose_ppo_trainer


def main():
    overrides = json.load(sys.stdin)
    try:
        cfg = compose_ppo_trainer(overrides)
    except Exception as e:  # Hydra's errors say which override and why
        sys.stderr.write(f"{type(e).__name__}: {e}\n")
        sys.exit(1)
    values = {}
    for key in sys.argv[1:]:
        # select() resolves a value; a container is resolved once, here.
        value = OmegaConf.select(cfg, key, throw_on_missing=True)
        values[key] = OmegaConf.to_container(value, resolve=True) if isinstance(value, Container) else value
    json.dump(values, sys.stdout)


if __name__ == "__main__":
    main()
