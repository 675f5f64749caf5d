#!/usr/bin/env bash
# One GPT training step (nanoGPT's baby config, B = 12), Scratch against PyTorch on the same CPU.
# The two alternate, ROUNDS times, so that a change in the machine's load hits both; each run prints
# its median step time, and the summary prints the median over rounds of each and their ratio.
#   benchmarks/gpt_step_side_by_side.sh [rounds=5] [steps per run=30] [torch threads=2]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
STEPS=${2:-30}
THREADS=${3:-2}
PYTHON=${PYTHON:-/usr/bin/python3}

dotnet build -c Release benchmarks/Scratch.Benchmarks.csproj -v q -nologo > /dev/null
BIN=benchmarks/bin/Release/net10.0/Scratch.Benchmarks

scratch=()
torch=()
for r in $(seq 1 "$ROUNDS"); do
  s=$("$BIN" gpt-step "$STEPS" | tee /dev/stderr | awk '/^MEDIAN_MS/ {print $2}')
  t=$("$PYTHON" benchmarks/gpt_step_pytorch.py --steps "$STEPS" --threads "$THREADS" | tee /dev/stderr | awk '/^MEDIAN_MS/ {print $2}')
  scratch+=("$s")
  torch+=("$t")
  echo "round $r: scratch $s ms, pytorch $t ms" >&2
done

"$PYTHON" - "${scratch[*]}" "${torch[*]}" <<'PY'
import statistics, sys
s = [float(v) for v in sys.argv[1].split()]
t = [float(v) for v in sys.argv[2].split()]
print("round  scratch ms  pytorch ms  scratch/pytorch")
for i, (a, b) in enumerate(zip(s, t), 1):
    print(f"{i:5d}  {a:10.1f}  {b:10.1f}  {a / b:15.2f}")
ms, mt = statistics.median(s), statistics.median(t)
print(f"median {ms:9.1f}  {mt:10.1f}  {ms / mt:15.2f}")
PY
