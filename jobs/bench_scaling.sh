#!/usr/bin/env bash
# Scaling of parameter averaging across executors, on a Spark standalone cluster started on
# this machine from the project's jars (a master and two workers of 1 core each, each worker and its
# executors pinned to a CPU of its own with taskset, so that 1 core means 1 CPU): rotation on the
# other quickstarts' trunk (ResNet50 v2, k=1, 28 px, one block per stage) with 1 executor x 1 core,
# then with 2 executors x 1 core, the same images and flags. Prints, for each, the training
# images/s and the held-out pretext loss at the end; then the ratios. Then, without Spark, the
# machine's own ceiling for the pair: the same network's training in one pinned JVM alone against two
# at once (CEILING_SAMPLES alternations, default 3, of CEILING_SECONDS, default 20). The driver's log
# has, per chunk, each worker's seconds of training against the span of the averaging rounds.
#   [SEEDS="0 1 2"] jobs/bench_scaling.sh [--workdir DIR] [EPOCHS [AVERAGING_FREQUENCY]]
#   (defaults: ./work/bench_scaling, 0.125 epochs = 7,500 images, averaging every 5 minibatches, as
#   pretrain's --averaging_frequency; SEEDS "0"). With several seeds (pretrain's --seed: initialisation,
#   shuffling, augmentation and the held-out images' flips), each trains once with 1 and once with 2
#   executors, and the loss is compared seed by seed and on the mean. The loss is measured on the whole
#   val shard (--pretext_eval_images 2500, 10,000 rotated inputs): on pretrain's default 256 a trained
#   network errs about 20 times, and the loss moved 17% from seed to seed.
#   The pair trains each chunk in one barrier stage averaging through a hub on the driver; the single
#   executor on DL4J's master. One epoch, every 5, seeds 0 1 2: 1.95x against a ceiling of 1.97x, the
#   held-out loss +0.8% on the means (on an AVX-512 Xeon; 1.78x in the sixteenth session, before the
#   workers kept their workspaces and exchanged without copies; docs/results.md, 2026-12-05,
#   eighteenth session).
# Logs of the cluster's daemons and executors: WORKDIR/cluster/.
source "$(dirname "${BASH_SOURCE[0]}")/lib/launcher.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/quickstart.sh"
positional=()
flags=()
while (($#)); do
  case "$1" in
    --workdir|--master) flags+=("$1" "$2"); shift 2 ;;
    -*) flags+=("$1"); shift ;;
    *) positional+=("$1"); shift ;;
  esac
