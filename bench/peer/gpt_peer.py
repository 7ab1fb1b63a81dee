"""PyTorch peer of the engine's transformer for `npm run bench:trainer` and
`npm run bench:rl-step`.

The same architecture as src/trainer/model/gpt.ts: token embedding plus learned
positions (or rotary positions, rotate-half within each head), pre-norm blocks
(LayerNorm with bias, bias-free linears, causal multi-head attention, tanh-GELU
MLP), final LayerNorm, head tied to the token embedding.

Default mode (bench:trainer): training tokens/s (AdamW, batch x seq), sampling
tokens/s with a key/value cache and without one, and peak RSS; prints one JSON
object. Debian's torch runs fastest with 1 torch thread (--threads) and
OPENBLAS_NUM_THREADS=2 on 2 cores; PyPI's with its own threads on every core.

`--rl-step JOB.json THREADS` (bench:rl-step): one GRPO step on the job's prompts and
completion lengths, timed in parts: rollout (KV-cache sampling into a
preallocated cache; a row that reaches its length leaves the batch), reference
log-probs and the policy update (forward, backward, AdamW) over micro-batches
bucketed by length (sorted, each padded only to its own longest), and an
evaluation (greedy plus sampled rows). Prints one JSON object of seconds per part.

`--products SHAPES.json THREADS` (bench:trainer): GFLOP/s of a square matrix
product and of one of the model's shapes, the fastest of several runs: the peak the
training figures are measured against.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


ROTARY_BASE = 10000.0


def rotary_tables(context, hd):
    """cos and sin [context, hd] for rotate-half rotary positions, as gpt.ts builds them."""
    inv = 1.0 / (ROTARY_BASE ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    angles = torch.arange(context, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cat([angles.cos(), angles.cos()], 1).float(), torch.cat([angles.sin(), angles.sin()], 1).float()


def rotate(x, cos, sin):
    """x [B, H, T, hd] at positions whose tables are cos, sin [B or 1, 1, T, hd]."""
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.c_attn = nn.Linear(width, 3 * width, bias=False)
        self.c_proj = nn.Linear(width, width, bias=False)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width, bias=False)
        self.mlp_proj = nn.Linear(4 * width, width, bias=False)

    def forward(self, x, cache=None):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (m.view(b, t, self.heads, hd).transpose(1, 2) for m in (q, k, v))
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        if t > 1:
            length = k.shape[2]
            mask = torch.ones(t, length, dtype=torch.bool).tril(length - t)
            scores = scores.masked_fill(~mask, float("-inf"))
        y = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


    def attend(self, x, cos, sin, mask, cache=None, position=0):
        """The block with rotary positions: mask is additive [B or 1, 1, T, L] (None: causal over T);
        cache (keys, values [B, H, capacity, hd]) gets the chunk at `position` and is attended up to it."""
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (m.view(b, t, self.heads, hd).transpose(1, 2) for m in (q, k, v))
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if cache is not None:
            cache[0][:, :, position:position + t] = k
            cache[1][:, :, position:position + t] = v
            k, v = cache[0][:, :, :position + t], cache[1][:, :, :position + t]
        y = attention(q, k, v, mask)
        x = x + self.c_proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


def attention(q, k, v, mask):
    """softmax(q·kᵀ/√hd + mask)·v; mask None means causal. PyTorch 2's fused kernel where it exists."""
    if hasattr(F, "scaled_dot_product_attention"):
        if mask is None:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is None:
        t = q.shape[2]
        scores = scores.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float("-inf"))
    else:
        scores = scores + mask
    return F.softmax(scores, dim=-1) @ v


