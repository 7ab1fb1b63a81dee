// The commented spec "New Countdown Experiment" writes: small enough to train
// on a laptop CPU in minutes, with every block a newcomer needs to see, and
// RL on the measured recipe (the rl block's defaults, docs/rl-experiments.md).
export function starterSpec(name: string): string {
  return `# A Countdown experiment: teach a tiny model to reach a target number from a
# few given numbers with + - * /, first from search traces, then with RL.
# Hover any key for its documentation; the "Train" lens above starts a run.
# examples/quickstart.countdown is the 25-minute run in which RL visibly lifts
# held-out accuracy; this one is smaller, to look around in a few minutes.
name "${name.replace(/["\\]/g, '')}"

task {
  numbers    3            # numbers per problem (or a range: 3..4)
  values     1..50        # each given number
  target     10..100
  operators  + - * /
  train      2000         # distinct solvable problems
  test       100          # frozen held-out problems for evaluation
  seed       1
}

model {
  preset  nano            # the smallest model: minutes on a CPU
}

pretrain {
  traces  dfs             # the base model first learns from search traces
  steps   200
  batch   16
  lr      1e-3
}

rl {
  algorithm    grpo       # group-relative advantages, as in DeepSeek-R1-Zero
  steps        30
  max-tokens   160
  eval-every   10         # evaluate (and checkpoint) every 10 RL steps
  # the rest is the measured recipe: 16 prompts x 16 samples, lr 1e-4 after 10
  # warm-up steps, dynamic sampling, truncated completions masked (hover a key)
}

eval {
  samples  4              # pass@4
  limit    25             # test problems per evaluation (0: all of them)
}

problems {
  12 3 4 -> 16            # hover a problem to see whether it can be solved
}
`;
}
