"""PyTorch peer of the engine's transformer for `npm run bench:trainer`.

The same architecture as src/trainer/model/gpt.ts: token + learned position
embeddings, pre-norm blocks (LayerNorm with bias, bias-free linears, causal
multi-head attention, tanh-GELU MLP), final LayerNorm, head tied to the token
embedding. Measures training tokens/s (AdamW, batch x seq), sampling tokens/s
with a key/value cache and without one, and peak RSS; prints one JSON object.
Run it with 1 torch thread and OPENBLAS_NUM_THREADS=2 (fastest on 2 cores).
"""

import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


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


class Gpt(nn.Module):
    def __init__(self, vocab, layers, width, heads, context):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)

    def forward(self, ids, caches=None, start=0):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(start, start + t))
        for i, block in enumerate(self.blocks):
            x = block(x, caches[i] if caches is not None else None)
        return self.ln_f(x) @ self.wte.weight.t()


def best_time(work, repeats):
    """Fastest of `repeats` runs: on a shared machine the least disturbed one."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    p = argparse.ArgumentParser()
    for name, default in [("vocab", 102), ("layers", 4), ("width", 128), ("heads", 4), ("context", 256),
                          ("batch", 32), ("seq", 256), ("steps", 3), ("sample_batch", 16), ("prompt", 24),
                          ("new_tokens", 128), ("nocache_tokens", 32)]:
        p.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(1)
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
    main()
