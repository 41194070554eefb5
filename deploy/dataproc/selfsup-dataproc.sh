#!/usr/bin/env bash
# The pipeline on Google Cloud Dataproc (image 2.2: Spark 3.5, Scala 2.12, Java 11) and Dataproc
# Serverless (runtime 1.2: Spark 3.5, Scala 2.12, Java 17).
#
#   selfsup-dataproc.sh [--dry-run] COMMAND [OPTIONS] [-- ARGS]
#
#   create-cluster  --cluster NAME --region R --bucket gs://B [--workers 2] [--worker_machine_type n2-highmem-8]
#                   [--master_machine_type n2-highmem-8] [--executors_per_node 4] [--executor_memory 6g]
#                   [--image_version 2.2-debian12] [--gpu TYPE[:COUNT]] [--cuda_version V]
#                   --gpu: COUNT GPUs of TYPE (e.g. nvidia-tesla-t4:1) on each worker, the NVIDIA driver
#                   installed by Dataproc's initialization action gpu/install_gpu_driver.sh, one executor per GPU
#   stage           --bucket gs://B                  the application jar and the conf to gs://B/selfsup/VERSION/
#   submit          --cluster NAME --region R --bucket gs://B -- SUBCOMMAND FLAGS...   one job, waits for it
#   batch           --region R --bucket gs://B [--runtime 1.2] -- SUBCOMMAND FLAGS...   one Serverless batch
#   loop            (--cluster NAME | --serverless) --region R --bucket gs://B -- LOOP FLAGS...
#                   the paper's loop, one job (or batch) per step, in order; LOOP FLAGS are those of
#                   deploy/airflow/selfsup_steps.py (--dataset_dir, --run_dir, --task, ...)
#   delete-cluster  --cluster NAME --region R
#
# Every job gets the properties of --conf (default conf/spark-defaults.conf; --property KEY=VALUE
# adds or overrides one) as --properties, and the staged jar with main class org.selfsup.cli.Main.
# --project P is passed to every gcloud command when given. --dry-run prints each gcloud command
# as one shell-quoted line instead of running it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

SERVERLESS_RUNTIME=1.2

usage() {
  sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

if [[ "${1:-}" == --dry-run ]]; then
  DEPLOY_DRY_RUN=1
  shift
fi
COMMAND="${1:-}"
[[ -n "$COMMAND" ]] || usage
shift

CLUSTER="" REGION="" BUCKET="" PROJECT="" SERVERLESS=0 RUNTIME="$SERVERLESS_RUNTIME"
WORKERS=2 WORKER_TYPE=n2-highmem-8 MASTER_TYPE=n2-highmem-8 EXECUTORS_PER_NODE=4 EXECUTOR_MEMORY=6g
IMAGE_VERSION=2.2-debian12 GPU="" CUDA_VERSION=""
ARGS=()
while (($#)); do
  case "$1" in
    --cluster) CLUSTER="$2"; shift 2 ;;
    --region) REGION="$2"; shift 2 ;;
    --bucket) BUCKET="${2%/}"; shift 2 ;;
    --project) PROJECT="$2"; shift 2 ;;
    --conf) DEPLOY_CONF="$2"; shift 2 ;;
    --property) DEPLOY_PROPERTY_OVERRIDES+=("$2"); shift 2 ;;
    --serverless) SERVERLESS=1; shift ;;
    --runtime) RUNTIME="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --worker_machine_type) WORKER_TYPE="$2"; shift 2 ;;
    --master_machine_type) MASTER_TYPE="$2"; shift 2 ;;
    --executors_per_node) EXECUTORS_PER_NODE="$2"; shift 2 ;;
    --executor_memory) EXECUTOR_MEMORY="$2"; shift 2 ;;
    --image_version) IMAGE_VERSION="$2"; shift 2 ;;
    --gpu) GPU="$2"; shift 2 ;;
    --cuda_version) CUDA_VERSION="$2"; shift 2 ;;
    --dry-run) DEPLOY_DRY_RUN=1; shift ;;
    --) shift; ARGS=("$@"); break ;;
    *) deploy_die "unknown option $1 for $COMMAND (see: $0 with no arguments)" ;;
  esac
done

need() {
  local flag value
  for flag in "$@"; do
    case "$flag" in
      --cluster) value="$CLUSTER" ;;
      --region) value="$REGION" ;;
      --bucket) value="$BUCKET" ;;
    esac
    [[ -n "$value" ]] || deploy_die "$COMMAND needs $flag"
  done
  if [[ -n "$BUCKET" && "$BUCKET" != gs://* ]]; then
    deploy_die "--bucket must be a gs:// URI, not '$BUCKET'"
  fi
}

project_flag() {
  [[ -n "$PROJECT" ]] && printf '%s\n' "--project=$PROJECT"
  return 0
}

artifacts() { echo "$BUCKET/selfsup/$(deploy_version)"; }
staged_jar() { echo "$(artifacts)/$(deploy_jar_name)"; }

check_runtime() {
  case "$RUNTIME" in
    1.2) ;;
    2.*|3.*) deploy_die "Dataproc Serverless runtime $RUNTIME runs Scala 2.13; this jar is built for Scala 2.12 (Spark 3.5): use --runtime 1.2" ;;
    *) deploy_die "Dataproc Serverless runtime $RUNTIME does not run Spark 3.5 with Scala 2.12: use --runtime 1.2" ;;
  esac
}

