#!/usr/bin/env bash
# The paper's architecture findings at small scale: rotation on Fashion-MNIST at the quickstart's
# budget (its schedule: 1/4 epoch in steps of 16 images, 28 px, small-input variants) for ResNet50 v1,
# ResNet50 v2, RevNet50 and VGG19-BN, each at two widths, each probed at every endpoint against its
# own random trunk (the quickstart's probe: 5,000 train, 2,500 val, all 10,000 test images). One
# table at the end.
#   jobs/architecture_study.sh [--workdir DIR] [ARCH:K ...]   (default workdir ./work/architecture_study;
#   default runs: resnet50v1:1 resnet50v1:2 resnet50v2:1 resnet50v2:2 revnet50:1 revnet50:2 vgg19_bn:1 vgg19_bn:2)
# Each run's pretraining resumes when the script is run again; finished probes are kept.
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
runs=()
rest=()
for a in "$@"; do
  if [[ "$a" == *:* && "$a" != -* ]]; then runs+=("$a"); else rest+=("$a"); fi
done
((${#runs[@]})) || runs=(resnet50v1:1 resnet50v1:2 resnet50v2:1 resnet50v2:2 revnet50:1 revnet50:2 vgg19_bn:1 vgg19_bn:2)
selfsup_job_flags "$SELFSUP_ROOT/work/architecture_study" "${rest[@]}"
start=$(date +%s)
QUICKSTART_DATA="${QUICKSTART_DATA:-$SELFSUP_ROOT/work/quickstart/data/fashion_mnist}" quickstart_data
QUICKSTART_PROBE_TRAIN=5000
EVAL="$WORKDIR/eval"
EVAL_SPEC='decode|value_range(-1,1)'

# every endpoint of the small-input trunk but logits
endpoints_of() {
  case "$1" in
    vgg19_bn) echo block1,block2,block3,block4,block5,fc6,pre_logits ;;
    *) echo after_root,block1,block2,block3,pre_logits ;;
  esac
}
# the ResNets' and RevNet's lr (0.1 at 16 images) leaves VGG19-BN barely trained; it gets the
# paper's rotation lr, 0.025 (docs/results.md, *VGG19-BN's learning rate at the quickstart's budget*)
base_lr_of() {
  case "$1" in
    vgg19_bn) echo 0.4 ;;
    *) echo 1.6 ;;
  esac
}
blocks_of() {
  case "$1" in
    vgg19_bn) echo 2,2,4,4,4 ;;   # VGG19's 16 convolutions
    *) echo 1,1,1 ;;             # the quickstart trunk: one block per stage
  esac
}

for run in "${runs[@]}"; do
  arch="${run%%:*}"; k="${run##*:}"; name="${arch}_k${k}"
  # the quickstart's schedule (jobs/quickstart.sh): 1/4 epoch of rotation in steps of 16 images
  selfsup "${MASTER_ARGS[@]}" pretrain --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$WORKDIR/$name" \
    --task rotation --architecture "$arch" --filters_factor "$k" --small_input --blocks_per_stage "$(blocks_of "$arch")" \
    --batch_norm_decay 0.9 --input_size 28 --preprocess 'decode|flip_lr|value_range(-1,1)' \
    --batch_size 16 --base_lr "$(base_lr_of "$arch")" --warmup_epochs 0.02 --epochs 0.25 --decay_epochs 0.2 --chunks_per_epoch 24 \
    --num_workers 1 --minibatch_storage MEMORY_ONLY
  for init in random rotation; do
    [[ -e "$EVAL/eval-${name}_$init.json" ]] && continue
    flags=(--name "${name}_$init")
    [[ "$init" == random ]] && flags+=(--random_init)
    quickstart_probe --checkpoint "$WORKDIR/$name" "${flags[@]}" --endpoints "$(endpoints_of "$arch")" \
      --preprocess "$EVAL_SPEC"
  done
done
echo
echo "architecture study: $(( $(date +%s) - start ))s"
selfsup compare --workdir "$EVAL"
