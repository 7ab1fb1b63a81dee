// `npm run bench:trainer`: training tokens/s, sampling tokens/s (KV cache and
// without) and peak RSS of the engine's transformer for the nano and tiny
// presets on the backend it finds, against the identical architecture in
// PyTorch on CPU (bench/peer/gpt_peer.py: Debian's torch and PyPI's, each where
// it imports; bench/peer/peers.ts), with ratios; then
// one `small` training step at batch 32 in micro-batches to show it fits in
// memory. Each measurement runs in its own process so its peak RSS is its own;
// each figure is the best of a few runs, on both sides, since other work on a
// shared machine only ever slows a run down.
// JSON goes to bench/results/trainer.json.
//
// Then the matrix-product peak of each side (a square product, and one of the
// model's own shapes), against which the training line's GFLOP/s (flops.ts)
// say how close each side runs to its limit.
//
// Options: --presets nano,tiny  --device auto  --batch 32  --micro 8  --seq 256
//          --steps 3  --sample-batch 64  --small-micro 4  --no-peer  --peers debian,pypi  --no-small
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/trainer/backend';
import { Gpt } from '../src/trainer/model/gpt';
import { tokenLogProbs } from '../src/trainer/model/logprobs';
import { sample } from '../src/trainer/model/sampler';
import { Tokenizer } from '../src/trainer/model/tokenizer';
import { AdamW } from '../src/trainer/optim/adamw';
import { accumulateGradients } from '../src/trainer/optim/accumulate';
import { clipGradNorm } from '../src/trainer/optim/clip';
import { presetShape } from '../src/core/spec/schema';
import type { Device, ModelPreset } from '../src/core/spec/config';
import type { BackendInfo } from '../src/core/protocol/records';
import { Rng } from '../src/trainer/rng';
import { TRAINING_FLOPS_PER_FORWARD, sequenceForwardFlops } from './flops';
import { PEER_HELP, type Peer, findPeers, peerThreads } from './peer/peers';

const root = resolve(__dirname, '..');

interface Job {
  preset: ModelPreset;
  device: Device;
  batch: number;
  micro: number;
  seq: number;
  steps: number;
  sampleBatch: number;
  prompt: number;
  newTokens: number;
  nocacheTokens: number;
  trainOnly: boolean;
}

interface Measured {
  params: number;
  trainTokensPerSec: number;
  sampleCachedTokensPerSec: number | null;
  sampleUncachedTokensPerSec: number | null;
  peakRssMb: number;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Fastest of `repeats` runs, in seconds: on a shared machine the fastest run is the least disturbed one. */
async function best(repeats: number, work: () => Promise<void> | void): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await work();
    fastest = Math.min(fastest, (performance.now() - start) / 1000);
  }
  return fastest;
}

