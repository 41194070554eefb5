#!/usr/bin/env bash
# Feature extraction images/s on the quickstart trunk (ResNet50 v2 k=1, 28 px, one block per stage,
# endpoints block2 and pre_logits, batch 64, random initialisation): the network alone (feedForward
# of every vertex against the graph trimmed to the endpoints, NCHW and channels-last as extraction
# runs it, alternating rounds), then the whole
# extraction through Spark (decode, network, pooling, feature rows) of the Fashion-MNIST test split,
# five passes, with the CPU time per image (all of the JVM's threads).
#   jobs/bench_extract.sh [--master MASTER] [NETWORK_SECONDS]   (default 30; 0 skips that part)
# Uses (and, when missing, imports) the quickstart's Fashion-MNIST shards.
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
secs=30 args=()
while (($#)); do
  case "$1" in
    --master) args+=("$1" "$2"); shift 2 ;;
    *) secs="$1"; shift ;;
  esac
done
[[ "$secs" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "NETWORK_SECONDS must be a number of seconds, got '$secs'" >&2; exit 2; }
selfsup_job_flags "$SELFSUP_ROOT/work/quickstart" "${args[@]}"
QUICKSTART_DATA="${QUICKSTART_DATA:-$SELFSUP_ROOT/work/quickstart/data/fashion_mnist}" quickstart_data
SELFSUP_MAIN=org.selfsup.bench.ExtractBenchmark selfsup "${MASTER_ARGS[@]}" "$secs" "$DATA"/test-*
