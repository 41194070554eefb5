#!/usr/bin/env bash
# The linear probe's speed on the full Fashion-MNIST split: block2 of the quickstart trunk at random
# initialisation (57,500 x 6,272 features), per L2 strength, against the memory-bandwidth bound
# (passes x bytes per pass / measured read bandwidth) and against MLlib's LogisticRegression at the
# strength picked, side by side in one JVM.
#   jobs/bench_probe.sh [--workdir DIR] [--no_mllib]   (default workdir: ./work/bench_probe)
# The features are extracted once (a few minutes) and reused by later runs.
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
compare=mllib
args=()
for a in "$@"; do
  if [[ "$a" == --no_mllib ]]; then compare=""; else args+=("$a"); fi
done
selfsup_job_flags "$SELFSUP_ROOT/work/bench_probe" "${args[@]}"
export SELFSUP_DRIVER_MEMORY="${SELFSUP_DRIVER_MEMORY:-12g}"
QUICKSTART_DATA="${QUICKSTART_DATA:-$SELFSUP_ROOT/work/quickstart/data/fashion_mnist}" quickstart_data
FEATURES="$WORKDIR/eval/features-random_init"
if [[ ! -e "$FEATURES/features/test/_SUCCESS" ]]; then
  # evaluate --random_init needs a checkpoint to know the network: a 2-step pretraining gives one
  selfsup "${MASTER_ARGS[@]}" pretrain --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$WORKDIR/trunk" \
    --task rotation "${QUICKSTART_TRUNK[@]}" --input_size 28 --preprocess 'decode|value_range(-1,1)' \
    --batch_size 16 --epochs 0.0006 --warmup_epochs 0 --decay_epochs 0.0005 --chunks_per_epoch 2000 --num_workers 1
  selfsup "${MASTER_ARGS[@]}" evaluate --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$WORKDIR/eval" \
    --checkpoint "$WORKDIR/trunk" --random_init --endpoints block2 --preprocess 'decode|value_range(-1,1)' \
    --reg_params 1e-3 --max_iter 1
fi
SELFSUP_MAIN=org.selfsup.bench.ProbeBenchmark selfsup "${MASTER_ARGS[@]}" "$FEATURES" block2 1e-4,1e-3,1e-2 100 $compare