/** One measurement, in this process: the worker side. */
async function measure(job: Job): Promise<Measured & { backend: BackendInfo }> {
  const backend = await selectBackend(job.device);
  const tokenizer = new Tokenizer();
  const vocab = tokenizer.vocabSize;
  const model = new Gpt({ preset: job.preset, ...presetShape(job.preset), positions: 'learned', valueHead: false }, vocab, 1);
  const optimizer = new AdamW(model.variables);
  const rng = Rng.seeded(7);
  const rows = Array.from({ length: job.batch }, () => Array.from({ length: job.seq + 1 }, () => rng.int(6, vocab - 1)));
  const micro = (i: number) => rows.slice(i * job.micro, (i + 1) * job.micro);
  const inputs = Array.from({ length: job.batch / job.micro }, (_, i) => ({
    ids: tf.tensor2d(micro(i).map((r) => r.slice(0, -1)), [job.micro, job.seq], 'int32'),
    targets: tf.tensor2d(micro(i).map((r) => r.slice(1)), [job.micro, job.seq], 'int32'),
  }));
  const trainStep = () => {
    const { grads } = accumulateGradients(model.variables, inputs.length, (i) =>
      tf.tidy(() => tf.neg(tf.mean(tokenLogProbs(model, inputs[i]!.ids, inputs[i]!.targets))) as tf.Scalar),
    );
    clipGradNorm(grads, 1);
    optimizer.apply(grads, 1e-3);
    tf.dispose([...grads.values()]);
  };
  trainStep(); // warm-up
  const train = await best(job.steps, trainStep);
  let cached: number | null = null;
  let uncached: number | null = null;
  if (!job.trainOnly) {
    const prompts = Array.from({ length: job.sampleBatch }, () => Array.from({ length: job.prompt }, () => rng.int(6, vocab - 1)));
    const options = { maxNewTokens: job.newTokens, temperature: 1, topK: 0, topP: 1, greedy: false, seed: 1, stopTokens: [] };
    await sample(model, prompts, options); // warm-up
    cached = await best(2, async () => void (await sample(model, prompts, options)));
    uncached = await best(2, () => {
      const ids = prompts.map((p) => [...p]);
      for (let step = 0; step < job.nocacheTokens; step++) {
        const batch = tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32');
        const { logits, cache } = model.extend(batch, null, null);
        const last = tf.argMax(logits, 1);
        const next = last.dataSync();
        tf.dispose([batch, logits, last, ...cache.keys, ...cache.values]);
        ids.forEach((row, r) => row.push(next[r]!));
      }
    });
  }
  return {
    backend,
    params: model.paramCount(),
    trainTokensPerSec: (job.batch * job.seq) / train,
    sampleCachedTokensPerSec: cached === null ? null : (job.sampleBatch * job.newTokens) / cached,
    sampleUncachedTokensPerSec: uncached === null ? null : (job.sampleBatch * job.nocacheTokens) / uncached,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** The products the peak probe times: a square one, and [rows, width]·[width, 4·width] as in tiny's MLP. */
interface ProductShapes {
  square: number;
  model: [number, number, number];
}

/** GFLOP/s of each probe product on the backend this process selects: the fastest of several runs. */
async function measureProducts(device: Device, shapes: ProductShapes): Promise<{ square: number; model: number }> {
  await selectBackend(device);
  const rate = async ([m, k, n]: [number, number, number]) => {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const product = () => tf.matMul(a, b).dispose(); // synchronous on WASM and the CPU backend
    product(); // warm-up: weights packed, memory grown
    const seconds = await best(m * k * n > 1e8 ? 10 : 40, product); // small products vary with thread wake-ups: more runs
    tf.dispose([a, b]);
    return (2 * m * k * n) / seconds / 1e9;
  };
  return { square: await rate([shapes.square, shapes.square, shapes.square]), model: await rate(shapes.model) };
}

/** Runs a worker job in a fresh process (so peak RSS and the WASM heap are its own). */
function worker<T>(flag: string, job: unknown): T | { error: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/trainer.ts'), flag, JSON.stringify(job)], {
    encoding: 'utf8',
    cwd: root,
    timeout: 600_000,
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    return { error: `exit ${run.status ?? run.signal}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  }
  return JSON.parse(line);
}

function peer({ name, python }: Peer, job: Job): (Measured & { torch: string }) | { error: string } {
  const threads = peerThreads(name);
  const shape = presetShape(job.preset);
  const args = [
    join(root, 'bench/peer/gpt_peer.py'),
    ...Object.entries({
      vocab: new Tokenizer().vocabSize, layers: shape.layers, width: shape.width, heads: shape.heads, context: shape.context,
      batch: job.batch, seq: job.seq, steps: job.steps, 'sample-batch': job.sampleBatch, prompt: job.prompt,
      'new-tokens': job.newTokens, 'nocache-tokens': job.nocacheTokens, threads: threads.torch,
    }).flatMap(([k, v]) => [`--${k}`, String(v)]),
  ];
  return runPeer(python, args, threads.env);
}

function peerProducts({ name, python }: Peer, shapes: ProductShapes): { square: number; model: number } | { error: string } {
  const threads = peerThreads(name);
  return runPeer(python, [join(root, 'bench/peer/gpt_peer.py'), '--products', JSON.stringify(shapes), String(threads.torch)], threads.env);
}

/** The last line of a peer script's output as JSON, or its error. */
function runPeer<T>(python: string, args: string[], env: NodeJS.ProcessEnv): T | { error: string } {
  const run = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000, env });
  if (run.status !== 0) return { error: run.stderr.trim().split('\n').slice(-2).join(' | ') };
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

const fmt = (n: number | null | undefined, digits = 0) =>
  (n == null ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Number((a / b).toFixed(3)) : null);

async function main(): Promise<void> {
  const workerAt = process.argv.indexOf('--worker');
  if (workerAt >= 0) {
    console.log(JSON.stringify(await measure(JSON.parse(process.argv[workerAt + 1]!) as Job)));
    return;
  }
  const productsAt = process.argv.indexOf('--products');
  if (productsAt >= 0) {
    const { device, shapes } = JSON.parse(process.argv[productsAt + 1]!) as { device: Device; shapes: ProductShapes };
    console.log(JSON.stringify(await measureProducts(device, shapes)));
    return;
  }
  const base = {
    device: option('device', 'auto') as Device,
    batch: Number(option('batch', '32')),
    micro: Number(option('micro', '8')),
    seq: Number(option('seq', '256')),
    steps: Number(option('steps', '3')),
    // The default RL rollout: 8 prompts x 8 completions.
    sampleBatch: Number(option('sample-batch', '64')),
    prompt: 24,
    newTokens: 128,
    nocacheTokens: 32,
    trainOnly: false,
  };
  if (base.batch % base.micro !== 0) throw new Error(`--batch ${base.batch} must be a multiple of --micro ${base.micro}`);
  const presets = option('presets', 'nano,tiny').split(',') as ModelPreset[];
  const peers = process.argv.includes('--no-peer') ? [] : findPeers(option('peers', 'debian,pypi').split(','));
  console.log(peers.length ? `peers: ${peers.map((p) => `${p.name} (${p.python})`).join(', ')}` : `peers: none import torch (${PEER_HELP})`);

  const results: Record<string, unknown>[] = [];
  for (const preset of presets) {
    const job = { ...base, preset };
    const ours = worker<Measured & { backend: BackendInfo }>('--worker', job);
    const theirs = peers.map((p) => ({ name: p.name, result: peer(p, job) }));
    const row: Record<string, unknown> = { preset, engine: ours, peers: Object.fromEntries(theirs.map((t) => [t.name, t.result])) };
    if (!('error' in ours)) {
      row.ratios = Object.fromEntries(theirs.flatMap(({ name, result }) => ('error' in result ? [] : [[name, {
        train: ratio(ours.trainTokensPerSec, result.trainTokensPerSec),
        sampleCached: ratio(ours.sampleCachedTokensPerSec, result.sampleCachedTokensPerSec),
        sampleUncached: ratio(ours.sampleUncachedTokensPerSec, result.sampleUncachedTokensPerSec),
      }]])));
    }
    results.push(row);
    if ('error' in ours) {
      console.log(`${preset}: engine failed: ${ours.error}`);
      continue;
    }
    const b = ours.backend;
    console.log(`\n${preset}: ${ours.params.toLocaleString('en-US')} parameters; backend ${b.name}, ${b.threads} thread(s), SIMD ${b.simd ? 'on' : 'off'}`);
    console.log(`                     engine ${theirs.map((t) => `${t.name.padStart(10)}      ratio`).join(' ')}`);
    const line = (label: string, pick: (m: Measured) => number | null, digits = 0) => {
      const a = pick(ours);
      const cells = theirs.map(({ result }) => {
        const c = 'error' in result ? null : pick(result);
        return `${fmt(c, digits).padStart(10)} ${(ratio(a, c) === null ? '-' : `${ratio(a, c)}x`).padStart(10)}`;
      });
      console.log(`  ${label.padEnd(17)} ${fmt(a, digits).padStart(9)} ${cells.join(' ')}`);
    };
    line('train tok/s', (m) => m.trainTokensPerSec);
    // Useful work per trained token of a seq-long sequence (flops.ts), the same on both sides.
    const shape = { ...presetShape(preset), vocab: new Tokenizer().vocabSize };
    const trainFlopsPerToken = (TRAINING_FLOPS_PER_FORWARD * sequenceForwardFlops(shape, base.seq)) / base.seq;
    line('train GFLOP/s', (m) => (m.trainTokensPerSec * trainFlopsPerToken) / 1e9, 1);
    line('sample KV tok/s', (m) => m.sampleCachedTokensPerSec);
    line('sample full tok/s', (m) => m.sampleUncachedTokensPerSec);
    line('peak RSS MB', (m) => m.peakRssMb);
    for (const t of theirs) if ('error' in t.result) console.log(`  peer ${t.name} failed: ${t.result.error}`);
  }

  // The matrix-product peak of each side, in processes of their own.
  const shapes: ProductShapes = { square: 1024, model: [base.micro * base.seq, presetShape('tiny').width, 4 * presetShape('tiny').width] };
  const products = {
    shapes,
    engine: worker<{ square: number; model: number }>('--products', { device: base.device, shapes }),
    peers: Object.fromEntries(peers.map((p) => [p.name, peerProducts(p, shapes)])),
  };
  const [m, k, n] = shapes.model;
  console.log(`\nmatrix products, GFLOP/s (fastest of 10 or 40 runs): ${shapes.square}² by ${shapes.square}², and [${m}, ${k}] by [${k}, ${n}] (tiny's MLP)`);
  for (const [name, result] of [['engine', products.engine], ...Object.entries(products.peers)] as const) {
    console.log(`  ${name.padEnd(8)} ${'error' in result ? `failed: ${result.error}` : `${fmt(result.square, 1).padStart(7)} ${fmt(result.model, 1).padStart(7)}`}`);
  }

  let small: unknown = null;
  if (!process.argv.includes('--no-small')) {
    const job = { ...base, preset: 'small' as ModelPreset, micro: Number(option('small-micro', '4')), steps: 1, trainOnly: true };
    const result = worker<Measured & { backend: BackendInfo }>('--worker', job);
    small = { batch: job.batch, micro: job.micro, seq: job.seq, ...result };
    console.log(
      'error' in result
        ? `\nsmall at batch ${job.batch}: FAILED (${result.error})`
        : `\nsmall (${result.params.toLocaleString('en-US')} parameters) at batch ${job.batch} in micro-batches of ${job.micro} x ${job.seq}: ` +
            `${fmt(result.trainTokensPerSec)} tok/s, peak RSS ${fmt(result.peakRssMb)} MB`,
    );
  }
  const out = join(root, 'bench/results/trainer.json');
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  // `matmul` is what bench:rl-step reads: the square product's peak of each side that measured one.
  const peaks = Object.entries(products.peers).flatMap(([name, r]) => ('error' in r ? [] : [[name, r.square] as const]));
  const matmul = 'error' in products.engine ? null : { size: shapes.square, engine: products.engine.square, peers: Object.fromEntries(peaks) };
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), settings: base, results, products, matmul, small }, null, 2)}\n`);
  console.log(`\nwritten to ${out} (figures from a shared 2-core machine: other work running alongside skews them)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
