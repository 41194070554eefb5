#!/usr/bin/env bash
# Jigsaw on Fashion-MNIST: the quickstart's small trunk on 16 px patches (as relative patch
# location), 100 generated permutations, 2 per image and step (the paper: 8; each one costs 9
# trunk passes), then linear probes of the random and the pretrained trunk.
# Usage: jobs/quickstart_jigsaw.sh [--master MASTER] [--workdir DIR]
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
selfsup_job_flags "$SELFSUP_ROOT/work/quickstart_jigsaw" "$@"

QUICKSTART_SCHEDULE=(--batch_size 16 --base_lr 0.8 --warmup_epochs 0.01 --epochs 0.075 --chunks_per_epoch 23)
quickstart_pretext jigsaw --input_size 64 --embed_dim 128 --head_hidden 512 --permutations_per_image 2