class Gpt(nn.Module):
    def __init__(self, vocab, layers, width, heads, context, rotary=False):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = None if rotary else nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.tables = rotary_tables(context, width // heads) if rotary else None

    def rotary(self, ids, positions, mask=None, caches=None, position=0):
        """Logits [B, T, V] with rotary positions [B or 1, T]; see Block.attend for mask and caches."""
        cos, sin = (table[positions][:, None] for table in self.tables)
        x = self.wte(ids)
        for i, block in enumerate(self.blocks):
            x = block.attend(x, cos, sin, mask, caches[i] if caches is not None else None, position)
        return self.ln_f(x) @ self.wte.weight.t()

    def forward(self, ids, caches=None, start=0):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(start, start + t))
        for i, block in enumerate(self.blocks):
            x = block(x, caches[i] if caches is not None else None)
        return self.ln_f(x) @ self.wte.weight.t()


def best_time(work, repeats):
    """Fastest of `repeats` runs: on a shared machine the least disturbed one."""
    return best_times(work, repeats)[0]


def best_times(work, repeats):
    """Wall seconds of the fastest of `repeats` runs, and the CPU seconds of this process in it."""
    fastest = (math.inf, math.inf)
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        work()
        wall = time.perf_counter() - start
        if wall < fastest[0]:
            fastest = (wall, time.process_time() - cpu)
    return fastest


NEG = -1e9


