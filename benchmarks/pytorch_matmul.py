"""The same GFLOP/s table as `dotnet run -c Release --project benchmarks`, for PyTorch (OpenBLAS on Debian).

float32, square N x N x N products, 2 threads, median of several timed runs after 0.3 s of warm-up.
Run: /usr/bin/python3 benchmarks/pytorch_matmul.py
The first line names the OpenBLAS kernels in use; choose them with OPENBLAS_CORETYPE=Haswell (AVX2) or SkylakeX
(AVX-512), as benchmarks/matmul_side_by_side.sh does (see openblas_core.py for why).
"""

import statistics
import time

import torch

from openblas_core import core_name

SIZES = [64, 128, 256, 512, 1024]


def gflops(n: int, target_seconds: float = 1.0) -> float:
    g = torch.Generator().manual_seed(n)
    a = torch.randn(n, n, generator=g, dtype=torch.float32)
    b = torch.randn(n, n, generator=g, dtype=torch.float32)
    start = time.perf_counter()
    warmups = 0
    while warmups == 0 or time.perf_counter() - start < 0.3:  # warm-up, as the Scratch program does
        torch.matmul(a, b)
        warmups += 1
    once = (time.perf_counter() - start) / warmups
    reps = int(min(max(target_seconds / max(once, 1e-6), 3), 20000))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        torch.matmul(a, b)
        times.append(time.perf_counter() - start)
    return 2.0 * n**3 / statistics.median(times) / 1e9


def main() -> None:
    torch.set_num_threads(2)
    print(f"PyTorch {torch.__version__} matmul, float32, {torch.get_num_threads()} threads, OpenBLAS core {core_name()}")
    print()
    print("   N   PyTorch GFLOP/s")
    for n in SIZES:
        print(f"{n:4d}   {gflops(n):15.1f}")


if __name__ == "__main__":
    main()
