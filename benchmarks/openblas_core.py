"""Which OpenBLAS kernels PyTorch's matrix products run on, and how to choose them.

Debian's PyTorch 1.13 multiplies float matrices with OpenBLAS 0.3.21 (`libblas.so.3`, a DYNAMIC_ARCH build that
picks its kernels from the CPU at load time). A CPU newer than the library can be misread: on the Intel Xeon
of family 6, model 207 this project is measured on, 0.3.21 falls back to its "Prescott" kernels (SSE3, no FMA)
and a 1024³ product runs at 42 GFLOP/s instead of 151 (Haswell, AVX2) or 217 (SkylakeX, AVX-512). Comparing
against that would flatter Scratch, so the side-by-side scripts set OPENBLAS_CORETYPE (read by OpenBLAS when it
loads) to the kernels of the vector width Scratch runs, unless it is already set:

    python3 benchmarks/openblas_core.py [avx2|avx512]     prints the core type to use: Haswell or SkylakeX
    from openblas_core import core_name                   the core OpenBLAS chose in this process (after torch loads)
PyTorch's own kernels (softmax, GELU, layer norm, Adam) choose their vector width separately: AVX2 by default,
AVX-512 with ATEN_CPU_CAPABILITY=avx512; the step benchmark prints both.
"""

import ctypes
import sys


def core_name() -> str:
    """The kernels OpenBLAS runs in this process ('Haswell', 'SkylakeX', 'Prescott', ...), or 'unknown'."""
    try:
        lib = ctypes.CDLL("libblas.so.3")  # the library torch's sgemm_ resolves to on Debian
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown (not OpenBLAS)"


def aten_capability() -> str:
    """The vector width of PyTorch's own (non-BLAS) kernels: its 'CPU capability usage' (ATEN_CPU_CAPABILITY)."""
    import torch

    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def core_for(width: str) -> str:
    """OpenBLAS's core type for a vector width: avx512 → SkylakeX, avx2 → Haswell."""
    cores = {"avx512": "SkylakeX", "avx2": "Haswell"}
    if width not in cores:
        raise SystemExit(f"openblas_core.py: unknown vector width '{width}' (expected avx2 or avx512)")
    return cores[width]


if __name__ == "__main__":
    print(core_for(sys.argv[1] if len(sys.argv) > 1 else "avx2"))
