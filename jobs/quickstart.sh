#!/usr/bin/env bash
# The main job on the embedded default data (Fashion-MNIST), end to end:
#   import the IDX files into TFRecord shards -> inspect them and dump a few images.
# Usage: jobs/quickstart.sh [--master MASTER] [--workdir DIR]   (default workdir: ./work/quickstart)
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"

WORKDIR="$SELFSUP_ROOT/work/quickstart"
MASTER_ARGS=()
while (($#)); do
  case "$1" in
    --workdir) WORKDIR="$2"; shift 2 ;;
    --master) MASTER_ARGS=(--master "$2"); shift 2 ;;
    *) echo "unknown flag $1 (valid: --workdir DIR, --master MASTER)" >&2; exit 2 ;;
  esac
done

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
mkdir -p "$WORKDIR"
start=$(date +%s)
selfsup "${MASTER_ARGS[@]}" import fashion_mnist --source_dir "$FMNIST_DIR" --dataset_dir "$DATA" --overwrite
selfsup "${MASTER_ARGS[@]}" inspect --dataset fashion_mnist --dataset_dir "$DATA" --split train \
  --preprocess 'decode|resize(32)|inception_crop(32)|flip_lr|value_range(-1,1)' \
  --num_images 8 --dump "$WORKDIR/inspect"
selfsup_log "quickstart done in $(( $(date +%s) - start ))s; shards in $DATA, images in $WORKDIR/inspect"
