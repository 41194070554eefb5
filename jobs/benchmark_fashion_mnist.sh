#!/usr/bin/env bash
# The longer Fashion-MNIST configuration (budget: at most 2 hours on 2 cores): rotation
# pretraining of the small ResNet50 v2 for 1 epoch, then linear evaluation of raw pixels, of the
# same trunk at random initialisation and of the rotation trunk on the full training split (same
# endpoints for both trunks), one table at the end.
# Usage: jobs/benchmark_fashion_mnist.sh [--master MASTER] [--workdir DIR]
#   (default workdir ./work/benchmark; imports Fashion-MNIST into WORKDIR/data unless it is there)
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"

selfsup_job_flags "$SELFSUP_ROOT/work/benchmark" "$@"
# the probes of 57,500 training rows with up to 6,272 features each want more than the default 6 GB
export SELFSUP_DRIVER_MEMORY="${SELFSUP_DRIVER_MEMORY:-12g}"
start=$(date +%s)
# Fashion-MNIST (installing Debian's package if it can) and native BLAS for the probes, as the quickstart does
QUICKSTART_DATA="$WORKDIR/data/fashion_mnist" quickstart_data
# Resumes from its newest checkpoint when run again.
selfsup "${MASTER_ARGS[@]}" pretrain --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$WORKDIR/rotation" \
  --task rotation --architecture resnet50v2 --filters_factor 1 --small_input --input_size 28 \
  --blocks_per_stage 1,1,1 --preprocess 'decode|flip_lr|value_range(-1,1)' --batch_norm_decay 0.9 \
  --batch_size 64 --base_lr 0.4 --warmup_epochs 0.05 --epochs 1.0 --decay_epochs 0.6,0.85 --chunks_per_epoch 23 \
  --num_workers 1 --minibatch_storage MEMORY_ONLY
PROBE=(--dataset fashion_mnist --dataset_dir "$DATA" --workdir "$WORKDIR/eval" --reg_params 1e-4,1e-3,1e-2 --max_iter 100)
selfsup "${MASTER_ARGS[@]}" evaluate "${PROBE[@]}" --raw_pixels
# both trunks see the 28 px images as training did (the quickstart's evaluation geometry); block1 is
# where the random trunk is best (docs/results.md, architecture study)
TRUNK_PROBE=(--endpoints block1,block2,block3,pre_logits --preprocess 'decode|value_range(-1,1)')
selfsup "${MASTER_ARGS[@]}" evaluate "${PROBE[@]}" --checkpoint "$WORKDIR/rotation" --random_init "${TRUNK_PROBE[@]}"
selfsup "${MASTER_ARGS[@]}" evaluate "${PROBE[@]}" --checkpoint "$WORKDIR/rotation" --name rotation "${TRUNK_PROBE[@]}"
echo "benchmark done in $(( $(date +%s) - start ))s"
selfsup compare --workdir "$WORKDIR/eval"
