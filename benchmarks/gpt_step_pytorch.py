"""One nanoGPT training step on the CPU, timed: the PyTorch side of `gpt_step_side_by_side.sh`.

The model classes are nanoGPT's model.py (Karpathy, MIT licence), imported from tests/fixtures/make_gpt_fixture.py
(with the tanh GELU that Scratch uses; flash attention does not exist in Debian's torch 1.13), initialised by
nanogpt_train.py's copy of nanoGPT's _init_weights. The step is nanoGPT's train.py loop body on the CPU:
forward, backward, clip_grad_norm_(1.0), AdamW step (decay 0.1 on 2-D params only), zero_grad(set_to_none=True).

    python3 benchmarks/gpt_step_pytorch.py [--steps 30] [--warmup 20] [--threads 2] [--preset baby] [--batch-size 12]
"""
import argparse
import math
import os
import statistics
import sys
import time

import numpy as np
import torch


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
sys.path.insert(0, HERE)
from make_gpt_fixture import GPT, GPTConfig  # noqa: E402  nanoGPT's model.py classes
from nanogpt_train import configure_optimizers, nanogpt_init, random_batch  # noqa: E402  nanoGPT's init, optimiser and get_batch
from openblas_core import aten_capability, core_name  # noqa: E402  which OpenBLAS kernels the products run on

# Scratch's presets of the same names (Gpt/Model/GptConfig.cs)
PRESETS = {
    "baby": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, dropout=0.0, bias=False),
    "shakespeare-char": dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=65, dropout=0.2, bias=False),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="baby")
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "tinyshakespeare.txt"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1337)

    config = dict(PRESETS[args.preset])
    batch_size, block_size = args.batch_size, config["block_size"]

    text = open(args.data, encoding="utf-8").read()
    chars = sorted(set(text))
    assert len(chars) == config["vocab_size"], f"expected 65 characters, found {len(chars)}"
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    data = data[:int(0.9 * len(data))]  # the train split, as nanoGPT's train.bin

    def get_batch():
        return random_batch(data, block_size, batch_size)

    model = GPT(GPTConfig(**config))
    nanogpt_init(model, config["n_layer"])
    model.train()
    optimizer = configure_optimizers(model, weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.99))

    def step(x, y):
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    x, y = get_batch()
    first = step(x, y)
    if abs(first - math.log(65)) > 0.25:  # random weights (and dropout) put the first loss near ln V
        raise SystemExit(f"pytorch: first-step loss {first:.4f} is not ≈ ln 65 = {math.log(65):.4f}")
    for _ in range(args.warmup):
        step(*get_batch())
    times = []
    cpu = time.process_time()
    for _ in range(args.steps):
        x, y = get_batch()  # batch sampling is outside the timed step, as in the Scratch benchmark
        t0 = time.perf_counter()
        loss = step(x, y)
        times.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / args.steps  # all threads, batch sampling included
    print(f"pytorch {torch.__version__} {args.preset} B={batch_size} threads {torch.get_num_threads()} (OpenBLAS {core_name()}, ATen {aten_capability()}): first loss {first:.4f} (ln 65 = {math.log(65):.4f}), "
          f"last loss {loss:.4f}, {args.steps} steps, median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, "
          f"CPU {cpu_ms:.1f} ms/step")
    print(f"MEDIAN_MS {statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
