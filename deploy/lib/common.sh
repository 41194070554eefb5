#!/usr/bin/env bash
# Shared by deploy/dataproc/selfsup-dataproc.sh and deploy/emr/selfsup-emr.sh. Source it.
#   deploy_run CMD...        runs CMD, or with DEPLOY_DRY_RUN=1 prints it as one shell-quoted line
#   deploy_read_conf FILE    CONF_KEYS / CONF_VALUES from a spark-defaults.conf, then the --property overrides
#   deploy_jar_name          selfsup-spark-VERSION-spark.jar (VERSION from pom.xml), what `mvn package` makes
#   deploy_loop_steps ...    the paper's loop as lines "NAME<TAB>SUBCOMMAND<TAB>FLAG..." (deploy/airflow/selfsup_steps.py)
set -euo pipefail

DEPLOY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEPLOY_MAIN_CLASS=org.selfsup.cli.Main
DEPLOY_DRY_RUN="${DEPLOY_DRY_RUN:-0}"
DEPLOY_CONF="$DEPLOY_ROOT/conf/spark-defaults.conf"
DEPLOY_PROPERTY_OVERRIDES=()

deploy_die() {
  echo "error: $*" >&2
  exit 2
}

# One line a shell reads back as the same words: plain words as they are, others in single quotes.
deploy_quote() {
  local out=() a q="'"
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
      out+=("$a")
    else
      out+=("'${a//$q/$q\\$q$q}'")
    fi
  done
  printf '%s\n' "${out[*]}"
}

deploy_run() {
  if [[ "$DEPLOY_DRY_RUN" == 1 ]]; then
    deploy_quote "$@"
  else
    echo "+ $(deploy_quote "$@")" >&2
    "$@"
  fi
}

# spark-defaults.conf as Spark reads it for the keys and values this project uses: "key value" (or
# key=value) lines, # comments, no line continuations. Then the --property KEY=VALUE overrides.
deploy_read_conf() {
  local file="$1" line key value i
  [[ -f "$file" ]] || deploy_die "--conf $file: no such file"
  CONF_KEYS=()
  CONF_VALUES=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(#|!|$) ]] && continue
    [[ "$line" == *\\ ]] && deploy_die "$file: line continuations are not supported: $line"
    [[ "$line" =~ ^[[:space:]]*([^[:space:]=:]+)[[:space:]]*[=:[:space:]][[:space:]]*(.*[^[:space:]])?[[:space:]]*$ ]] \
      || deploy_die "$file: not a 'key value' line: $line"
    deploy_set_property "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  done < "$file"
  for i in "${DEPLOY_PROPERTY_OVERRIDES[@]+"${DEPLOY_PROPERTY_OVERRIDES[@]}"}"; do
    [[ "$i" == *=* ]] || deploy_die "--property $i: expected KEY=VALUE"
    deploy_set_property "${i%%=*}" "${i#*=}"
  done
}

deploy_set_property() {
  local i
  for i in "${!CONF_KEYS[@]}"; do
    if [[ "${CONF_KEYS[$i]}" == "$1" ]]; then
      CONF_VALUES[$i]="$2"
      return
    fi
  done
  CONF_KEYS+=("$1")
  CONF_VALUES+=("$2")
}

# The conf as one --properties value: KEY=VALUE pairs joined by commas, or, when a value holds a
# comma, by another delimiter announced as gcloud wants it (`gcloud topic escaping`: ^DELIM^...).
# $1: a prefix for every key (Dataproc cluster properties: "spark:").
deploy_properties_arg() {
  local prefix="${1:-}" joined="" sep="," d i
  for i in "${!CONF_KEYS[@]}"; do
    if [[ "${CONF_KEYS[$i]}${CONF_VALUES[$i]}" == *,* ]]; then
      sep=""
    fi
  done
  if [[ -z "$sep" ]]; then
    for d in '#' '|' '@' '~'; do
      [[ "${CONF_KEYS[*]}${CONF_VALUES[*]}" != *"$d"* ]] && { sep="$d"; break; }
    done
    [[ -n "$sep" ]] || deploy_die "cannot pick a delimiter for the properties of $DEPLOY_CONF"
    joined="^$sep^"
  fi
  for i in "${!CONF_KEYS[@]}"; do
    joined+="$prefix${CONF_KEYS[$i]}=${CONF_VALUES[$i]}"
    [[ $i -lt $((${#CONF_KEYS[@]} - 1)) ]] && joined+="$sep"
  done
  printf '%s' "$joined"
}

deploy_json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# The conf as a JSON object {"key": "value", ...}
deploy_properties_json() {
  local i out="{"
  for i in "${!CONF_KEYS[@]}"; do
    [[ $i -gt 0 ]] && out+=","
    out+="$(deploy_json_string "${CONF_KEYS[$i]}"):$(deploy_json_string "${CONF_VALUES[$i]}")"
  done
  printf '%s}' "$out"
}

# A JSON array of the arguments
deploy_json_array() {
  local a out="[" first=1
  for a in "$@"; do
    [[ $first == 1 ]] || out+=","
    first=0
    out+="$(deploy_json_string "$a")"
  done
  printf '%s]' "$out"
}

deploy_version() {
  awk '/<artifactId>selfsup-spark<\/artifactId>/ { found = 1; next }
       found && /<version>/ { sub(/.*<version>/, ""); sub(/<\/version>.*/, ""); print; exit }' "$DEPLOY_ROOT/pom.xml"
}

deploy_jar_name() {
  echo "selfsup-spark-$(deploy_version)-spark.jar"
}

# The local application jar; outside a dry run it must exist.
deploy_local_jar() {
  local jar="$DEPLOY_ROOT/target/$(deploy_jar_name)"
  if [[ "$DEPLOY_DRY_RUN" != 1 && ! -f "$jar" ]]; then
    deploy_die "$jar is missing: build it first (mvn -B -DskipTests package)"
  fi
  echo "$jar"
}

# deploy_loop_steps ARGS...: the steps of deploy/airflow/selfsup_steps.py (its "print" output).
deploy_loop_steps() {
  command -v python3 >/dev/null || deploy_die "the loop needs python3 (for deploy/airflow/selfsup_steps.py)"
  python3 "$DEPLOY_ROOT/deploy/airflow/selfsup_steps.py" "$@" print
}