@torch.no_grad()
def sample_rows(model, prompts, lengths, greedy, temperature=1.0):
    """Draws lengths[r] new tokens for each prompt's row with a preallocated key/value cache; a row
    that has its tokens leaves the batch (its cache rows are dropped). Prompts are left-padded and
    count positions from their first real token, as the engine's sampler does."""
    longest = max(len(p) for p in prompts)
    rows = len(prompts)
    pads = torch.tensor([longest - len(p) for p in prompts])
    ids = torch.tensor([[0] * (longest - len(p)) + p for p in prompts])
    steps = max(lengths)
    width, heads = model.wte.weight.shape[1], model.blocks[0].heads
    capacity = longest + steps
    caches = [[torch.zeros(rows, heads, capacity, width // heads) for _ in range(2)] for _ in model.blocks]
    positions = (torch.arange(longest)[None, :] - pads[:, None]).clamp(min=0)
    # A query sees keys from its row's first real token on, and none after itself.
    key_ok = torch.arange(capacity)[None, :] >= pads[:, None]
    causal = torch.ones(longest, longest, dtype=torch.bool).tril()
    sees = key_ok[:, None, None, :longest] & causal
    # A padding position sees itself alone (nothing reads it), so no row of the softmax is empty.
    sees = sees | (torch.eye(longest, dtype=torch.bool) & ~key_ok[:, None, :longest, None])
    mask = torch.where(sees, 0.0, NEG)
    logits = model.rotary(ids, positions, mask, caches, 0)[:, -1]
    live = torch.arange(rows)
    limits = torch.tensor(lengths)
    for step in range(steps):
        scaled = logits / temperature
        token = scaled.argmax(-1, keepdim=True) if greedy else torch.multinomial(F.softmax(scaled, -1), 1)
        F.log_softmax(scaled, -1).gather(1, token)
        keep = limits[live] > step + 1
        if not keep.any():
            break
        if not keep.all():
            live, token, pads, key_ok = live[keep], token[keep], pads[keep], key_ok[keep]
            caches = [[c[keep] for c in layer] for layer in caches]
        position = longest + step
        mask = torch.where(key_ok[:, None, None, :position + 1], 0.0, NEG)
        positions = (position - pads)[:, None]
        logits = model.rotary(token, positions, mask, caches, position)[:, -1]


def rl_step(job_path, threads):
    with open(job_path) as f:
        job = json.load(f)
    torch.set_num_threads(threads)
    torch.manual_seed(job["seed"])
    vocab, context = job["vocab"], job["context"]
    make = lambda: Gpt(vocab, job["layers"], job["width"], job["heads"], context, rotary=True)
    policy, reference = make(), make()
    reference.load_state_dict(policy.state_dict())
    opt = torch.optim.AdamW(policy.parameters(), lr=3e-5, betas=(0.9, 0.95), weight_decay=0.0)
    group = job["group"]
    rows = [p for p in job["prompts"] for _ in range(group)]
    lengths = job["lengths"]
    rewards = torch.tensor(job["rewards"], dtype=torch.float32).view(-1, group)
    # GRPO advantages: group z-score with the unbiased std.
    advantages = ((rewards - rewards.mean(1, keepdim=True)) / (rewards.std(1, keepdim=True) + 1e-6)).view(-1).tolist()
    budget = job["microTokens"]
    rng = torch.Generator().manual_seed(1)

    def sequence_tensors(seqs, part):
        longest = max(len(seqs[i][0]) + len(seqs[i][1]) for i in part) - 1
        ids = torch.zeros(len(part), longest, dtype=torch.long)
        targets = torch.zeros(len(part), longest, dtype=torch.long)
        mask = torch.zeros(len(part), longest)
        for r, i in enumerate(part):
            prompt, completion = seqs[i]
            full = torch.tensor(prompt + completion)
            n = len(full) - 1
            ids[r, :n], targets[r, :n] = full[:-1], full[1:]
            mask[r, len(prompt) - 1:n] = 1
        return ids, targets, mask

    def parts_of(seqs):
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i][0]) + len(seqs[i][1]), reverse=True)
        parts, part = [], []
        for i in order:
            if part and (len(part) + 1) * (len(seqs[part[0]][0]) + len(seqs[part[0]][1]) - 1) > budget:
                parts.append(part)
                part = []
            part.append(i)
        return parts + [part] if part else parts

    def log_probs(model, ids, targets):
        t = ids.shape[1]
        logits = model.rotary(ids, torch.arange(t)[None, :])
        return F.log_softmax(logits, -1).gather(2, targets[..., None])[..., 0], logits

    def rollout():
        sample_rows(policy, rows, lengths, greedy=False)
        # The tokens themselves do not matter to the timing of what follows: the same lengths do.
        return [(p, torch.randint(6, vocab, (n,), generator=rng).tolist()) for p, n in zip(rows, lengths)]

    @torch.no_grad()
    def reference_pass(seqs):
        out = [None] * len(seqs)
        for part in parts_of(seqs):
            ids, targets, mask = sequence_tensors(seqs, part)
            lp, _ = log_probs(reference, ids, targets)
            for r, i in enumerate(part):
                out[i] = lp[r]
        return out

    def update(seqs, old, ref):
        parts = parts_of(seqs)
        tokens = sum(len(c) for _, c in seqs)
        opt.zero_grad(set_to_none=True)
        for part in parts:
            ids, targets, mask = sequence_tensors(seqs, part)
            lp, logits = log_probs(policy, ids, targets)
            with torch.no_grad():
                probs = F.softmax(logits, -1)
                (-(probs * F.log_softmax(logits, -1)).sum(-1) * mask).sum()
            old_lp = torch.stack([old[i] for i in part])
            ref_lp = torch.stack([ref[i] for i in part])
            adv = torch.tensor([advantages[i] for i in part])[:, None]
            ratio = torch.exp(lp - old_lp)
            surrogate = torch.maximum(-adv * ratio, -adv * ratio.clamp(0.8, 1.2))
            d = ref_lp - lp
            kl = torch.exp(d) - d - 1
            loss = ((surrogate + 0.01 * kl) * mask).sum() / tokens
            loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()

    def evaluation():
        prompts, k, per_call = job["evalPrompts"], job["evalSamples"], job["evalRowsPerCall"]
        greedy_lengths, sampled_lengths = job["evalGreedyLengths"], job["evalSampledLengths"]
        for at in range(0, len(prompts), per_call):
            sample_rows(policy, prompts[at:at + per_call], greedy_lengths[at:at + per_call], greedy=True)
        sampled = [p for p in prompts for _ in range(k)]
        for at in range(0, len(sampled), per_call):
            sample_rows(policy, sampled[at:at + per_call], sampled_lengths[at:at + per_call], greedy=False)

    # Warm-up at small sizes, as the engine does.
    sample_rows(policy, rows, [min(n, 16) for n in lengths], greedy=False)
    short = [(p, torch.randint(6, vocab, (min(n, 16),), generator=rng).tolist()) for p, n in zip(rows, lengths)]
    short_ref = reference_pass(short)
    update(short, short_ref, short_ref)

    state = {}
    parts = {
        "rollout": best_times(lambda: state.update(seqs=rollout()), job["repeats"]),
        "reference": best_times(lambda: state.update(ref=reference_pass(state["seqs"])), job["repeats"]),
        # Old log-probs as the sampler would store them: the reference's (the same weights before the update).
        "update": best_times(lambda: update(state["seqs"], state["ref"], state["ref"]), job["repeats"]),
        "eval": best_times(evaluation, job["repeats"]),
    }
    print(json.dumps({
        "torch": torch.__version__,
        "threads": f"{torch.get_num_threads()} torch thread(s), OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '-')}",
        "seconds": {part: wall for part, (wall, _) in parts.items()},
        "cpuSeconds": {part: cpu for part, (_, cpu) in parts.items()},
    }))


