#!/usr/bin/env bash
# One GPT training step (nanoGPT's baby config, B = 12), Scratch against PyTorch on the same CPU.
# The runs alternate, ROUNDS times, each round starting with the next program, so that a change in the machine's
# load hits all of them: Scratch,
# PyTorch with THREADS threads (2 by default, nanoGPT's CPU setting on this machine), and PyTorch with
# 1 thread (on a shared, oversubscribed machine its OpenMP threads can spin against other processes, and
# one thread is then PyTorch's fastest setting). Each run prints its median step time; the summary prints
# the median over rounds of each, the ratios, and Scratch over PyTorch's faster setting in each round (scratch/best).
#   benchmarks/gpt_step_side_by_side.sh [rounds=5] [steps per run=30] [torch threads=2]
# Another model: PRESET=shakespeare-char (nanoGPT's Shakespeare model: 6 layers, 6 heads, C = 384, T = 256, dropout 0.2)
# and BATCH (12 by default, nanoGPT's CPU batch).
# PyTorch's kernels follow the vector width Scratch runs (AVX-512 if the CPU has it, AVX2 under DOTNET_EnableAVX512=0):
# the script sets OPENBLAS_CORETYPE and ATEN_CPU_CAPABILITY to match unless they are set (benchmarks/openblas_core.py).
# Extra Scratch builds to compare (say, an older commit's): SCRATCH_BASELINE=/path/to/Scratch.Benchmarks
# (a build older than the PRESET option ignores it and always runs baby, B = 12)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
STEPS=${2:-30}
THREADS=${3:-2}
WARMUP=${WARMUP:-20}   # untimed steps first: .NET tiers its kernels up after ~30 calls, PyTorch warms its caches
PYTHON=${PYTHON:-/usr/bin/python3}
PRESET=${PRESET:-baby}
BATCH=${BATCH:-12}

source benchmarks/pytorch_env.sh # PyTorch on the vector width Scratch runs

dotnet build -c Release benchmarks/Scratch.Benchmarks.csproj -v q -nologo > /dev/null
BIN=benchmarks/bin/Release/net10.0/Scratch.Benchmarks
median_of() { awk '/^MEDIAN_MS/ {print $2}'; }

scratch=(); torch=(); torch1=(); baseline=()
# One run of one program; its median goes to that program's column.
run() {
  case $1 in
    baseline) baseline+=("$("$SCRATCH_BASELINE" gpt-step "$STEPS" "$WARMUP" "$PRESET" "$BATCH" | tee >(cat >&2) | median_of)") ;;
    scratch) scratch+=("$("$BIN" gpt-step "$STEPS" "$WARMUP" "$PRESET" "$BATCH" | tee >(cat >&2) | median_of)") ;;
    torch) torch+=("$("$PYTHON" benchmarks/gpt_step_pytorch.py --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS" --preset "$PRESET" --batch-size "$BATCH" | tee >(cat >&2) | median_of)") ;;
    torch1) torch1+=("$("$PYTHON" benchmarks/gpt_step_pytorch.py --steps "$STEPS" --warmup "$WARMUP" --threads 1 --preset "$PRESET" --batch-size "$BATCH" | tee >(cat >&2) | median_of)") ;;
  esac
}
programs=(scratch torch torch1)
if [[ -n "${SCRATCH_BASELINE:-}" ]]; then programs=(baseline "${programs[@]}"); fi
for r in $(seq 1 "$ROUNDS"); do
  # Each round starts one program later, so that no program always runs first (a minute can change the machine's speed).
  for i in "${!programs[@]}"; do
    run "${programs[$(( (i + r - 1) % ${#programs[@]} ))]}"
  done
  echo "round $r done" >&2
done

"$PYTHON" - "$THREADS" "${scratch[*]}" "${torch[*]}" "${torch1[*]}" "${baseline[*]:-}" <<'PY'
import statistics, sys
threads = sys.argv[1]
s, t, t1 = ([float(v) for v in a.split()] for a in sys.argv[2:5])
b = [float(v) for v in sys.argv[5].split()] if len(sys.argv) > 5 and sys.argv[5].strip() else []
head = "round " + ("  baseline" if b else "") + f"   scratch  torch({threads}t)  torch(1t)  scratch/torch({threads}t)  scratch/torch(1t)  scratch/best"
print(head)
def row(label, bb, a, c, d, best):
    print(f"{label:>6}" + (f"{bb:10.1f}" if b else "") + f"{a:10.1f}{c:12.1f}{d:11.1f}{a / c:22.2f}{a / d:19.2f}{best:14.2f}")
best = [s[i] / min(t[i], t1[i]) for i in range(len(s))]  # against PyTorch's faster setting in that round
for i in range(len(s)):
    row(str(i + 1), b[i] if b else 0, s[i], t[i], t1[i], best[i])
row("median", statistics.median(b) if b else 0, statistics.median(s), statistics.median(t), statistics.median(t1), statistics.median(best))
if b:
    print(f"scratch/baseline round by round: median {statistics.median(s[i] / b[i] for i in range(len(s))):.2f}, "
          f"baseline/best {statistics.median(b[i] / min(t[i], t1[i]) for i in range(len(s))):.2f}")
PY
