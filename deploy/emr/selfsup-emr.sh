#!/usr/bin/env bash
# The pipeline on Amazon EMR 7 (Spark 3.5, Scala 2.12, Java 17) and EMR Serverless.
#
#   selfsup-emr.sh [--dry-run] COMMAND [OPTIONS] [-- ARGS]
#
#   create-cluster      --name NAME --region R --bucket s3://B [--release emr-7.5.0] [--workers 2]
#                       [--instance_type r5.2xlarge] [--executors_per_node 4] [--executor_memory 6g]
#                       [--subnet SUBNET_ID]     the conf as the spark-defaults configuration JSON
#   stage               --bucket s3://B          the application jar and the conf to s3://B/selfsup/VERSION/
#   submit              --cluster_id j-ID --region R --bucket s3://B -- SUBCOMMAND FLAGS...
#                       one step: spark-submit --deploy-mode cluster through command-runner.jar
#   loop                --cluster_id j-ID --region R --bucket s3://B -- LOOP FLAGS...
#                       the paper's loop as steps in order (a failed step cancels the rest); LOOP FLAGS
#                       are those of deploy/airflow/selfsup_steps.py (--dataset_dir, --run_dir, --task, ...)
#   terminate-cluster   --cluster_id j-ID --region R
#   serverless-create   --name NAME --region R [--release emr-7.5.0]
#   serverless-submit   --application_id ID --role_arn ARN --region R --bucket s3://B -- SUBCOMMAND FLAGS...
#   serverless-loop     --application_id ID --role_arn ARN --region R --bucket s3://B -- LOOP FLAGS...
#                       one job run per step, each waited for before the next
#   serverless-delete   --application_id ID --region R
#
# Every job gets the properties of --conf (default conf/spark-defaults.conf; --property KEY=VALUE
# adds or overrides one): as --conf flags of each step's spark-submit, as the spark-defaults
# classification of the cluster and of each Serverless job run. Data and workdirs: s3:// (EMRFS)
# or s3a:// paths. --dry-run prints each aws command as one shell-quoted line instead of running it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

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

NAME="" REGION="" BUCKET="" CLUSTER_ID="" APPLICATION_ID="" ROLE_ARN="" SUBNET=""
RELEASE=emr-7.5.0 WORKERS=2 INSTANCE_TYPE=r5.2xlarge EXECUTORS_PER_NODE=4 EXECUTOR_MEMORY=6g
ARGS=()
while (($#)); do
  case "$1" in
    --name) NAME="$2"; shift 2 ;;
    --region) REGION="$2"; shift 2 ;;
    --bucket) BUCKET="${2%/}"; shift 2 ;;
    --cluster_id) CLUSTER_ID="$2"; shift 2 ;;
    --application_id) APPLICATION_ID="$2"; shift 2 ;;
    --role_arn) ROLE_ARN="$2"; shift 2 ;;
    --subnet) SUBNET="$2"; shift 2 ;;
    --release) RELEASE="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --instance_type) INSTANCE_TYPE="$2"; shift 2 ;;
    --executors_per_node) EXECUTORS_PER_NODE="$2"; shift 2 ;;
    --executor_memory) EXECUTOR_MEMORY="$2"; shift 2 ;;
    --conf) DEPLOY_CONF="$2"; shift 2 ;;
    --property) DEPLOY_PROPERTY_OVERRIDES+=("$2"); shift 2 ;;
    --dry-run) DEPLOY_DRY_RUN=1; shift ;;
    --) shift; ARGS=("$@"); break ;;
    *) deploy_die "unknown option $1 for $COMMAND (see: $0 with no arguments)" ;;
  esac
done