create_cluster() {
  need --cluster --region --bucket
  [[ "$IMAGE_VERSION" == 2.2* ]] || deploy_die "--image_version $IMAGE_VERSION: this jar needs image 2.2 (Spark 3.5, Scala 2.12)"
  local gpu_type="" gpu_count=1 per_node="$EXECUTORS_PER_NODE"
  if [[ -n "$GPU" ]]; then
    gpu_type="${GPU%%:*}"
    [[ "$GPU" == *:* ]] && gpu_count="${GPU#*:}"
    [[ "$gpu_count" =~ ^[1-9][0-9]*$ ]] || deploy_die "--gpu $GPU: expected TYPE[:COUNT], e.g. nvidia-tesla-t4:1"
    per_node="$gpu_count" # one executor per GPU
  fi
  # cluster-wide defaults (notebooks and jobs alike): the conf, and executors sized to the nodes
  deploy_read_conf "$DEPLOY_CONF"
  deploy_set_property spark.dynamicAllocation.enabled false
  deploy_set_property spark.executor.instances "$((WORKERS * per_node))"
  deploy_set_property spark.executor.memory "$EXECUTOR_MEMORY"
  if [[ -n "$GPU" ]]; then
    deploy_set_property spark.executor.resource.gpu.amount 1
    deploy_set_property spark.task.resource.gpu.amount 0.5
    deploy_set_property spark.executor.resource.gpu.discoveryScript /usr/lib/spark/scripts/gpu/getGpusResources.sh
  fi
  local cmd=(gcloud dataproc clusters create "$CLUSTER" $(project_flag) --region="$REGION"
    --image-version="$IMAGE_VERSION" --bucket="${BUCKET#gs://}"
    --master-machine-type="$MASTER_TYPE" --worker-machine-type="$WORKER_TYPE" --num-workers="$WORKERS"
    --scopes=cloud-platform --properties="$(deploy_properties_arg spark:)")
  if [[ -n "$GPU" ]]; then
    local metadata="gpu-driver-provider=NVIDIA,install-gpu-agent=false"
    [[ -n "$CUDA_VERSION" ]] && metadata+=",cuda-version=$CUDA_VERSION"
    cmd+=(--worker-accelerator="type=$gpu_type,count=$gpu_count"
      --initialization-actions="gs://goog-dataproc-initialization-actions-$REGION/gpu/install_gpu_driver.sh"
      --initialization-action-timeout=30m --metadata="$metadata")
  fi
  deploy_run "${cmd[@]}"
}

stage() {
  need --bucket
  local jar
  jar="$(deploy_local_jar)"
  deploy_run gcloud storage cp $(project_flag) "$jar" "$(staged_jar)"
  deploy_run gcloud storage cp $(project_flag) "$DEPLOY_CONF" "$(artifacts)/spark-defaults.conf"
}

submit_job() { # SUBCOMMAND FLAGS...
  need --cluster --region --bucket
  (($#)) || deploy_die "submit needs the job after --, e.g. -- pretrain --dataset_dir gs://... --workdir gs://..."
  deploy_read_conf "$DEPLOY_CONF"
  deploy_run gcloud dataproc jobs submit spark $(project_flag) --cluster="$CLUSTER" --region="$REGION" \
    --class="$DEPLOY_MAIN_CLASS" --jars="$(staged_jar)" --properties="$(deploy_properties_arg)" -- "$@"
}

submit_batch() { # SUBCOMMAND FLAGS...
  need --region --bucket
  check_runtime
  (($#)) || deploy_die "batch needs the job after --, e.g. -- pretrain --dataset_dir gs://... --workdir gs://..."
  deploy_read_conf "$DEPLOY_CONF"
  deploy_run gcloud dataproc batches submit spark $(project_flag) --region="$REGION" --version="$RUNTIME" \
    --class="$DEPLOY_MAIN_CLASS" --jars="$(staged_jar)" --deps-bucket="$BUCKET" \
    --properties="$(deploy_properties_arg)" -- "$@"
}

loop() {
  local steps line fields
  ((SERVERLESS)) && check_runtime
  steps="$(deploy_loop_steps "${ARGS[@]}")"
  while IFS= read -r line; do
    IFS=$'\t' read -r -a fields <<<"$line"
    echo "[selfsup] step ${fields[0]}" >&2
    if ((SERVERLESS)); then
      submit_batch "${fields[@]:1}"
    else
      submit_job "${fields[@]:1}"
    fi
  done <<<"$steps"
}

case "$COMMAND" in
  create-cluster) create_cluster ;;
  stage) stage ;;
  submit) submit_job "${ARGS[@]}" ;;
  batch) submit_batch "${ARGS[@]}" ;;
  loop) loop ;;
  delete-cluster) need --cluster --region; deploy_run gcloud dataproc clusters delete "$CLUSTER" $(project_flag) --region="$REGION" --quiet ;;
  *) usage ;;
esac
