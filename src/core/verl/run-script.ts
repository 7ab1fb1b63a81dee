// run.sh of an exported veRL job: the whole override list, with the job's
// files found beside the script wherever the folder is copied to.
import type { ResolvedConfig } from '../spec/config';
import { hydraArg, isJobPath, type HydraValue, type Override } from './hydra';
import { FILE_LOGGER_ENV, JOB_FILES, jobOverrides } from './job';

/** The file logger's file in an exported job; run.sh moves an earlier one aside, since veRL truncates it. */
export const EXPORT_LOG_FILE = `${JOB_FILES.logs}/verl.jsonl`;

// Stands for the job folder while an argument is rendered, then becomes `$HERE`.
const ROOT = '\u0000HERE\u0000';

const hasPath = (value: HydraValue): boolean => isJobPath(value) || (Array.isArray(value) && value.some(hasPath));

/** Text inside a bash double-quoted word: `\ " $ \`` escaped. */
const inDoubleQuotes = (text: string): string => text.replace(/[\\"$`]/g, (c) => `\\${c}`);

/** A bash word for a literal string. */
export function bashQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A bash word for an override; one with job paths expands `$HERE`. */
function bashArg(override: Override): string {
  const arg = hydraArg(override, ROOT);
  if (!hasPath(override.value)) return bashQuote(arg);
  return `"${inDoubleQuotes(arg).replaceAll(ROOT, '$HERE')}"`;
}

export interface RunScriptFacts {
  version: string;
  trainRows: number;
  testRows: number;
  promptLength: number;
}

export function renderRunScript(config: ResolvedConfig, facts: RunScriptFacts): string {
  const args = [...jobOverrides(config, facts.promptLength, EXPORT_LOG_FILE).map(bashArg), ...config.engine.overrides.map(bashQuote), '"$@"'];
  return [
    '#!/usr/bin/env bash',
    `# veRL job "${config.name}", exported by Reasoning Lab ${facts.version} (rlab export verl).`,
    '# On a machine with veRL (pip install "verl[vllm]"): bash run.sh [more Hydra overrides]',
    `# train.parquet: ${facts.trainRows} problems, test.parquet: ${facts.testRows}; reward: ${JOB_FILES.reward}.`,
    `# Logs: ${EXPORT_LOG_FILE} (veRL's file logger), ${JOB_FILES.rollouts}/ and ${JOB_FILES.validation}/ (samples), ${JOB_FILES.checkpoints}/.`,
    'set -euo pipefail',
    'HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    `mkdir -p "$HERE/${JOB_FILES.logs}"`,
    "# veRL's file logger truncates its file when it starts: keep an earlier run's log.",
    `if [ -f "$HERE/${EXPORT_LOG_FILE}" ]; then mv "$HERE/${EXPORT_LOG_FILE}" "$HERE/${JOB_FILES.logs}/verl-$(date +%Y%m%d-%H%M%S).jsonl"; fi`,
    `export ${FILE_LOGGER_ENV}="$HERE/${EXPORT_LOG_FILE}"`,
    `exec "\${PYTHON:-${inDoubleQuotes(config.engine.python)}}" -m verl.trainer.main_ppo \\`,
    ...args.map((a, i) => `  ${a}${i < args.length - 1 ? ' \\' : ''}`),
    '',
  ].join('\n');
}
