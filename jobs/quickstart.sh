#!/usr/bin/env bash
# The main job on the embedded default data (Fashion-MNIST), end to end, in one command:
#   import the IDX files into TFRecord shards -> inspect them (and dump a few augmented images)
#   -> rotation pretraining of a small ResNet50 v2 -> linear evaluation of raw pixels, of a
#   randomly initialised trunk and of the rotation trunk -> one table.
# Usage: jobs/quickstart.sh [--master MASTER] [--workdir DIR]   (default workdir: ./work/quickstart)
# Budget: under 20 minutes on 2 cores. Every step's output stays in the workdir.
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"

selfsup_job_flags "$SELFSUP_ROOT/work/quickstart" "$@"

FMNIST_DIR="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
if [[ ! -e "$FMNIST_DIR/train-images-idx3-ubyte.gz" && ! -e "$FMNIST_DIR/train-images-idx3-ubyte" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    selfsup_log "installing Debian's dataset-fashion-mnist (the four IDX files) ..."
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    selfsup_log "installing Debian's dataset-fashion-mnist with sudo ..."
    sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "Fashion-MNIST not found in $FMNIST_DIR. Install it (Debian/Ubuntu: apt-get install dataset-fashion-mnist)," >&2
    echo "or put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and" >&2
    echo "t10k-labels-idx1-ubyte.gz in a folder and run: FASHION_MNIST_DIR=/that/folder $0" >&2
    exit 2
  fi
fi

DATA="$WORKDIR/data/fashion_mnist"
ROTATION="$WORKDIR/rotation"
EVAL="$WORKDIR/eval"
start=$(date +%s)
selfsup_build
mkdir -p "$WORKDIR"
rm -rf "$ROTATION" "$EVAL"   # a fresh run each time (pretrain would otherwise resume)

selfsup "${MASTER_ARGS[@]}" import fashion_mnist --source_dir "$FMNIST_DIR" --dataset_dir "$DATA" --overwrite
selfsup "${MASTER_ARGS[@]}" inspect --dataset fashion_mnist --dataset_dir "$DATA" --split train \
  --preprocess 'decode|flip_lr|value_range(-1,1)' --num_images 8 --dump "$WORKDIR/inspect"

# The small-input ResNet50 v2 (3x3 root, no max-pool, one bottleneck block per stage, k=1) at the
# images' own 28 px; rotation on 1/8 of an epoch (7,500 images = 30,000 rotated inputs) in
# 234 steps of 32 images (128 inputs).
selfsup "${MASTER_ARGS[@]}" pretrain --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$ROTATION" \
  --task rotation --architecture resnet50v2 --filters_factor 1 --small_input --input_size 28 \
  --blocks_per_stage 1,1,1 --preprocess 'decode|flip_lr|value_range(-1,1)' --batch_norm_decay 0.9 \
  --batch_size 32 --base_lr 0.4 --warmup_epochs 0.02 --epochs 0.125 --chunks_per_epoch 24 --num_workers 1

# Linear probes on 10,000 training images (val: the 2,500 of the val shard; test: all 10,000).
PROBE=(--dataset fashion_mnist --dataset_dir "$DATA" --workdir "$EVAL" --limit train=10000
       --reg_params 1e-3,1e-2 --max_iter 100)
selfsup "${MASTER_ARGS[@]}" evaluate "${PROBE[@]}" --raw_pixels
selfsup "${MASTER_ARGS[@]}" evaluate "${PROBE[@]}" --checkpoint "$ROTATION" --random_init
selfsup "${MASTER_ARGS[@]}" evaluate "${PROBE[@]}" --checkpoint "$ROTATION" --name rotation

echo
echo "Fashion-MNIST linear evaluation (test top-1 of the best layer), $(( $(date +%s) - start ))s in all:"
selfsup compare --workdir "$EVAL"
