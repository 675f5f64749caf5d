# Sourced by the side-by-side scripts: PyTorch runs on the vector width Scratch runs. OpenBLAS chooses its kernels
# from the CPU when it loads, and 0.3.21 (Debian's, under PyTorch 1.13) can misread a newer CPU: on the Xeon of family
# 6, model 207 it falls back to SSE3 ("Prescott") kernels, a quarter of their speed (benchmarks/openblas_core.py).
# So this sets OPENBLAS_CORETYPE (Haswell for AVX2, SkylakeX for AVX-512) and ATEN_CPU_CAPABILITY (PyTorch's own
# kernels) to match the width Scratch runs: AVX-512 if the CPU has it, AVX2 under DOTNET_EnableAVX512=0 or without it.
# Either variable set beforehand is kept. Needs PYTHON set.
pytorch_width=avx2
if grep -qw avx512f /proc/cpuinfo && [[ "${DOTNET_EnableAVX512:-1}" != 0 ]]; then
    pytorch_width=avx512
fi
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-$("$PYTHON" benchmarks/openblas_core.py "$pytorch_width")}"
export ATEN_CPU_CAPABILITY="${ATEN_CPU_CAPABILITY:-$pytorch_width}"
echo "vector width $pytorch_width: PyTorch with OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE ATEN_CPU_CAPABILITY=$ATEN_CPU_CAPABILITY" >&2
