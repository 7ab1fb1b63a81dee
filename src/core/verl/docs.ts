// docs/verl.md, generated from the mapping tables (`npm run docs:verl`); a
// unit test fails when the committed file is stale.
import type { MetricName } from '../protocol/records';
import { METRICS } from '../protocol/metrics';
import { resolveSpec } from '../spec/resolve';
import { BLOCKS, SETTINGS } from '../spec/schema';
import { hydraArg } from './hydra';
import { JOB_FILES, jobOverrides } from './job';
import { MAPPINGS, PROBLEMS_UNSUPPORTED, mappedOverrides, type FieldMapping } from './mapping';
import { VERL_METRICS, type MetricSource } from './metric-names';

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function mappingCell(m: FieldMapping): string {
  if (m.unsupported) return `refused: ${m.unsupported}`;
  const parts = [m.verl];
  if (m.note) parts.push(m.note);
  return parts.join(' — ');
}

function keyRows(): string[] {
  const rows = ['| key | veRL | refused when |', '|---|---|---|'];
  const row = (key: string, m: FieldMapping) => {
    const refusal = m.unsupported ? 'written' : (m.reject?.when ?? '—');
    rows.push(`| \`${key}\` | ${cell(mappingCell(m))} | ${refusal} |`);
  };
  for (const s of SETTINGS) row(s.key, MAPPINGS['']![s.key]!);
  for (const block of BLOCKS) {
    if (block.problemLines) {
      rows.push(`| \`${block.name} { }\` lines | — | refused: ${cell(PROBLEMS_UNSUPPORTED)} |`);
      continue;
    }
    block.keys.forEach((k, i) => row(`${block.name}.${k.key}`, MAPPINGS[block.name]![block.fields[i]!]!));
  }
  return rows;
}

function sourceCell(s: MetricSource): string {
  if (s.from === 'verl') return s.doc;
  if (s.from === 'samples') return `rollout samples: ${s.doc}`;
  return s.doc;
}

/** The overrides every job gets whatever its spec says, shown with the job folder as `$JOB`. */
function fixedOverrides(): string[] {
  const config = resolveSpec('task { }\nengine {\n  kind verl\n  model "MODEL"\n}\n').config!;
  const mapped = new Set(mappedOverrides(config).map((o) => o.key));
  return jobOverrides(config, 0, `${JOB_FILES.logs}/attempt-N.jsonl`)
    .filter((o) => !mapped.has(o.key) && o.key !== 'data.max_prompt_length')
    .map((o) => `- \`${hydraArg(o, '$JOB')}\``);
}

