"""The same GFLOP/s table as `dotnet run -c Release --project benchmarks`, for PyTorch (OpenBLAS on Debian).

float32, square N x N x N products, 2 threads, median of several timed runs after 0.3 s of warm-up. Each product is
timed making its result (torch.matmul(a, b)) and into a result made beforehand (torch.matmul(a, b, out=c)), as the
Scratch table times it fresh and into C.
Run: /usr/bin/python3 benchmarks/pytorch_matmul.py
The first line names the OpenBLAS kernels in use; choose them with OPENBLAS_CORETYPE=Haswell (AVX2) or SkylakeX
(AVX-512), as benchmarks/matmul_side_by_side.sh does (see openblas_core.py for why).
"""

import statistics
import time

import torch

from openblas_core import core_name

SIZES = [64, 128, 256, 512, 1024]


def gflops(n: int) -> tuple[float, float]:
    """An N × N × N product: 2·N³ flops over the median time, fresh and into C."""
    g = torch.Generator().manual_seed(n)
    a = torch.randn(n, n, generator=g, dtype=torch.float32)
    b = torch.randn(n, n, generator=g, dtype=torch.float32)
    c = torch.empty(n, n)
    return gflops_of(2.0 * n**3, lambda: torch.matmul(a, b)), gflops_of(2.0 * n**3, lambda: torch.matmul(a, b, out=c))


def gflops_of(flops: float, product, target_seconds: float = 1.0) -> float:
    """flops / the median time of product(), after 0.3 s of warm-up (as the Scratch program does)."""
    start = time.perf_counter()
    warmups = 0
    while warmups == 0 or time.perf_counter() - start < 0.3:
        product()
        warmups += 1
    once = (time.perf_counter() - start) / warmups
    times = []
    for _ in range(int(min(max(target_seconds / max(once, 1e-6), 3), 20000))):
        start = time.perf_counter()
        product()
        times.append(time.perf_counter() - start)
    return flops / statistics.median(times) / 1e9


def gpt_shapes() -> None:
    """The three GPT-2 small products of the Scratch quick mode, with the same layouts (QuickMatMul.cs)."""
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2048, 768, generator=g)  # (B·T, C)
    w = torch.randn(2304, 768, generator=g)  # (3C, C), as nn.Linear stores it
    dy = torch.randn(2048, 2304, generator=g)  # (B·T, 3C)
    q = torch.randn(8, 12, 256, 64, generator=g)  # (B, H, T, hs)
    k = torch.randn(8, 12, 256, 64, generator=g)
    linear, attention = 2.0 * 2048 * 768 * 2304, 2.0 * 96 * 256 * 256 * 64
    xw, xdy, qk = torch.empty(2048, 2304), torch.empty(768, 2304), torch.empty(8, 12, 256, 256)
    print()
    print("GPT-2 small shapes                          PyTorch GFLOP/s   out= GFLOP/s")
    fresh, into = gflops_of(linear, lambda: x @ w.t()), gflops_of(linear, lambda: torch.matmul(x, w.t(), out=xw))
    print(f"x · Wᵀ    (2048,768)·(768,2304), W transposed {fresh:12.1f}   {into:12.1f}")
    fresh, into = gflops_of(linear, lambda: x.t() @ dy), gflops_of(linear, lambda: torch.matmul(x.t(), dy, out=xdy))
    print(f"xᵀ · dy   (768,2048)·(2048,2304), x transposed {fresh:11.1f}   {into:12.1f}")
    fresh = gflops_of(attention, lambda: q @ k.transpose(-2, -1))
    into = gflops_of(attention, lambda: torch.matmul(q, k.transpose(-2, -1), out=qk))
    print(f"Q · Kᵀ    96 × (256,64)·(64,256), K transposed {fresh:11.1f}   {into:12.1f}")


def main() -> None:
    torch.set_num_threads(2)
    print(f"PyTorch {torch.__version__} matmul, float32, {torch.get_num_threads()} threads, OpenBLAS core {core_name()}")
    print()
    print("   N   PyTorch GFLOP/s   out= GFLOP/s")
    for n in SIZES:
        fresh, into = gflops(n)
        print(f"{n:4d}   {fresh:15.1f}   {into:12.1f}")
    gpt_shapes()


if __name__ == "__main__":
    main()
