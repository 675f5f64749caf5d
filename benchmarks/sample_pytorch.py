"""Sampling with nanoGPT's generate on the CPU, timed: the PyTorch side of `sample_side_by_side.sh`.

The model classes are nanoGPT's model.py (Karpathy, MIT licence), imported from tests/fixtures/make_gpt_fixture.py;
the weights are a Scratch checkpoint's model.safetensors (nanoGPT's names; lm_head tied to wte), so both programs
run the same numbers. Two things are nanoGPT's own and copied here: its forward at inference (no targets: the LM head
runs on the last position only) and GPT.generate (crop the context to block_size, run the whole model on it, take
the last logits; nanoGPT has no KV cache). Greedy decoding is generate with top_k=1 (multinomial over one token).

    python3 benchmarks/sample_pytorch.py CKPT [--tokens 100] [--runs 3] [--threads 2]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from make_gpt_fixture import GPT, GPTConfig, read_safetensors  # noqa: E402  nanoGPT's model.py classes

PROMPT = [464, 3139, 286, 4881, 318]  # "The capital of France is" in GPT-2's tokens; SampleSpeed.cs uses the same


def forward(self, idx, targets=None):
    """nanoGPT's GPT.forward, inference branch."""
    device = idx.device
    b, t = idx.size()
    assert t <= self.config.block_size, f"Cannot forward sequence of length {t}, block size is only {self.config.block_size}"
    pos = torch.arange(0, t, dtype=torch.long, device=device)
    tok_emb = self.transformer.wte(idx)
    pos_emb = self.transformer.wpe(pos)
    x = self.transformer.drop(tok_emb + pos_emb)
    for block in self.transformer.h:
        x = block(x)
    x = self.transformer.ln_f(x)
    logits = self.lm_head(x[:, [-1], :])  # note: using list [-1] to preserve the time dim
    return logits, None


@torch.no_grad()
def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
    """nanoGPT's GPT.generate."""
    for _ in range(max_new_tokens):
        idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
        logits, _ = self(idx_cond)
        logits = logits[:, -1, :] / temperature
        if top_k is not None:
            v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
            logits[logits < v[:, [-1]]] = -float('Inf')
        probs = F.softmax(logits, dim=-1)
        idx_next = torch.multinomial(probs, num_samples=1)
        idx = torch.cat((idx, idx_next), dim=1)
    return idx


GPT.forward = forward
GPT.generate = generate


def load(ckpt):
    with open(os.path.join(ckpt, "config.json")) as f:
        cfg = json.load(f)
    cfg = {k: cfg[k] for k in ("block_size", "vocab_size", "n_layer", "n_head", "n_embd", "dropout", "bias")}
    model = GPT(GPTConfig(**cfg))
    state = {k: torch.from_numpy(v.copy()) for k, v in read_safetensors(os.path.join(ckpt, "model.safetensors")).items()}
    state["lm_head.weight"] = state["transformer.wte.weight"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith(".attn.bias")]  # the causal-mask buffer is not a parameter
    assert not missing and not unexpected, (missing, unexpected)
    model.eval()
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ckpt")
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1337)
    start = time.perf_counter()
    model = load(args.ckpt)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.ckpt}: {n_params:,} parameters; loaded in {time.perf_counter() - start:.2f} s; torch {torch.__version__}, {args.threads} threads")
    idx = torch.tensor([PROMPT])
    greedy = model.generate(idx, 8, top_k=1)[0, len(PROMPT):].tolist()
    print("GREEDY " + " ".join(str(i) for i in greedy))
    rates = []
    for run in range(args.runs):
        first = time.perf_counter()
        out = model.generate(idx, 1, top_k=1)  # the prompt and the first token, as SampleSpeed.cs times them apart
        prompt_ms = 1000 * (time.perf_counter() - first)
        rest = time.perf_counter()
        out = model.generate(out, args.tokens - 1, top_k=1)
        seconds = time.perf_counter() - rest
        n = args.tokens - 1
        rates.append(n / seconds)
        print(f"run {run + 1}: prompt of {len(PROMPT)} + first token {prompt_ms:.0f} ms; then {n} tokens in {seconds:.2f} s = {n / seconds:.2f} tokens/s ({1000 * seconds / n:.1f} ms/token)")
    print(f"MEDIAN_TOKS {statistics.median(rates):.3f}")


if __name__ == "__main__":
    main()
