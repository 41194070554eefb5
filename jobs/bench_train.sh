#!/usr/bin/env bash
# Training and inference images/s (oneDNN on, no Spark; rates count network inputs) of each
# architecture: at the quickstart's size (28 px, small-input variant, one block per stage; VGG19-BN
# with its 16 convolutions) and at the paper's 224 px. The Spark pipeline's own rate is in the
# progress lines and metrics.csv of any pretrain run.
#   jobs/bench_train.sh [SECONDS_PER_MODEL]      (default 30)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
selfsup_build
secs="${1:-30}"
cp="$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*.jar | grep -v -- '-spark.jar' | head -n1):$SELFSUP_ROOT/target/lib/*"
run() { OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" java "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx6g \
  -Dorg.eclipse.deeplearning4j.helpers.disable=false -cp "$cp" org.selfsup.bench.TrainBenchmark "${@:1:6}" "$secs" "${@:7}"; }
run resnet50v2 1 28 small 1,1,1 64     # the quickstart model (its steps: 16 images x 4 rotations)
run resnet50v1 1 28 small 1,1,1 64
run revnet50 1 28 small 1,1,1 64
run vgg19_bn 1 28 small 2,2,4,4,4 64
run resnet50v2 1 32 small 2,2,2 64
run resnet50v1 4 224 standard 3,4,6,3 8  # the paper's ResNet50
run resnet50v2 4 224 standard 3,4,6,3 8
run revnet50 4 224 standard 3,4,6,3 8
run vgg19_bn 4 224 standard 2,2,4,4,4 8
# the patch tasks' networks (9 or 2 patches an example, a shared trunk; rates count examples):
# jobs/quickstart_jigsaw.sh's, and the method spec's jigsaw (64 px patches of a 255 px crop)
run resnet50v2 1 64 small 1,1,1 32 task=jigsaw
run resnet50v2 1 64 small 1,1,1 64 task=relative_patch_location
run resnet50v1 1 255 standard 3,4,6,3 8 task=jigsaw
