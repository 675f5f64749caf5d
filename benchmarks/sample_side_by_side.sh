#!/usr/bin/env bash
# Sampling from one checkpoint, Scratch (KV cache) against PyTorch (nanoGPT's generate, no KV cache) on the same CPU
# and the same weights, greedy, one stream, float32. The runs alternate, ROUNDS times, so that a change in the
# machine's load hits all of them: Scratch (SampleSpeed.cs, which also measures the memory bandwidth limit), PyTorch
# with THREADS threads and with 1. Both print their first 8 greedy tokens; the script stops if they differ.
#   benchmarks/sample_side_by_side.sh CKPT [rounds=3] [new tokens=100] [torch threads=2]
# PyTorch runs on the vector width Scratch runs (benchmarks/pytorch_env.sh).
# A gpt2-sized checkpoint with random weights:
#   scratch train --preset gpt2 --tokenizer gpt2 --vocab ../shared/data/gpt2 --data FILE --out CKPT --max-iters 0 --eval-iters 1 --batch-size 1
set -euo pipefail
cd "$(dirname "$0")/.."
CKPT=$1
ROUNDS=${2:-3}
TOKENS=${3:-100}
THREADS=${4:-2}
PYTHON=${PYTHON:-/usr/bin/python3}

source benchmarks/pytorch_env.sh # PyTorch on the vector width Scratch runs
dotnet build -c Release benchmarks/Scratch.Benchmarks.csproj -v q -nologo > /dev/null
BIN=benchmarks/bin/Release/net10.0/Scratch.Benchmarks
value_of() { awk -v key="$1" '$1 == key {print $2}'; }

scratch=(); torch=(); torch1=(); limit=()
for r in $(seq 1 "$ROUNDS"); do
  s_out=$("$BIN" sample "$CKPT" "$TOKENS" 1 | tee >(cat >&2))
  t_out=$("$PYTHON" benchmarks/sample_pytorch.py "$CKPT" --tokens "$TOKENS" --runs 1 --threads "$THREADS" | tee >(cat >&2))
  t1_out=$("$PYTHON" benchmarks/sample_pytorch.py "$CKPT" --tokens "$TOKENS" --runs 1 --threads 1 | tee >(cat >&2))
  if [[ "$(grep '^GREEDY' <<< "$s_out")" != "$(grep '^GREEDY' <<< "$t_out")" ]]; then
    echo "Scratch and PyTorch chose different greedy tokens: $(grep '^GREEDY' <<< "$s_out") vs $(grep '^GREEDY' <<< "$t_out")" >&2
    exit 1
  fi
  scratch+=("$(value_of MEDIAN_TOKS <<< "$s_out")"); limit+=("$(value_of LIMIT_TOKS <<< "$s_out")")
  torch+=("$(value_of MEDIAN_TOKS <<< "$t_out")"); torch1+=("$(value_of MEDIAN_TOKS <<< "$t1_out")")
  echo "round $r done; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

"$PYTHON" - "$THREADS" "${scratch[*]}" "${torch[*]}" "${torch1[*]}" "${limit[*]}" <<'PY'
import statistics, sys
threads = sys.argv[1]
s, t, t1, lim = ([float(v) for v in a.split()] for a in sys.argv[2:6])
print(f"tokens/s  round   scratch  torch({threads}t)  torch(1t)    limit  scratch/torch({threads}t)  scratch/torch(1t)  scratch/limit")
def row(label, a, c, d, l):
    print(f"{label:>15}{a:10.2f}{c:12.2f}{d:11.2f}{l:9.2f}{a / c:22.2f}{a / d:19.2f}{a / l:15.2f}")
for i in range(len(s)):
    row(str(i + 1), s[i], t[i], t1[i], lim[i])
row("median", statistics.median(s), statistics.median(t), statistics.median(t1), statistics.median(lim))
PY