need() {
  local flag value
  for flag in "$@"; do
    case "$flag" in
      --name) value="$NAME" ;;
      --region) value="$REGION" ;;
      --bucket) value="$BUCKET" ;;
      --cluster_id) value="$CLUSTER_ID" ;;
      --application_id) value="$APPLICATION_ID" ;;
      --role_arn) value="$ROLE_ARN" ;;
    esac
    [[ -n "$value" ]] || deploy_die "$COMMAND needs $flag"
  done
  if [[ -n "$BUCKET" ]]; then
    [[ "$BUCKET" == s3://* || "$BUCKET" == s3a://* ]] || deploy_die "--bucket must be an s3:// or s3a:// URI, not '$BUCKET'"
    BUCKET="s3://${BUCKET#*://}" # the aws CLI and EMR's spark-submit take s3://
  fi
}

check_release() {
  [[ "$RELEASE" =~ ^emr-7\.[0-9]+\.[0-9]+$ ]] \
    || deploy_die "--release $RELEASE: this jar needs EMR 7 (Spark 3.5, Scala 2.12, Java 17), e.g. emr-7.5.0"
}

artifacts() { echo "$BUCKET/selfsup/$(deploy_version)"; }
staged_jar() { echo "$(artifacts)/$(deploy_jar_name)"; }

# [{"Classification":"spark-defaults","Properties":{...}}] of CONF_KEYS / CONF_VALUES
spark_defaults_json() {
  printf '[{"Classification":"spark-defaults","Properties":%s}]' "$(deploy_properties_json)"
}

create_cluster() {
  need --name --region --bucket
  check_release
  deploy_read_conf "$DEPLOY_CONF"
  deploy_set_property spark.dynamicAllocation.enabled false
  deploy_set_property spark.executor.instances "$((WORKERS * EXECUTORS_PER_NODE))"
  deploy_set_property spark.executor.memory "$EXECUTOR_MEMORY"
  local groups
  groups="$(printf '[{"InstanceGroupType":"MASTER","InstanceCount":1,"InstanceType":"%s"},{"InstanceGroupType":"CORE","InstanceCount":%d,"InstanceType":"%s"}]' \
    "$INSTANCE_TYPE" "$WORKERS" "$INSTANCE_TYPE")"
  local cmd=(aws emr create-cluster --region "$REGION" --name "$NAME" --release-label "$RELEASE"
    --applications Name=Spark --instance-groups "$groups" --use-default-roles
    --log-uri "$(artifacts)/logs/" --configurations "$(spark_defaults_json)")
  [[ -n "$SUBNET" ]] && cmd+=(--ec2-attributes "SubnetId=$SUBNET")
  deploy_run "${cmd[@]}"
}

stage() {
  need --bucket
  local jar
  jar="$(deploy_local_jar)"
  deploy_run aws s3 cp "$jar" "$(staged_jar)"
  deploy_run aws s3 cp "$DEPLOY_CONF" "$(artifacts)/spark-defaults.conf"
}

# One step as JSON: NAME SUBCOMMAND FLAGS...
step_json() {
  local name="$1" i
  shift
  local args=(spark-submit --deploy-mode cluster --class "$DEPLOY_MAIN_CLASS")
  for i in "${!CONF_KEYS[@]}"; do
    args+=(--conf "${CONF_KEYS[$i]}=${CONF_VALUES[$i]}")
  done
  args+=("$(staged_jar)" "$@")
  # the aws CLI's shape of a step (boto3's is {"HadoopJarStep": {"Jar": ..., "Args": ...}})
  printf '{"Type":"CUSTOM_JAR","Name":%s,"ActionOnFailure":"CANCEL_AND_WAIT","Jar":"command-runner.jar","Args":%s}' \
    "$(deploy_json_string "selfsup $name")" "$(deploy_json_array "${args[@]}")"
}

submit_step() { # SUBCOMMAND FLAGS...
  need --cluster_id --region --bucket
  (($#)) || deploy_die "submit needs the job after --, e.g. -- pretrain --dataset_dir s3://... --workdir s3://..."
  deploy_read_conf "$DEPLOY_CONF"
  deploy_run aws emr add-steps --region "$REGION" --cluster-id "$CLUSTER_ID" --steps "[$(step_json "$1" "$@")]"
}

loop() {
  need --cluster_id --region --bucket
  deploy_read_conf "$DEPLOY_CONF"
  local steps line fields json=""
  steps="$(deploy_loop_steps "${ARGS[@]}")"
  while IFS= read -r line; do
    IFS=$'\t' read -r -a fields <<<"$line"
    json+="${json:+,}$(step_json "${fields[@]}")"
  done <<<"$steps"
  # EMR runs a cluster's steps one after the other; CANCEL_AND_WAIT cancels the rest when one fails
  deploy_run aws emr add-steps --region "$REGION" --cluster-id "$CLUSTER_ID" --steps "[$json]"
}

serverless_job() { # SUBCOMMAND FLAGS...: the start-job-run command in JOB_RUN
  local driver overrides
  driver="$(printf '{"sparkSubmit":{"entryPoint":%s,"entryPointArguments":%s,"sparkSubmitParameters":"--class %s"}}' \
    "$(deploy_json_string "$(staged_jar)")" "$(deploy_json_array "$@")" "$DEPLOY_MAIN_CLASS")"
  overrides="$(printf '{"applicationConfiguration":[{"classification":"spark-defaults","properties":%s}],"monitoringConfiguration":{"s3MonitoringConfiguration":{"logUri":%s}}}' \
    "$(deploy_properties_json)" "$(deploy_json_string "$(artifacts)/logs/")")"
  JOB_RUN=(aws emr-serverless start-job-run --region "$REGION" --application-id "$APPLICATION_ID"
    --execution-role-arn "$ROLE_ARN" --name "selfsup-$1" --job-driver "$driver" --configuration-overrides "$overrides")
}

serverless_submit() {
  need --application_id --role_arn --region --bucket
  (($#)) || deploy_die "serverless-submit needs the job after --"
  deploy_read_conf "$DEPLOY_CONF"
  serverless_job "$@"
  deploy_run "${JOB_RUN[@]}"
}

serverless_wait() { # JOB_RUN_ID: until the run ends; fails unless it succeeded
  local state
  while :; do
    state="$(aws emr-serverless get-job-run --region "$REGION" --application-id "$APPLICATION_ID" \
      --job-run-id "$1" --query jobRun.state --output text)"
    case "$state" in
      SUCCESS) return 0 ;;
      FAILED|CANCELLED) deploy_die "job run $1 ended $state (logs: $(artifacts)/logs/)" ;;
    esac
    sleep 30
  done
}

serverless_loop() {
  need --application_id --role_arn --region --bucket
  deploy_read_conf "$DEPLOY_CONF"
  local steps line fields id
  steps="$(deploy_loop_steps "${ARGS[@]}")"
  while IFS= read -r line; do
    IFS=$'\t' read -r -a fields <<<"$line"
    echo "[selfsup] step ${fields[0]}" >&2
    serverless_job "${fields[@]:1}"
    if [[ "$DEPLOY_DRY_RUN" == 1 ]]; then
      deploy_run "${JOB_RUN[@]}"
    else
      id="$(deploy_run "${JOB_RUN[@]}" --query jobRunId --output text)"
      serverless_wait "$id"
    fi
  done <<<"$steps"
}

case "$COMMAND" in
  create-cluster) create_cluster ;;
  stage) stage ;;
  submit) submit_step "${ARGS[@]}" ;;
  loop) loop ;;
  terminate-cluster) need --cluster_id --region; deploy_run aws emr terminate-clusters --region "$REGION" --cluster-ids "$CLUSTER_ID" ;;
  serverless-create)
    need --name --region
    check_release
    deploy_run aws emr-serverless create-application --region "$REGION" --name "$NAME" --type SPARK --release-label "$RELEASE" ;;
  serverless-submit) serverless_submit "${ARGS[@]}" ;;
  serverless-loop) serverless_loop ;;
  serverless-delete)
    need --application_id --region
    deploy_run aws emr-serverless stop-application --region "$REGION" --application-id "$APPLICATION_ID"
    # delete-application wants a stopped application; stopping takes a little while
    while [[ "$DEPLOY_DRY_RUN" != 1 && "$(aws emr-serverless get-application --region "$REGION" \
      --application-id "$APPLICATION_ID" --query application.state --output text)" != STOPPED ]]; do
      sleep 10
    done
    deploy_run aws emr-serverless delete-application --region "$REGION" --application-id "$APPLICATION_ID" ;;
  *) usage ;;
esac
