#!/usr/bin/env bash
# Steps the Fashion-MNIST quickstarts share. Source after launcher.sh and selfsup_job_flags.
#   quickstart_data          Fashion-MNIST IDX files (installing Debian's package if it can) -> TFRecord
#                            shards in $DATA (default: those of jobs/quickstart.sh, work/quickstart/data/fashion_mnist)
#   quickstart_probe ARGS    a linear evaluation on $QUICKSTART_PROBE_TRAIN (default 10,000) training
#                            images, 2,500 val, 10,000 test
#   quickstart_table         the comparison table of $EVAL
# The small trunk every quickstart trains: ResNet50 v2, k=1, 3x3 root, no max-pool, one bottleneck
# block per stage (QUICKSTART_TRUNK).

QUICKSTART_TRUNK=(--architecture resnet50v2 --filters_factor 1 --small_input --blocks_per_stage 1,1,1
                  --batch_norm_decay 0.9)

# MLlib's logistic regression calls BLAS through netlib-java (dev.ludovic.netlib), which uses the
# system's libblas.so.3 when there is one, else its pure-Java code (measured here: half the matrix-multiply speed).
# Installs OpenBLAS when it can (root with apt-get), says so otherwise; never fails for it.
quickstart_native_blas() {
  if ldconfig -p 2>/dev/null | grep -q 'libblas\.so\.3'; then
    return
  fi
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    selfsup_log "installing Debian's libopenblas0-pthread (native BLAS for MLlib's logistic regression) ..."
    (apt-get update -qq && apt-get install -y -qq libopenblas0-pthread >/dev/null) \
      || selfsup_log "could not install libopenblas0-pthread; MLlib will use its Java BLAS (slower probes)"
  else
    selfsup_log "no libblas.so.3: MLlib will use its Java BLAS (slower probes); apt-get install libopenblas0-pthread helps"
  fi
}

quickstart_data() {
  quickstart_native_blas
  local fmnist="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
  DATA="${QUICKSTART_DATA:-$SELFSUP_ROOT/work/quickstart/data/fashion_mnist}"
  if [[ -e "$DATA/test-00003-of-00004" && -z "${QUICKSTART_REIMPORT:-}" ]]; then
    selfsup_log "reusing the shards in $DATA (QUICKSTART_REIMPORT=1 imports again)"
    return
  fi
  if [[ ! -e "$fmnist/train-images-idx3-ubyte.gz" && ! -e "$fmnist/train-images-idx3-ubyte" ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      selfsup_log "installing Debian's dataset-fashion-mnist (the four IDX files) ..."
      apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null
    elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
      selfsup_log "installing Debian's dataset-fashion-mnist with sudo ..."
      sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
    else
      echo "Fashion-MNIST not found in $fmnist. Install it (Debian/Ubuntu: apt-get install dataset-fashion-mnist)," >&2
      echo "or put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and" >&2
      echo "t10k-labels-idx1-ubyte.gz in a folder and run: FASHION_MNIST_DIR=/that/folder $0" >&2
      exit 2
    fi
  fi
  selfsup "${MASTER_ARGS[@]}" import fashion_mnist --source_dir "$fmnist" --dataset_dir "$DATA" --overwrite
}

quickstart_probe() {
  selfsup "${MASTER_ARGS[@]}" evaluate --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$EVAL" \
    --limit train="${QUICKSTART_PROBE_TRAIN:-10000}" --reg_params 1e-3,1e-2 --max_iter 100 "$@"
}

quickstart_table() {
  echo
  echo "Fashion-MNIST linear evaluation (test top-1 of the layer best on val), $(( $(date +%s) - start ))s in all:"
  selfsup compare --workdir "$EVAL"
}

# quickstart_pretext TASK PRETRAIN_FLAGS...: a fresh pretraining of TASK on the small trunk with
# the given flags, a dump of the task's network inputs (inspect --task), and linear probes of the
# randomly initialised trunk and of the pretrained one (same architecture, same evaluation).
quickstart_pretext() {
  local task="$1"; shift
  local run="$WORKDIR/$task"
  EVAL="$WORKDIR/eval"
  start=$(date +%s)
  selfsup_build
  mkdir -p "$WORKDIR"
  rm -rf "$run" "$EVAL" "$WORKDIR/inspect"   # a fresh run each time (pretrain would otherwise resume)
  quickstart_data
  selfsup "${MASTER_ARGS[@]}" inspect --dataset fashion_mnist --dataset_dir "$DATA" --split train --num_images 4 \
    --task "$task" "$@" --dump "$WORKDIR/inspect"
  selfsup "${MASTER_ARGS[@]}" pretrain --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$run" \
    --task "$task" "${QUICKSTART_TRUNK[@]}" --num_workers 1 --minibatch_storage MEMORY_ONLY "$@" "${QUICKSTART_SCHEDULE[@]}"
  quickstart_probe --checkpoint "$run" --random_init
  quickstart_probe --checkpoint "$run" --name "$task"
  quickstart_table
}
