#!/usr/bin/env bash
# The README's GPU figures: the DCGAN on Keras' JAX backend, book and compiled engines, each precision.
#   OUT=results/ bash benchmarks/gpu.sh        (needs keras, jax with CUDA; Fashion-MNIST in $GAN_KERAS_DATA)
# 1. gan-keras benchmark at batch 32 and 128; 2. one epoch per precision with evaluation (FD);
# 3. the main job, 10 epochs at batch 32, with the compiled engine.
set -uo pipefail
cd "$(dirname "$0")/.."
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:${PYTHONPATH:-}"
PYTHON=${PYTHON:-python3}; OUT=${OUT:-outputs/gpu}; EPOCHS=${EPOCHS:-10}; STEPS=${STEPS:-}; K=${K:-32}
mkdir -p "$OUT"
length=(--epochs "$EPOCHS"); [ -n "$STEPS" ] && length=(--steps "$STEPS")
quiet() { grep -v "^WARNING\|^I0000\|^W0000\|cuda_\|absl::" || true; }
timeout "${BENCH_LIMIT:-600}" "$PYTHON" benchmarks/train_step.py --batch-sizes 32 128 --variants default compiled compiled_k --steps-per-call "$K" \
    --precisions float32 mixed_bfloat16 mixed_float16 --steps "${BENCH_STEPS:-10}" --warmup 2 \
    --json "$OUT/benchmark.json" 2>&1 | quiet
for precision in float32 mixed_bfloat16 mixed_float16; do
    timeout "${EPOCH_LIMIT:-600}" "$PYTHON" scripts/train_fashion.py --epochs 1 ${STEPS:+--steps $STEPS} --engine compiled --steps-per-call "$K" \
        --precision "$precision" --output-dir "/tmp/gpu_$precision" --overwrite --no-progress 2>&1 | quiet
    cp "/tmp/gpu_$precision/history.csv" "$OUT/history_$precision.csv"
done
started=$(date +%s)
timeout "${RUN_LIMIT:-3600}" "$PYTHON" scripts/train_fashion.py "${length[@]}" --engine compiled \
    --steps-per-call "$K" --output-dir /tmp/gpu_main --overwrite --no-progress 2>&1 | quiet
echo "main job wall time: $(( $(date +%s) - started )) s (start-up, compilation, evaluations and saving included)"
cp /tmp/gpu_main/history.csv "$OUT/history_main.csv"; cp /tmp/gpu_main/samples/last.png "$OUT/main_last.png"
cp /tmp/gpu_main/report.md "$OUT/main_report.md"
