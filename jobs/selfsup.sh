#!/usr/bin/env bash
# Any subcommand, through the shared launcher:  jobs/selfsup.sh inspect --dataset_dir DIR ...
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
selfsup "$@"
