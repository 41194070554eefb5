#!/usr/bin/env bash
# Training and inference images/s (oneDNN on, no Spark; rates count network inputs) of the
# quickstart model and of ResNet50 v1 (k=4, 224 px). The Spark pipeline's own rate is in the
# progress lines and metrics.csv of any pretrain run.
#   jobs/bench_train.sh [SECONDS_PER_MODEL]      (default 30)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
selfsup_build
secs="${1:-30}"
cp="$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*.jar | grep -v -- '-spark.jar' | head -n1):$SELFSUP_ROOT/target/lib/*"
run() { OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" java "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx6g \
  -Dorg.eclipse.deeplearning4j.helpers.disable=false -cp "$cp" org.selfsup.bench.TrainBenchmark "$@" "$secs"; }
run resnet50v2 1 28 small 1,1,1 64     # the quickstart model (its steps: 16 images x 4 rotations)
run resnet50v2 1 32 small 2,2,2 64
run resnet50v1 4 224 standard 3,4,6,3 8  # the paper's ResNet50
