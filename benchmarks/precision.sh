#!/usr/bin/env bash
# `make train`'s run (the book's DCGAN on Fashion-MNIST, one epoch of 468 steps at batch 128, seed 0) in float32
# and with --precision auto, one after the other: the whole command's time, what auto chose and why, the
# training loop's time, and the averaged generator's FD (10,000 samples against the test split, the shipped
# classifier's features). Run it on a quiet machine; compare the two lines of one run, not runs of two machines.
#
#   bash benchmarks/precision.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
OUT=${OUT:-outputs/precision_benchmark}
ARGS=(--epochs 1 --batch-size 128 --save-interval 100 --checkpoint-interval 100 --seed 0 --no-progress --overwrite)
mkdir -p "$OUT"
for precision in float32 auto; do
    start=$(date +%s%N)
    "$PY" scripts/train_fashion.py "${ARGS[@]}" --precision "$precision" --output-dir "$OUT/$precision" \
        > "$OUT/$precision.log" 2>&1
    end=$(date +%s%N)
    seconds=$(awk "BEGIN { printf \"%.1f\", ($end - $start) / 1e9 }")
    echo "== --precision $precision: whole command $seconds s; $(head -1 "$OUT/$precision.log");" \
         "$(grep -o '[0-9]* steps in [0-9.]* s' "$OUT/$precision.log" | tail -1)"
    "$PY" -m gan_keras evaluate --generator "$OUT/$precision/ema_generator.keras" --n 10000 \
        --json "$OUT/$precision.json" | grep "^|"
done