export function renderVerlDoc(): string {
  return [
    '<!-- Generated from src/core/verl/mapping.ts and metric-names.ts by `npm run docs:verl`; do not edit by hand. -->',
    '# Scale out: the same spec on veRL',
    '',
    'With `engine { kind verl }` a `.countdown` spec trains a pretrained language model with',
    '[veRL](https://github.com/volcengine/verl) (0.9.x) on GPUs, through Ray. Start Training in VS Code and',
    '`rlab train` run it like any run: the run folder gets `run.json`, `metrics.jsonl`, `eval.jsonl`,',
    '`traces.jsonl`, `alerts.jsonl` and `trainer.log`, so the runs view, the dashboard, alerts and compare',
    'work unchanged, and a veRL run compares with a local one side by side.',
    '',
    '```countdown',
    'engine {',
    '  kind             verl',
    '  model            "Qwen/Qwen2.5-3B"   # a Hugging Face id, or a local model folder',
    '  gpus             2                   # per node; nodes 1',
    '  tensor-parallel  2                   # rollout engine tensor parallelism (default: gpus)',
    '  rollout          vllm                # or sglang',
    '  ray              ""                  # empty: a local Ray; or "http://head:8265"',
    '  python           "python3"           # the Python that has veRL',
    '  overrides        "critic.model.enable_gradient_checkpointing=True"',
    '}',
    '```',
    '',
    '`examples/tinyzero-verl.countdown` is TinyZero’s Countdown run (Qwen2.5-3B, PPO with a critic, KL in the',
    'reward, two GPUs).',
    '',
    '## What a run does',
    '',
    '1. **Export.** The run folder gets `verl/`, the job `rlab export verl SPEC --out DIR` writes on its own:',
    '   `train.parquet` and `test.parquet` from our generator in TinyZero’s row schema (`data_source`,',
    '   `prompt` as a one-message chat, `ability`, `reward_model {style, ground_truth {target, numbers}}`,',
    '   `extra_info {split, index}`), `countdown_reward.py` (our strict verifier in Python, no `eval`: the same',
    '   verdicts and scores as `src/core/countdown/verifier.ts`), `run.sh` with the complete override list, and',
    '   `job.json`.',
    '2. **Preflight.** One message per problem, before anything starts: the Python and its `verl` module,',
    '   torch’s GPU count against `gpus`, the rollout engine’s module, a model folder that is not there; with',
    '   `ray` set, whether the Ray dashboard answers (the cluster’s own Python and GPUs are the job’s to check).',
    '3. **Launch.** Locally, `python -m verl.trainer.main_ppo OVERRIDES` as a child process in its own process',
    '   group; with `ray` set, a submission to the Ray Jobs REST API (`POST /api/jobs/`), whose status and logs',
    '   are polled. The job’s output goes to `trainer.log` as `[verl]` lines; `run.json` gets `backend.verl`',
    '   and `job` (engine, id, command, Ray address, attempt).',
    '4. **Bridge.** veRL’s file logger (one JSON line per step) and its rollout and validation dumps become our',
    '   records; a step is written once its dumps are complete. The table below maps the metric names; veRL’s',
    '   other metrics are kept in each step record under `engineMetrics`, by their veRL names.',
    '5. **Stop and resume.** Stop ends the job (Ray’s stop, or SIGTERM then SIGKILL to its process group) and',
    '   the run is `stopped`; veRL checkpoints at every evaluation (`save_freq` = `every`), in `verl/checkpoints`.',
    '   Resume starts a new attempt with veRL’s own resume (`trainer.resume_mode=auto`) from its newest',
    '   checkpoint; our records after that step are dropped first, as the local engine does. Each attempt logs to',
    '   a fresh `verl/logs/attempt-N.jsonl`, since veRL’s file logger truncates its file when it starts; when',
    '   Ray restarts the trainer within an attempt, the bridge sees the file start over and rewinds the run to',
    '   the checkpoint the trainer resumes from.',
    '',
    'A job on a Ray cluster writes its logs, dumps and checkpoints into the run folder by absolute path, so the',
    'cluster’s nodes must see that folder (a shared file system, as when VS Code runs on the head node through',
    'Remote-SSH). Otherwise export the job, copy it to the cluster and run `run.sh` there by hand. A cluster with',
    'token authentication (`RAY_AUTH_MODE=token`) gets its token where Ray’s own clients look: `RAY_AUTH_TOKEN`, the',
    'file `RAY_AUTH_TOKEN_PATH` names, or `~/.ray/auth_token`.',
    '',
    '## Every spec key on veRL',
    '',
    'A key maps to Hydra overrides, or to the exported data; a key with no meaning on veRL is an error when it',
    'is written (its default is ignored), and so is a value veRL cannot run. `rlab check` and the editor report',
    'them like every other spec error.',
    '',
    ...keyRows(),
    '',
    'Every job also gets these overrides (`$JOB` is the job folder, `verl/` of the run):',
    '',
    ...fixedOverrides(),
    '- `data.max_prompt_length=N`: the longest prompt of the job in characters, a bound on its length in',
    '  tokens.',
    '',
    'The spec’s own `overrides` come last, so they win. A Hydra override of a key veRL does not have fails the',
    'job at its start, with Hydra’s message in `trainer.log`.',
    '',
    '## veRL’s metrics in our names',
    '',
    '| ours | label | from veRL |',
    '|---|---|---|',
    ...(Object.entries(VERL_METRICS) as [MetricName, MetricSource][]).map(([name, s]) => `| \`${name}\` | ${METRICS[name].label} | ${cell(sourceCell(s))} |`),
    '',
    'Evaluations come from the validation dumps: veRL samples `samples` completions per test problem at the',
    'eval `temperature` (greedy at 0), so pass@1 is their mean accuracy and pass@k whether any is right;',
    '`lengthMean` of an evaluation is in characters (the dumps hold text). The evaluation of step 0 is veRL’s',
    'validation before training. Traces: the first sample of each prompt of every step, and every validation',
    'sample, with our prompt text, veRL’s reward and our verifier’s verdict; veRL’s dumps do not say which',
    'completions were cut off, so traces of a veRL run are never marked truncated (the step’s share is',
    '`truncatedRate`).',
    '',
  ].join('\n');
}
