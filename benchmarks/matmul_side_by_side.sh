#!/usr/bin/env bash
# Square float32 matmul, N = 64 … 1024, and the three GPT-2 small products of the quick mode: Scratch's fast kernel against PyTorch's (OpenBLAS) on the same CPU, both on two
# threads and the same vector width (benchmarks/pytorch_env.sh). The runs alternate, ROUNDS times, so that a change in
# the machine's load hits both; the summary gives, per size, the median GFLOP/s of each over the rounds and their ratio,
# twice: making the result afresh (a.MatMul(b) against torch.matmul(a, b)) and into a result made beforehand (the
# kernel alone: Tensor.MatMul(a, b, c) against torch.matmul(a, b, out=c)); then the latter as a fraction of the machine's
# FMA peak at that width on 2 threads (measured first, FmaPeak.cs; a warning if the second core was busy meanwhile).
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
peaks=$("$BIN" peak | tee >(cat >&2) | awk -v v="$lanes" '$1 == v {print $4 ":" $6}')
peak=$(echo "$peaks" | tr ' ' '\n' | awk -F: '$1 == 2 {print $2}')
one=$(echo "$peaks" | tr ' ' '\n' | awk -F: '$1 == 1 {print $2}')

scratch=""; torch=""
for r in $(seq 1 "$ROUNDS"); do
  # rows "N fresh into-C reference" of the quick mode and "N fresh out=" of the PyTorch script; then the GPT shapes,
  # by name, their last two numbers
  shapes='/^(x|xᵀ|Q) · / {printf "%s%s%s:%s:%s ", $1, $2, $3, $(NF-1), $NF}'
  scratch+="$("$BIN" | tee >(cat >&2) | awk '/^ *[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$/ {printf "%s:%s:%s ", $1, $2, $3} '"$shapes")"
  torch+="$("$PYTHON" benchmarks/pytorch_matmul.py | tee >(cat >&2) | awk '/^ *[0-9]+ +[0-9.]+ +[0-9.]+$/ {printf "%s:%s:%s ", $1, $2, $3} '"$shapes")"
  echo "round $r done" >&2
done

"$PYTHON" - "$peak" "$one" "$scratch" "$torch" "$pytorch_width" <<'PY'
import collections, statistics, sys
peak, one = float(sys.argv[1]), float(sys.argv[2])
def parse(text):
    d = collections.defaultdict(lambda: ([], []))
    for entry in text.split():
        n, fresh, into = entry.split(":")
        d[n][0].append(float(fresh))
        d[n][1].append(float(into))
    return d
s, t = parse(sys.argv[3]), parse(sys.argv[4])
print(f"{sys.argv[5]}, FMA peak on 2 threads {peak:.1f} GFLOP/s; medians over {len(s['1024'][0])} rounds")
if peak < 1.5 * one:
    print(f"warning: the 2-thread peak is only {peak / one:.2f}x the 1-thread one ({one:.1f}): the second core was busy while it was measured")
print("          made afresh                   into C made beforehand        into C, of the peak")
print("product   Scratch   PyTorch   ratio     Scratch   PyTorch   ratio     Scratch   PyTorch")
for n in sorted(s, key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0)):
    (a, ai), (b, bi) = [[statistics.median(x) for x in d[n]] for d in (s, t)]
    label = f"{n}³" if n.isdigit() else n
    print(f"{label:>7}   {a:7.1f}   {b:7.1f}   {a / b:5.2f}     {ai:7.1f}   {bi:7.1f}   {ai / bi:5.2f}     {ai / peak:7.2f}   {bi / peak:7.2f}")
PY
