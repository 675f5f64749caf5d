"""nanoGPT's own training of the baby Shakespeare config, written out as a Scratch checkpoint.

The model classes are nanoGPT's model.py, imported from tests/fixtures/make_gpt_fixture.py (with the tanh GELU
that Scratch uses; --exact-gelu for nanoGPT's nn.GELU()), plus nanoGPT's _init_weights. The loop is nanoGPT's
train.py on the CPU: get_batch over the first 90% (train) / last 10% (val) of the char ids, get_lr (linear warmup,
cosine decay), AdamW (decay on 2-D params only), clip_grad_norm_, estimate_loss every --eval-interval iterations.
As in nanoGPT, iterations 0..max_iters inclusive are run, the next batch is drawn right after the forward pass,
and torch.manual_seed(seed) is set once at the start.

The result is a Scratch checkpoint directory (config.json, model.safetensors without lm_head.weight since it is
tied to wte, tokenizer.json), to be scored with Scratch's exact evaluator:

    /usr/bin/python3 benchmarks/nanogpt_train.py --out /tmp/nanogpt_1337 [--seed 1337] [--exact-gelu]
    dotnet run --project Gpt -c Release --no-build -- eval --ckpt /tmp/nanogpt_1337 \
        --data ../shared/data/tinyshakespeare.txt --all
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from make_gpt_fixture import GPT, GPTConfig, GELU_APPROXIMATE, write_safetensors  # noqa: E402


def nanogpt_init(model, n_layer):
    """nanoGPT's GPT.__init__ after the modules are built: _init_weights, then the scaled c_proj init."""
    def _init_weights(module):
        if isinstance(module, torch.nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
    model.apply(_init_weights)
    for pn, p in model.named_parameters():
        if pn.endswith("c_proj.weight"):
            torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))


def configure_optimizers(model, weight_decay, learning_rate, betas):
    """nanoGPT's GPT.configure_optimizers: AdamW with weight decay on the 2-D parameters only."""
    param_dict = {pn: p for pn, p in model.named_parameters() if p.requires_grad}
    optim_groups = [
        {"params": [p for p in param_dict.values() if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in param_dict.values() if p.dim() < 2], "weight_decay": 0.0},
    ]
    extra = {"fused": False} if "fused" in torch.optim.AdamW.__init__.__code__.co_varnames else {}
    return torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, eps=1e-8, **extra)


def random_batch(data, block_size, batch_size):
    """nanoGPT's get_batch: batch_size random windows, x = data[i : i+T] and y = data[i+1 : i+1+T]."""
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([torch.from_numpy(data[i:i + block_size]) for i in ix])
    y = torch.stack([torch.from_numpy(data[i + 1:i + 1 + block_size]) for i in ix])
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "tinyshakespeare.txt"))
    parser.add_argument("--max-iters", type=int, default=2000)
    parser.add_argument("--eval-interval", type=int, default=500)
    parser.add_argument("--eval-iters", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--exact-gelu", action="store_true", help="nanoGPT's nn.GELU() (read by make_gpt_fixture)")
    args = parser.parse_args()

    # nanoGPT config/train_shakespeare_char.py, "baby" settings
    config = dict(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False)
    batch_size, block_size = 12, config["block_size"]
    learning_rate, min_lr, warmup_iters, lr_decay_iters = 1e-3, 1e-4, 100, 2000
    weight_decay, beta1, beta2, grad_clip = 0.1, 0.9, 0.99, 1.0

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    assert len(chars) == config["vocab_size"], f"expected 65 characters, found {len(chars)}"
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.int64)
    n = int(0.9 * len(ids))
    splits = {"train": ids[:n], "val": ids[n:]}

    def get_batch(split):
        return random_batch(splits[split], block_size, batch_size)

    model = GPT(GPTConfig(**config))
    nanogpt_init(model, config["n_layer"])
    optimizer = configure_optimizers(model, weight_decay, learning_rate, (beta1, beta2))

    @torch.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ["train", "val"]:
            losses = torch.zeros(args.eval_iters)
            for k in range(args.eval_iters):
                X, Y = get_batch(split)
                _, loss = model(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    def get_lr(it):
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (learning_rate - min_lr)

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, seed {args.seed}, gelu={GELU_APPROXIMATE}")
    X, Y = get_batch("train")
    t0 = time.time()
    start = t0
    iter_num = 0
    while True:
        lr = get_lr(iter_num)
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr
        if iter_num % args.eval_interval == 0:
            losses = estimate_loss()
            print(f"step {iter_num}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}", flush=True)
        _, loss = model(X, Y)
        X, Y = get_batch("train")  # prefetch, as nanoGPT does
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t1 = time.time()
        dt, t0 = t1 - t0, t1
        if iter_num % 100 == 0:
            print(f"iter {iter_num}: loss {loss.item():.4f}, time {dt * 1000:.2f}ms", flush=True)
        iter_num += 1
        if iter_num > args.max_iters:
            break
    print(f"trained {args.max_iters + 1} iterations in {time.time() - start:.1f} s")

    os.makedirs(args.out, exist_ok=True)
    tensors = {name: p.detach().numpy() for name, p in model.named_parameters()}  # tied lm_head listed once (as wte)
    tensors.pop("lm_head.weight", None)
    assert "transformer.wte.weight" in tensors
    write_safetensors(os.path.join(args.out, "model.safetensors"), tensors)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump({"type": "char", "vocab": chars}, f, separators=(",", ":"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