done
selfsup_job_flags "$SELFSUP_ROOT/work/bench_scaling" "${flags[@]}"
WORKDIR=$(realpath -m "$WORKDIR")   # the event log directory is a file:// URI
EPOCHS="${positional[0]:-0.125}"
FREQUENCY="${positional[1]:-5}"
[[ "$EPOCHS" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "EPOCHS must be a positive number, not '$EPOCHS'" >&2; exit 2; }
[[ "$FREQUENCY" =~ ^[1-9][0-9]*$ ]] || { echo "AVERAGING_FREQUENCY must be a positive integer, not '$FREQUENCY'" >&2; exit 2; }
((${#positional[@]} <= 2)) || { echo "at most EPOCHS and AVERAGING_FREQUENCY, not: ${positional[*]}" >&2; exit 2; }
read -r -a seeds <<<"${SEEDS:-0}"
((${#seeds[@]})) || { echo "SEEDS must name at least one seed" >&2; exit 2; }
for seed in "${seeds[@]}"; do
  [[ "$seed" =~ ^[0-9]+$ ]] || { echo "SEEDS must be non-negative integers, not '$seed'" >&2; exit 2; }
done
((${#MASTER_ARGS[@]} == 0)) || { echo "bench_scaling.sh starts its own cluster; --master is not taken" >&2; exit 2; }

selfsup_build
QUICKSTART_DATA="${QUICKSTART_DATA:-$SELFSUP_ROOT/work/quickstart/data/fashion_mnist}" quickstart_data
CLUSTER="$WORKDIR/cluster"
rm -rf "$CLUSTER"
mkdir -p "$CLUSTER/spark-home/jars" "$CLUSTER/spark-home/conf"
# A worker launches executors with SPARK_HOME/jars on their class path: every jar of the build.
thin=$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*.jar | grep -v -- '-spark.jar' | head -n1)
ln -s "$SELFSUP_ROOT"/target/lib/*.jar "$thin" "$CLUSTER/spark-home/jars/"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
daemons=()
stop_cluster() { ((${#daemons[@]})) && kill "${daemons[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap stop_cluster EXIT
daemon() {   # CPU NAME CLASS ARGS...: a daemon pinned to one CPU (its executors inherit the pinning)
  local cpu="$1" name="$2"; shift 2
  # SPARK_SCALA_VERSION: without a Spark source tree to look at, the worker cannot build the executor
  # command otherwise
  SPARK_HOME="$CLUSTER/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 OMP_NUM_THREADS=1 \
    taskset -c "$cpu" "$java" "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx512m -cp "$CLUSTER/spark-home/jars/*" "$@" \
    >"$CLUSTER/$name.log" 2>&1 &
  daemons+=($!)
}
port=$(free_port)
ui=$(free_port)
daemon "0-$(( $(nproc) - 1 ))" master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui"
for w in 1 2; do
  mkdir -p "$CLUSTER/work-$w"
  daemon "$(( (w - 1) % $(nproc) ))" "worker-$w" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
    --cores 1 --memory 6g --work-dir "$CLUSTER/work-$w" "spark://127.0.0.1:$port"
done
alive_workers() {   # the master's JSON status page
  python3 -c 'import json, sys, urllib.request
try:
    print(json.load(urllib.request.urlopen(sys.argv[1], timeout=2))["aliveworkers"])
except Exception:
    print(0)' "http://127.0.0.1:$ui/json/"
}
for _ in $(seq 120); do
  (($(alive_workers) >= 2)) && break
  sleep 1
done
(($(alive_workers) >= 2)) || { echo "the standalone cluster did not start; see $CLUSTER/*.log" >&2; exit 1; }
selfsup_log "standalone cluster spark://127.0.0.1:$port with 2 workers of 1 core"

# EXECUTORS SEED: one pretraining; sets SECONDS_TRAINED, IMAGES, LOSS, WALL
run() {
  local n="$1" seed="$2" dir="$WORKDIR/run-$1x1-seed$2"
  rm -rf "$dir" "$dir-events"
  local started
  started=$(date +%s)
  # The driver needs no OpenMP threads of its own while executors train (it runs the held-out
  # pretext probe between chunks).
  mkdir -p "$dir-events"
  OMP_NUM_THREADS=1 SELFSUP_JAVA_OPTS="-Dspark.cores.max=$n -Dspark.executor.cores=1 -Dspark.executor.memory=3g \
-Dspark.executorEnv.OMP_NUM_THREADS=1 -Dspark.driver.host=127.0.0.1 -Dspark.eventLog.enabled=true \
-Dspark.eventLog.dir=file://$dir-events" \
  selfsup --master "spark://127.0.0.1:$port" pretrain --dataset fashion_mnist --dataset_dir "$DATA" --workdir "$dir" \
    --task rotation "${QUICKSTART_TRUNK[@]}" --input_size 28 --preprocess 'decode|flip_lr|value_range(-1,1)' \
    --batch_size 16 --base_lr 1.6 --warmup_epochs 0.02 --epochs "$EPOCHS" --decay_epochs "$(python3 -c "print($EPOCHS*0.8)")" \
    --chunks_per_epoch 24 --seed "$seed" --num_workers "$n" --averaging_frequency "$FREQUENCY" \
    --minibatch_storage MEMORY_ONLY --pretext_eval_images 2500
  WALL=$(( $(date +%s) - started ))
  # metrics.csv: a step-0 row, then one row per chunk with the chunk's training images/s
  read -r IMAGES SECONDS_TRAINED LOSS < <(python3 - "$dir/metrics.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
chunks = [r for r in rows if int(r["step"]) > 0]
images = sum(int(r["records_used"]) for r in chunks)
seconds = sum(int(r["records_used"]) / float(r["images_per_second"]) for r in chunks)
print(images, f"{seconds:.1f}", rows[-1]["pretext_loss"])
EOF
)
  # Spark's event log: where the executors' time went
  python3 - "$dir-events" <<'EOF'
import collections, glob, json, sys
tasks = collections.defaultdict(list)
jobs = 0
for path in glob.glob(sys.argv[1] + "/*"):
    for line in open(path):
        e = json.loads(line)
        if e["Event"] == "SparkListenerJobStart":
            jobs += 1
        elif e["Event"] == "SparkListenerTaskEnd":
            i = e["Task Info"]
            tasks[i["Executor ID"]].append((i["Launch Time"], i["Finish Time"]))
first = min(t[0] for ts in tasks.values() for t in ts)
last = max(t[1] for ts in tasks.values() for t in ts)
print(f"  Spark jobs {jobs}; from the first task to the last {(last - first) / 1000:.0f} s; per executor:")
for ex, ts in sorted(tasks.items()):
    busy = sum(f - l for l, f in ts) / 1000
    print(f"  executor {ex}: {len(ts)} tasks, busy {busy:.0f} s ({100 * busy * 1000 / (last - first):.0f}% of that span)")
EOF
}

# per seed: the seed, then IMAGES SECONDS_TRAINED LOSS WALL of 1 executor, then of 2
runs=()
for seed in "${seeds[@]}"; do
  run 1 "$seed"
  runs+=("$seed" "$IMAGES" "$SECONDS_TRAINED" "$LOSS" "$WALL")
  run 2 "$seed"
  runs+=("$IMAGES" "$SECONDS_TRAINED" "$LOSS" "$WALL")
done
stop_cluster
daemons=()

# The machine's own ceiling for the pair, without Spark: the same network and step (64 inputs) trained
# by one pinned one-thread JVM alone, then by two at once on the two CPUs; CEILING_SAMPLES alternations
# of CEILING_SECONDS each (their spread shows how much this machine's rates wander).
cp="$thin:$SELFSUP_ROOT/target/lib/*"
train_rate() {   # CPU: inputs/s of one pinned training
  OMP_NUM_THREADS=1 taskset -c "$1" "$java" "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx3g -Dorg.eclipse.deeplearning4j.helpers.disable=false -cp "$cp" \
    org.selfsup.bench.TrainBenchmark resnet50v2 1 28 small 1,1,1 64 "${CEILING_SECONDS:-20}" 2>/dev/null \
    | sed -n 's/.*: train \([0-9.]*\) .*/\1/p'
}
ceiling=()
for s in $(seq "${CEILING_SAMPLES:-3}"); do
  alone=$(train_rate 0)
  train_rate 0 >"$WORKDIR/pair-0" & train_rate 1 >"$WORKDIR/pair-1"
  wait
  ceiling+=("$alone" "$(cat "$WORKDIR/pair-0")" "$(cat "$WORKDIR/pair-1")")
done
python3 - "$FREQUENCY" "${#seeds[@]}" "${runs[@]}" "${ceiling[@]}" <<'EOF'
import statistics, sys
freq = sys.argv[1]
n = int(sys.argv[2])
values = [float(x) for x in sys.argv[3:]]
runs = [values[9 * i:9 * i + 9] for i in range(n)]
samples = values[9 * n:]
print()
print(f"rotation, ResNet50 v2 k=1 28 px, steps of 16 images per executor; 2 executors averaging every {freq} minibatches")
print(f"{'seed':<6}{'executors':<10}{'images':>8}{'training s':>12}{'images/s':>10}{'wall s':>8}{'held-out pretext loss':>23}")
gaps = []
for r in runs:
    seed, one, two = int(r[0]), r[1:5], r[5:9]
    for name, x in (("1 x 1", one), ("2 x 1", two)):
        print(f"{seed:<6}{name:<10}{x[0]:>8.0f}{x[1]:>12.1f}{x[0] / x[1]:>10.1f}{x[3]:>8.0f}{x[2]:>23.4f}")
    gaps.append(100 * (two[2] / one[2] - 1))
    print(f"{'':<6}speed-up {(two[0] / two[1]) / (one[0] / one[1]):.2f}x, loss {gaps[-1]:+.1f}%")
def total(k):   # images, seconds and wall summed over the seeds; the mean loss
    cols = [r[k:k + 4] for r in runs]
    return [sum(c[0] for c in cols), sum(c[1] for c in cols), statistics.mean(c[2] for c in cols), sum(c[3] for c in cols)]
one, two = total(1), total(5)
speed = (two[0] / two[1]) / (one[0] / one[1])
print(f"speed-up (training images/s over all runs): {speed:.2f}x (target >= 1.8); wall: {one[3] / two[3]:.2f}x")
print(f"held-out pretext loss, mean over {n} seed(s): 1 executor {one[2]:.4f}, 2 executors {two[2]:.4f}: "
      f"{100 * (two[2] / one[2] - 1):+.1f}% (target within 5%)"
      + (f"; seed by seed {', '.join(f'{g:+.1f}%' for g in gaps)}" if n > 1 else ""))
print()
print("this machine without Spark: training inputs/s of one pinned JVM alone, then of two at once")
ratios = []
for i in range(0, len(samples) - 2, 3):
    alone, a, b = samples[i:i + 3]
    ratios.append((a + b) / alone)
    print(f"  alone {alone:7.1f}   pair {a:7.1f} + {b:7.1f}   {ratios[-1]:.2f}x")
if ratios:
    ceiling = statistics.median(ratios)
    print(f"pair ceiling (median): {ceiling:.2f}x; the Spark pair reached {speed / ceiling:.0%} of it")
EOF
