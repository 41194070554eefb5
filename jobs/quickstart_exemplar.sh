#!/usr/bin/env bash
# Exemplar on Fashion-MNIST: 8 augmented copies of each 28 px image (inception crop, flip, colour
# distortion, grayscale, standardisation), semi-hard triplet loss on a 128-d embedding, then
# linear probes of the random and the pretrained trunk.
# Usage: jobs/quickstart_exemplar.sh [--master MASTER] [--workdir DIR]
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
selfsup_job_flags "$SELFSUP_ROOT/work/quickstart_exemplar" "$@"

QUICKSTART_SCHEDULE=(--batch_size 16 --base_lr 0.8 --warmup_epochs 0.01 --epochs 0.075 --chunks_per_epoch 23)
quickstart_pretext exemplar --input_size 28 --embed_dim 128 --exemplar_copies 8
