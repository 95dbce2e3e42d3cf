#!/usr/bin/env bash
# The averaged generator with and without its warm-up, against the raw generator, early in a run.
#
#   bash benchmarks/ema_warmup.sh [EPOCHS] [KEEP]        # defaults: 1 epoch (`make train`'s run), keep every 50 steps
#
# Trains `make train`'s run (the DCGAN on Fashion-MNIST, batch 128, --ema 0.999) twice, with the default
# warm-up (--ema-warmup 10) and without it (--ema-warmup 0, the fixed decay of earlier versions), keeping
# both generators every KEEP steps (--keep-generators). The average trains nothing, so both runs write
# byte-identical histories (checked here). Then every kept generator, raw and averaged, and the final
# ones are scored as an outside judge would: `gan-keras evaluate`, 10,000 samples against the 10,000
# test images in the shipped classifier's features. Prints one Markdown table of FD per step.
set -euo pipefail
EPOCHS=${1:-1}
KEEP=${2:-50}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-outputs/ema_warmup}
STEPS=${STEPS:-50 100 150 200}
mkdir -p "$OUT"
export TF_CPP_MIN_LOG_LEVEL=3

for warmup in 10 0; do
    "$PY" -m gan_keras train dcgan --epochs "$EPOCHS" --batch-size 128 --save-interval 100 \
        --checkpoint-interval 100 --keep-generators "$KEEP" --ema 0.999 --ema-warmup "$warmup" --no-progress \
        --output-dir "$OUT/warmup_$warmup" --resume > "$OUT/warmup_$warmup.log" 2>&1
done
if cmp -s "$OUT/warmup_10/history.csv" "$OUT/warmup_0/history.csv"; then
    echo "histories: byte-identical"
else
    echo "histories: DIFFER"
fi

fd() {  # GENERATOR -> its FD of 10,000 samples
    "$PY" -m gan_keras evaluate --generator "$1" --n 10000 --json "$OUT/eval.json" > /dev/null 2>&1
    "$PY" -c "import json; print(f\"{json.load(open('$OUT/eval.json'))['metrics']['fd']:.1f}\")"
}

last=$(tail -1 "$OUT/warmup_10/history.csv" | cut -d, -f1)
echo "| step | generator | averaged, no warm-up | averaged, warm-up 10 |"
echo "|---:|---:|---:|---:|"
for step in $STEPS end; do
    if [ "$step" = end ]; then
        raw=generator.keras; old=ema_generator.keras; label="$last (end)"
    else
        name=$(printf "step_%07d" "$step"); raw="generators/$name.keras"; old="generators/ema_$name.keras"; label=$step
    fi
    echo "| $label | $(fd "$OUT/warmup_10/$raw") | $(fd "$OUT/warmup_0/$old") | $(fd "$OUT/warmup_10/$old") |"
done
