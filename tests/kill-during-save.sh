#!/usr/bin/env bash
# Kills `scratch train` with SIGKILL at random moments while it saves a checkpoint every iteration, then checks
# that the directory loads as one saved state (scratch eval) and that --resume ends bit for bit where the
# uninterrupted run ends. The test KillDuringSaveTests does the same with a small model on every test run;
# this script does it at a size where a save takes long (the shakespeare-char shape: 10.7M parameters,
# 43 MB of weights and 86 MB of Adam moments per save).
#
#   tests/kill-during-save.sh [KILLS] [more train flags…]      from the repository root; KILLS defaults to 20
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
shift || true
dotnet build Gpt -c Release -v quiet -nologo >/dev/null
scratch=(dotnet Gpt/bin/Release/net10.0/scratch.dll)
corpus=../shared/data/tinyshakespeare.txt
iters=30
flags=(--data "$corpus" --preset shakespeare-char --block-size 64 --batch-size 4 --dropout 0 --max-iters $iters
       --lr-decay-iters $iters --warmup-iters 2 --eval-interval 1 --eval-iters 1 --log-interval 1 --seed 3 "$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
"${scratch[@]}" train --out "$work/reference" "${flags[@]}" >/dev/null
seconds=$(echo "$(date +%s.%N) - $start" | bc)
expected=$(sha256sum < "$work/reference/model.safetensors")
echo "uninterrupted run: $iters iterations, a save after each, ${seconds%.*} s"

loaded=0 mid=0 early=0
for k in $(seq 1 "$kills"); do
  dir="$work/killed-$k"
  delay=$(echo "scale=2; $seconds * $RANDOM / 32768" | bc)
  "${scratch[@]}" train --out "$dir" "${flags[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if ! kill -KILL "$pid" 2>/dev/null; then early=$((early + 1)); wait "$pid" || true; continue; fi
  wait "$pid" 2>/dev/null || true
  if [ ! -e "$dir/checkpoint.json" ] && [ ! -e "$dir/.checkpoint.json.pending" ]; then
    echo "kill $k after $delay s: before the first save"; continue
  fi
  leftovers=$(cd "$dir" && ls -A | grep '^\.' | tr '\n' ' ' || true)
  [ -n "$leftovers" ] && mid=$((mid + 1))
  # One saved state: every file matches the manifest (eval loads model, config and tokenizer; resume loads the rest).
  "${scratch[@]}" eval --ckpt "$dir" --data "$corpus" --eval-iters 1 >/dev/null
  manifest="$dir/.checkpoint.json.pending"; [ -e "$manifest" ] || manifest="$dir/checkpoint.json"
  iteration=$(grep -o '"iteration": [0-9]*' "$manifest")
  "${scratch[@]}" train --out "$dir" "${flags[@]}" --resume >/dev/null
  if [ "$(sha256sum < "$dir/model.safetensors")" != "$expected" ]; then
    echo "kill $k after $delay s: resumed from ${iteration#*: } but ended with other weights than the uninterrupted run" >&2; exit 1
  fi
  if ls -A "$dir" | grep -q '^\.'; then echo "kill $k: leftovers after resume: $(ls -A "$dir" | grep '^\.')" >&2; exit 1; fi
  loaded=$((loaded + 1))
  echo "kill $k after $delay s: loaded at iteration ${iteration#*: }${leftovers:+, mid-save (left: $leftovers)}; resumed to the same weights"
done
echo "$kills kills: $loaded left a checkpoint that loaded and resumed bit for bit, $mid of them killed mid-save; $early runs ended before their kill"
