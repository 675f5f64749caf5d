#!/usr/bin/env bash
# Square float32 matmul, N = 64 … 1024, and the three GPT-2 small products of the quick mode: Scratch's fast kernel against PyTorch's (OpenBLAS) on the same CPU, both on two
# threads and the same vector width (benchmarks/pytorch_env.sh). The runs alternate, ROUNDS times, so that a change in
# the machine's load hits both; the summary gives, per size, the median GFLOP/s of each over the rounds, their ratio,
# and each as a fraction of the machine's FMA peak at that width on 2 threads (measured first, FmaPeak.cs).
#   benchmarks/matmul_side_by_side.sh [rounds=3]
# Force the AVX2 path on an AVX-512 machine with DOTNET_EnableAVX512=0 (the Scratch quick mode then names the
# Vector256 micro-kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PYTHON=${PYTHON:-/usr/bin/python3}

source benchmarks/pytorch_env.sh # PyTorch on the vector width Scratch runs
dotnet build -c Release benchmarks/Scratch.Benchmarks.csproj -v q -nologo > /dev/null
BIN=benchmarks/bin/Release/net10.0/Scratch.Benchmarks
lanes=$([[ $pytorch_width == avx512 ]] && echo Vector512 || echo Vector256)
peak=$("$BIN" peak | tee >(cat >&2) | awk -v v="$lanes" '$1 == v && $4 == "2" {print $6}')

scratch=""; torch=""
for r in $(seq 1 "$ROUNDS"); do
  # rows "N fast reference" of the quick mode and "N GFLOP/s" of the PyTorch script; then the GPT shapes, by name
  shapes='/^(x|xᵀ|Q) · / {printf "%s%s%s:%s ", $1, $2, $3, $NF}'
  scratch+="$("$BIN" | tee >(cat >&2) | awk '/^ *[0-9]+ +[0-9.]+ +[0-9.]+$/ {printf "%s:%s ", $1, $2} '"$shapes")"
  torch+="$("$PYTHON" benchmarks/pytorch_matmul.py | tee >(cat >&2) | awk '/^ *[0-9]+ +[0-9.]+$/ {printf "%s:%s ", $1, $2} '"$shapes")"
  echo "round $r done" >&2
done

"$PYTHON" - "$peak" "$scratch" "$torch" "$pytorch_width" <<'PY'
import collections, statistics, sys
peak = float(sys.argv[1])
def parse(text):
    d = collections.defaultdict(list)
    for pair in text.split():
        n, g = pair.split(":")
        d[n].append(float(g))
    return d
s, t = parse(sys.argv[2]), parse(sys.argv[3])
print(f"{sys.argv[4]}, FMA peak on 2 threads {peak:.1f} GFLOP/s; medians over {len(s['1024'])} rounds")
print("product   Scratch GFLOP/s   PyTorch GFLOP/s   Scratch/PyTorch   Scratch/peak   PyTorch/peak")
for n in sorted(s, key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0)):
    a, b = statistics.median(s[n]), statistics.median(t[n])
    label = f"{n}³" if n.isdigit() else n
    print(f"{label:>7}   {a:15.1f}   {b:15.1f}   {a / b:15.2f}   {a / peak:12.2f}   {b / peak:12.2f}")
PY
