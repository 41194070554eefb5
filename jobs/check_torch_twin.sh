#!/usr/bin/env bash
# Checks that jobs/bench_torch.sh's PyTorch twin (jobs/lib/torch_twin.py) computes what DL4J's
# network computes: DL4J's parameters (org.selfsup.bench.TwinDump) loaded into the twin, then the
# inference and training-mode outputs, the loss and one training step compared
# (jobs/lib/torch_twin_check.py). Run it after changing how DL4J builds or computes these layers.
# A draw whose step float rounding cannot decide (a ReLU input within rounding of zero) is drawn again.
#   jobs/check_torch_twin.sh                                  (bench_torch.sh's three networks,
#                                                              at batches 8, 8 and 2)
#   jobs/check_torch_twin.sh ARCH K INPUT_SIZE small|standard BLOCKS BATCH
# Exit 1 if any network does not match.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/lib/launcher.sh"
source "$here/lib/torch_python.sh"
if (($# != 0 && $# != 6)); then
  echo "usage: jobs/check_torch_twin.sh [ARCH K INPUT_SIZE small|standard BLOCKS BATCH]" >&2
  exit 2
fi
py="$(selfsup_torch_python)"
selfsup_build
cp="$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*.jar | grep -v -- '-spark.jar' | head -n1):$SELFSUP_ROOT/target/lib/*"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
# Up to 5 draws per network: a draw with a ReLU input within float rounding of zero cannot decide the
# step (torch_twin_check.py exits 3) and is drawn again.
check() {
  local dir="$work/$1-$2-$3-$4-$5" draw rc
  for draw in 1 2 3 4 5; do
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" java "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx6g \
      -Dorg.eclipse.deeplearning4j.helpers.disable=false -cp "$cp" org.selfsup.bench.TwinDump "$@" "$dir" >"$work/log" 2>&1 \
      || { cat "$work/log" >&2; echo "check_torch_twin.sh: TwinDump $* failed" >&2; exit 1; }
    rc=0
    "$py" "$here/lib/torch_twin_check.py" "$1" "$2" "$3" "$4" "$5" "$dir" || rc=$?
    rm -rf "$dir"
    ((rc == 3)) || break
  done
  if ((rc == 3)); then
    echo "  no draw of 5 decided the step: counted as a mismatch"
  fi
  ((rc == 0)) || status=1
}
if (($# == 6)); then
  check "$@"
else
  check resnet50v2 1 28 small 1,1,1 8
  check resnet50v2 1 32 small 2,2,2 8
  check resnet50v1 4 224 standard 3,4,6,3 2
fi
exit "$status"
