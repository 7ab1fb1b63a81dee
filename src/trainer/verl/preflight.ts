// Checks, before a veRL job starts, what can be checked from here: the Python
// and its veRL, torch's GPUs and the rollout engine (for a local job), the
// model, and the Ray cluster (for a submitted job). Every problem is one
// message that says what to do; the run starts only without any.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineConfig } from '../../core/spec/config';
import { RayJobsClient } from './ray-jobs';

/** Run by the job's Python: prints one JSON object of what it has, never raises. */
const PROBE = String.raw`
import importlib, json, sys
out = {"python": sys.version.split()[0], "executable": sys.executable}
def probe(name, what):
    try:
        module = importlib.import_module(name)
        out[name] = what(module)
    except BaseException as e:
        out[name + "_error"] = f"{type(e).__name__}: {e}"
probe("verl", lambda m: getattr(m, "__version__", "unknown"))
probe("torch", lambda m: {"version": m.__version__, "gpus": m.cuda.device_count() if m.cuda.is_available() else 0})
for name in sys.argv[1:]:
    probe(name, lambda m: getattr(m, "__version__", "unknown"))
print(json.dumps(out))
`;

export interface PythonFacts {
  python: string;
  executable: string;
  verl?: string;
  verl_error?: string;
  torch?: { version: string; gpus: number };
  torch_error?: string;
  [module: string]: unknown;
}

/** Runs the probe with the job's Python; rejects when it cannot run at all. */
function probePython(python: string, modules: string[], env: NodeJS.ProcessEnv): Promise<PythonFacts> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', PROBE, ...modules], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? `Python \`${python}\` was not found: set \`python\` in the engine block to the interpreter that has veRL (pip install "verl[vllm]")`
            : `cannot run Python \`${python}\`: ${e.message}`,
        ),
      ),
    );
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PythonFacts);
      } catch {
        reject(new Error(`Python \`${python}\` did not run the check (exit code ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`));
      }
    });
  });
}

/** A model given as a path (absolute, relative or ~) rather than a Hugging Face id. */
function modelPath(model: string): string | null {
  if (model.startsWith('~')) return path.join(os.homedir(), model.slice(1));
  if (path.isAbsolute(model) || model.startsWith('./') || model.startsWith('../')) return path.resolve(model);
  return null;
}

export interface Preflight {
  problems: string[];
  /** What was found, for trainer.log and run.json's versions. */
  facts: string[];
  versions: Record<string, string>;
}

/**
 * Every problem that would stop the job, each one message. `standIn`: the job
 * is a test's stand-in for veRL's trainer, so veRL, torch's GPUs and the
 * rollout engine are not asked for.
 */
export async function preflight(engine: EngineConfig, env: NodeJS.ProcessEnv, standIn = false): Promise<Preflight> {
  const problems: string[] = [];
  const facts: string[] = [];
  const versions: Record<string, string> = {};
  const local = modelPath(engine.model);
  if (local && !fs.existsSync(path.join(local, 'config.json'))) {
    problems.push(`the model ${engine.model} is not a Hugging Face model folder (no config.json in ${local}): set \`model\` to a local model folder or a Hugging Face id such as "Qwen/Qwen2.5-3B"`);
  }
  if (engine.ray) {
    try {
      const version = await new RayJobsClient(engine.ray).version();
      versions.ray = version;
      facts.push(`Ray ${version} at ${engine.ray}`);
    } catch (e) {
      problems.push((e as Error).message);
    }
    // The job's Python, GPUs and rollout engine are the cluster's: Ray reports them when the job starts.
    return { problems, facts, versions };
  }
  let python: PythonFacts;
  try {
    python = await probePython(engine.python, [engine.rollout], env);
  } catch (e) {
    problems.push((e as Error).message);
    return { problems, facts, versions };
  }
  versions.python = python.python;
  facts.push(`Python ${python.python} (${python.executable})`);
  if (standIn) return { problems, facts, versions };
  if (python.verl_error) {
    problems.push(`${python.executable} cannot import veRL (${python.verl_error}): install it there (pip install "verl[${engine.rollout}]") or set \`python\` in the engine block to a Python that has it`);
  } else {
    versions.verl = String(python.verl);
    facts.push(`veRL ${python.verl}`);
  }
  const gpus = python.torch?.gpus ?? 0;
  if (python.torch) facts.push(`torch ${python.torch.version} sees ${gpus} GPU(s)`);
  if (gpus < engine.gpus) {
    problems.push(
      `the job asks for ${engine.gpus} GPU(s) per node (\`gpus\`) but ${python.torch_error ? `torch does not load (${python.torch_error})` : `torch sees ${gpus} on this machine`}: lower \`gpus\`, or set \`ray\` to a cluster that has them`,
    );
  }
  if (python[`${engine.rollout}_error`]) {
    problems.push(`${python.executable} cannot import ${engine.rollout}, the rollout engine (\`rollout\`): ${python[`${engine.rollout}_error`]}; install it (pip install "verl[${engine.rollout}]") or pick another \`rollout\``);
  }
  return { problems, facts, versions };
}
