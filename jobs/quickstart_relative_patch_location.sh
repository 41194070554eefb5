#!/usr/bin/env bash
# Relative patch location on Fashion-MNIST: the quickstart's small trunk on 16 px patches (images
# upscaled to 73 px, 64 px crop, 3x3 cells of 21 px; see README, "Patch tasks on small images"),
# then linear probes of the random and the pretrained trunk (the 9 patches averaged).
# Usage: jobs/quickstart_relative_patch_location.sh [--master MASTER] [--workdir DIR]
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
selfsup_job_flags "$SELFSUP_ROOT/work/quickstart_relative_patch_location" "$@"

QUICKSTART_SCHEDULE=(--batch_size 32 --base_lr 0.4 --warmup_epochs 0.01 --epochs 0.075 --chunks_per_epoch 23)
quickstart_pretext relative_patch_location --input_size 64 --embed_dim 128 --head_hidden 512