def products(shapes_json, threads):
    torch.set_num_threads(threads)
    shapes = json.loads(shapes_json)

    @torch.no_grad()
    def rate(m, k, n):
        a, b = torch.randn(m, k), torch.randn(k, n)
        torch.mm(a, b)  # warm-up
        return 2 * m * k * n / best_time(lambda: torch.mm(a, b), 10 if m * k * n > 1e8 else 40) / 1e9

    size = shapes["square"]
    print(json.dumps({"square": rate(size, size, size), "model": rate(*shapes["model"])}))


def main():
    p = argparse.ArgumentParser()
    for name, default in [("vocab", 102), ("layers", 4), ("width", 128), ("heads", 4), ("context", 256),
                          ("batch", 32), ("seq", 256), ("steps", 3), ("sample_batch", 16), ("prompt", 24),
                          ("new_tokens", 128), ("nocache_tokens", 32), ("threads", 1)]:
        p.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Gpt(a.vocab, a.layers, a.width, a.heads, a.context)
    params = sum(t.numel() for t in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    data = torch.randint(0, a.vocab, (a.batch, a.seq + 1))

    def train_step():
        logits = model(data[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), data[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    train_step()  # warm-up
    train = best_time(train_step, a.steps)

    prompts = torch.randint(0, a.vocab, (a.sample_batch, a.prompt))

    @torch.no_grad()
    def sample_cached():
        caches = [[None, None] for _ in model.blocks]
        logits = model(prompts, caches)[:, -1]
        for step in range(a.new_tokens):
            token = torch.multinomial(F.softmax(logits, dim=-1), 1)
            F.log_softmax(logits, dim=-1).gather(1, token)
            if step + 1 < a.new_tokens:
                logits = model(token, caches, a.prompt + step)[:, -1]

    @torch.no_grad()
    def sample_uncached():
        ids = prompts
        for _ in range(a.nocache_tokens):
            logits = model(ids)[:, -1]
            token = torch.multinomial(F.softmax(logits, dim=-1), 1)
            ids = torch.cat([ids, token], dim=1)

    sample_cached()  # warm-up
    cached = best_time(sample_cached, 2)
    uncached = best_time(sample_uncached, 2)
    print(json.dumps({
        "torch": torch.__version__,
        "params": params,
        "trainTokensPerSec": a.batch * a.seq / train,
        "sampleCachedTokensPerSec": a.sample_batch * a.new_tokens / cached,
        "sampleUncachedTokensPerSec": a.sample_batch * a.nocache_tokens / uncached,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--rl-step":
        rl_step(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--products":
        products(sys.argv[2], int(sys.argv[3]))
    else:
        main()
