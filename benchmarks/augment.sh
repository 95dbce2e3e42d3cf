#!/usr/bin/env bash
# DiffAugment (--augment) on a small folder: the DCGAN on ~520 emoji (every 7th of `make emoji`'s folder,
# flat) at 32x32, with and without --augment, same seed and steps; prints each run's end-of-run scores
# (FD, KID, precision, recall, coverage in the picture features, and the memorisation check).
#
#   bash benchmarks/augment.sh [STEPS]        # default 2000 steps (about 130 passes over the pictures)
set -euo pipefail
STEPS=${1:-2000}
PY=${PY:-.venv/bin/python}
EMOJI=${EMOJI:-outputs/emoji}
OUT=${OUT:-outputs/augment_benchmark}
mkdir -p "$OUT/small"
find "$EMOJI" -name '*.png' | sort | awk 'NR % 7 == 1' | while read -r f; do
    ln -sf "$(realpath "$f")" "$OUT/small/$(basename "$(dirname "$f")")_$(basename "$f")"; done
for augment in "" --augment; do
    name=dcgan${augment:+_augment}
    "$PY" -m gan_keras train dcgan --dataset folder --data-dir "$OUT/small" --image-size 32 --steps "$STEPS" \
        --save-interval 500 --no-progress --overwrite --output-dir "$OUT/$name" $augment > "$OUT/$name.log" 2>&1
    echo "== $name: $(grep -o '[0-9]* steps in [0-9.]* s' "$OUT/$name.log" | tail -1)"
    sed -n '/^## Scores in picture features/,/^!\[nearest/p' "$OUT/$name/report.md"
done
