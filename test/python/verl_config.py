"""veRL's trainer config (verl/trainer/config/ppo_trainer.yaml) composed by Hydra
with overrides, as `python -m verl.trainer.main_ppo OVERRIDES` composes it."""

from hydra import compose, initialize_config_dir

from verl_code import config_dir


def compose_ppo_trainer(overrides):
    """The composed config; an override of a key veRL does not have raises Hydra's error."""
    with initialize_config_dir(config_dir=config_dir(), version_base=None):
        return compose(config_name="ppo_trainer", overrides=list(overrides))
