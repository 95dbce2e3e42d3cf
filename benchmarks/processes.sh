#!/usr/bin/env bash
# Steps per second of the DCGAN on JAX's compiled engine: one process, then the same run (same global
# batch) as a job of N local processes (`gan-keras launch`), and what a step of the job costs more.
#
#   bash benchmarks/processes.sh [N] [STEPS] [BATCH]      # defaults: 2 processes, 60 steps, batch 64
#
# The speed is taken from the runs' own "K steps in S s" line minus a first run of 4 steps (start-up,
# data and compilation), so it is the pace of the steps alone. Run it on a quiet machine.
set -euo pipefail
N=${1:-2}
STEPS=${2:-60}
BATCH=${3:-64}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-outputs/processes_benchmark}
mkdir -p "$OUT"
export KERAS_BACKEND=jax TF_CPP_MIN_LOG_LEVEL=3
common=(dcgan --engine compiled --batch-size "$BATCH" --no-eval --no-progress --deterministic --seed 0
        --save-interval 100000 --checkpoint-interval 100000 --overwrite)

seconds() {  # the "K steps in S s" of a log
    grep -o "[0-9]* steps in [0-9.]* s" "$1" | tail -1 | awk '{print $4}'
}

run() {  # NAME PROCESSES STEPS
    local log="$OUT/$1.log"
    if [ "$2" = 1 ]; then
        "$PY" -m gan_keras train "${common[@]}" --steps "$3" --output-dir "$OUT/$1" > "$log" 2>&1
    else
        "$PY" -m gan_keras launch -n "$2" -- train "${common[@]}" --steps "$3" --output-dir "$OUT/$1" > "$log" 2>&1
    fi
    seconds "$log"
}

for processes in 1 "$N"; do
    short=$(run "p${processes}_short" "$processes" 4)
    long=$(run "p${processes}_long" "$processes" $((STEPS + 4)))
    rate=$(awk -v l="$long" -v s="$short" -v n="$STEPS" 'BEGIN { printf "%.3f", n / (l - s) }')
    echo "$processes process(es), batch $BATCH: $rate steps/s (${STEPS} steps: $long s - start $short s)"
    eval "rate_$processes=$rate"
done
awk -v a="$rate_1" -v b="$(eval echo \$rate_$N)" -v n="$N" \
    'BEGIN { printf "%d processes / 1: %.2fx the steps/s; %.1f ms more per step\n", n, b / a, 1000 / b - 1000 / a }'
