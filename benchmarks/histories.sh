#!/usr/bin/env bash
# Short deterministic real-data runs of every GAN with both engines; their history.csv files land in
# OUT (default outputs/histories). Two trees of the package give byte-identical histories when a change
# keeps every step the same:
#
#   bash benchmarks/histories.sh outputs/histories_before   # on the old tree
#   bash benchmarks/histories.sh outputs/histories_after    # on the new one
#   diff -r outputs/histories_before outputs/histories_after
set -euo pipefail
OUT=${1:-outputs/histories}
RUNS=${RUNS:-outputs/histories_runs}
PY=${PY:-.venv/bin/python}
mkdir -p "$OUT"
common=(--deterministic --seed 0 --overwrite --no-progress --precision float32)  # float32: the same on every CPU

train() {  # NAME GAN FLAGS...
    local name=$1 gan=$2
    shift 2
    for engine in book compiled; do
        local dir="$RUNS/${name}_$engine"
        local engine_flags=(--engine "$engine")
        [ "$engine" = book ] || engine_flags+=(--steps-per-call 4)
        "$PY" -m gan_keras train "$gan" "${common[@]}" "${engine_flags[@]}" --output-dir "$dir" "$@" \
            > "$RUNS/${name}_$engine.log" 2>&1 || { echo "$name ($engine) failed: $RUNS/${name}_$engine.log"; exit 1; }
        (cd "$dir" && find . -name history.csv | sort) | while read -r file; do
            flat=$(echo "${file#./}" | tr / _)
            cp "$dir/$file" "$OUT/${name}_${engine}_$flat"
        done
        echo "$name ($engine): done"
    done
}

mkdir -p "$RUNS"
train dcgan dcgan --steps 8 --batch-size 16 --eval-interval 4 --eval-n 100 --ema 0.9
train cgan cgan --steps 8 --batch-size 16 --no-eval
train mlp mlp --steps 8
train gaussian gaussian --steps 40 --runs 2
train pix2pix pix2pix --steps 4 --batch-size 8
train srgan srgan --steps 4 --batch-size 8
train stackgan stackgan --steps 4 --batch-size 8
