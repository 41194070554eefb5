#!/usr/bin/env bash
# DL4J against PyTorch on the same networks, side by side (issue 15's parity target): for each of
# three networks of jobs/bench_train.sh, DL4J's org.selfsup.bench.TrainBenchmark (run as
# bench_train.sh runs it) and its PyTorch twin jobs/lib/torch_twin.py (the same network layer for
# layer, same batch, loss, optimiser, batch-norm mode; parameter counts checked equal) run in
# alternating rounds; prints the medians, the ratios DL4J / PyTorch and the torch version.
#   jobs/bench_torch.sh [SECONDS_PER_RUN] [ROUNDS]      (default 30, 3)
# Both sides run with OMP_NUM_THREADS (default nproc) threads and
# GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
# (without it PyTorch's freed buffers go back to the kernel and fault in again every step);
# GLIBC_TUNABLES= (empty) runs both with glibc's defaults instead.
# PyTorch: SELFSUP_PYTHON, else python3 or /usr/bin/python3 if it imports torch, else Debian's
# python3-torch is installed (as root; otherwise the script says so and exits 2).
# Exit 1 if a twin's parameter counts differ from DL4J's.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/lib/launcher.sh"
source "$here/lib/torch_python.sh"
secs="${1:-30}"
rounds="${2:-3}"
if ! [[ "$secs" =~ ^[0-9]+([.][0-9]+)?$ && "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: jobs/bench_torch.sh [SECONDS_PER_RUN] [ROUNDS]  (SECONDS a positive number, ROUNDS a positive integer; got '$secs' '$rounds')" >&2
  exit 2
fi

py="$(selfsup_torch_python)"
selfsup_build

cp="$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*.jar | grep -v -- '-spark.jar' | head -n1):$SELFSUP_ROOT/target/lib/*"
threads="${OMP_NUM_THREADS:-$(nproc)}"
export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184}"
torch_version="$("$py" -c 'import re, torch; m = re.search(r"(?:MKL-DNN|oneDNN) v([0-9.]+)", torch.__config__.show()); print(torch.__version__ + (" (oneDNN " + m.group(1) + ")" if m else ""))')"
if [[ "$py" == /usr/bin/python3 ]] && deb="$(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null)"; then
  torch_version+=", Debian python3-torch $deb"
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# One run of each side; sets the fields parsed from its output lines (the whole output on failure).
run_dl4j() {
  if ! OMP_NUM_THREADS="$threads" java "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx6g \
      -Dorg.eclipse.deeplearning4j.helpers.disable=false -cp "$cp" org.selfsup.bench.TrainBenchmark "$@" "$secs" >"$log" 2>&1; then
    cat "$log" >&2; echo "bench_torch.sh: TrainBenchmark $* failed" >&2; exit 1
  fi
  local line; line="$(grep -E ' params=[0-9]+: train ' "$log" | tail -n1)"
  echo "    DL4J:    $line"
  dl4j_params="$(sed -E 's/.* params=([0-9]+): .*/\1/' <<<"$line")"
  dl4j_train="$(sed -E 's/.*: train ([0-9.]+) images.*/\1/' <<<"$line")"
  dl4j_infer="$(sed -E 's/.*, inference ([0-9.]+) images.*/\1/' <<<"$line")"
  dl4j_trainable="$(sed -nE 's/^trainable params=([0-9]+) .*/\1/p' "$log" | tail -n1)"
}
run_torch() {
  if ! OMP_NUM_THREADS="$threads" "$py" "$here/lib/torch_twin.py" "$@" "$secs" "$threads" >"$log" 2>&1; then
    cat "$log" >&2; echo "bench_torch.sh: torch_twin.py $* failed" >&2; exit 1
  fi
  local line; line="$(grep -E '^torch .* params=' "$log" | tail -n1)"
  echo "    PyTorch: $line"
  torch_params="$(sed -E 's/.* params=([0-9]+) .*/\1/' <<<"$line")"
  torch_trainable="$(sed -E 's/.*\(trainable=([0-9]+) .*/\1/' <<<"$line")"
  torch_running="$(sed -E 's/.* bn_running=([0-9]+)\).*/\1/' <<<"$line")"
  torch_train="$(sed -E 's/.*: train ([0-9.]+) images.*/\1/' <<<"$line")"
  torch_infer="$(sed -E 's/.*, inference ([0-9.]+) images.*/\1/' <<<"$line")"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf("%.2f", (b > 0) ? a / b : 0)}'; }

echo "DL4J (TrainBenchmark, oneDNN on) against PyTorch $torch_version ($py), $threads threads each, ${secs} s per run, $rounds alternating rounds"
echo "GLIBC_TUNABLES=${GLIBC_TUNABLES:-(unset: glibc defaults)}"
echo "Parameters compared: DL4J numParams() (counts batch norm's running mean and variance) = PyTorch trainable parameters + BN running_mean + running_var; and trainable = trainable."
summary=()
bench() {
  local title="$1"; shift
  local dt=() di=() tt=() ti=() r
  echo
  echo "== $title: $*"
  for ((r = 1; r <= rounds; r++)); do
    echo "  round $r"
    # the side that starts alternates, so that a drift in the machine's speed hits both
    if ((r % 2)); then run_dl4j "$@"; run_torch "$@"; else run_torch "$@"; run_dl4j "$@"; fi
    if [[ "$dl4j_params" != "$torch_params" || "$dl4j_trainable" != "$torch_trainable" ]]; then
      echo "!!!!!! PARAMETER COUNT MISMATCH on $*: DL4J numParams $dl4j_params (trainable ${dl4j_trainable:-?}), PyTorch $torch_params (trainable $torch_trainable + BN running $torch_running): the twin is not the same network !!!!!!"
      exit 1
    fi
    dt+=("$dl4j_train"); di+=("$dl4j_infer"); tt+=("$torch_train"); ti+=("$torch_infer")
  done
  local mdt mdi mtt mti
  mdt="$(median "${dt[@]}")"; mdi="$(median "${di[@]}")"; mtt="$(median "${tt[@]}")"; mti="$(median "${ti[@]}")"
  echo "  params: DL4J numParams $dl4j_params = PyTorch $torch_trainable trainable + $torch_running BN running mean/variance (equal; trainable $dl4j_trainable both)"
  printf '  DL4J    train %8s images/s   inference %8s images/s   (median of %d)\n' "$mdt" "$mdi" "$rounds"
  printf '  PyTorch train %8s images/s   inference %8s images/s   (median of %d, torch %s)\n' "$mtt" "$mti" "$rounds" "$torch_version"
  printf '  DL4J / PyTorch: train %s, inference %s\n' "$(ratio "$mdt" "$mtt")" "$(ratio "$mdi" "$mti")"
  summary+=("| $title | $dl4j_params | $mdt | $mtt | **$(ratio "$mdt" "$mtt")** | $mdi | $mti | **$(ratio "$mdi" "$mti")** |")
}

bench "quickstart trunk, ResNet50 v2 k=1, 28 px, 1 block per stage, batch 64" resnet50v2 1 28 small 1,1,1 64
bench "ResNet50 v2 k=1, 32 px, 2 blocks per stage, batch 64" resnet50v2 1 32 small 2,2,2 64
bench "ResNet50 v1 k=4, 224 px, batch 8" resnet50v1 4 224 standard 3,4,6,3 8

echo
echo "Summary (images/s, medians of $rounds rounds; PyTorch $torch_version; GLIBC_TUNABLES=${GLIBC_TUNABLES:-unset}; $threads threads):"
echo "| network | params | DL4J train | PyTorch train | ratio | DL4J inference | PyTorch inference | ratio |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
