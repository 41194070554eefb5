#!/usr/bin/env bash
# Shared launcher for the scripts in jobs/. Source it, then call: selfsup SUBCOMMAND [FLAGS...]
#
# - With a Spark installation ($SPARK_HOME/bin/spark-submit, or spark-submit on PATH) it runs
#   spark-submit with the cluster jar (target/selfsup-spark-*-spark.jar) and
#   conf/spark-defaults.conf.
# - Without one it runs the same main class in a plain JVM with Spark in-process
#   (local[*] unless --master says otherwise), the Java 17 flags Spark needs, and the same
#   conf/spark-defaults.conf.
# --master MASTER passes through in both cases. Builds the project first when needed.
# SELFSUP_JAVA_OPTS: more JVM options for the driver (e.g. -Dspark.hadoop.fs.s3a.endpoint=...).
# SELFSUP_GPU=1: build with DL4J's CUDA backend (mvn -Pgpu) and spark-submit with
#   conf/spark-defaults-gpu.conf (one GPU per executor); the default is the CPU backend.
set -euo pipefail

SELFSUP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SELFSUP_MAIN="${SELFSUP_MAIN:-org.selfsup.cli.Main}"
if [[ "${SELFSUP_GPU:-0}" == 1 ]]; then
  SELFSUP_BACKEND=CUDA SELFSUP_PROFILE=(-Pgpu) SELFSUP_SUBMIT_CONF="$SELFSUP_ROOT/conf/spark-defaults-gpu.conf"
else
  SELFSUP_BACKEND=CPU SELFSUP_PROFILE=() SELFSUP_SUBMIT_CONF="$SELFSUP_ROOT/conf/spark-defaults.conf"
fi

# Spark's own --add-opens list for Java 17, plus the reflection flag it needs.
SELFSUP_JAVA17_FLAGS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
)

selfsup_log() { echo "[selfsup] $*" >&2; }

# The flags every experiment script takes: --workdir DIR (default $1) and --master MASTER.
# Sets WORKDIR and MASTER_ARGS (an array to put before the subcommand).
selfsup_job_flags() {
  WORKDIR="$1"; shift
  MASTER_ARGS=()
  while (($#)); do
    case "$1" in
      --workdir) WORKDIR="$2"; shift 2 ;;
      --master) MASTER_ARGS=(--master "$2"); shift 2 ;;
      *) echo "unknown flag $1 (valid: --workdir DIR, --master MASTER)" >&2; exit 2 ;;
    esac
  done
}

selfsup_build() {
  local thin
  thin=$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*-SNAPSHOT.jar "$SELFSUP_ROOT"/target/selfsup-spark-*[0-9].jar 2>/dev/null | grep -v -- '-spark.jar' | head -n1 || true)
  # the other backend's build: target/lib would hold both backends' jars, so it goes first
  local cuda_built=0
  compgen -G "$SELFSUP_ROOT/target/lib/nd4j-cuda-*.jar" >/dev/null && cuda_built=1
  if [[ -d "$SELFSUP_ROOT/target/lib" && "$cuda_built" != "$([[ $SELFSUP_BACKEND == CUDA ]] && echo 1 || echo 0)" ]]; then
    rm -rf "$SELFSUP_ROOT/target/lib"
  fi
  # spark-submit needs the cluster jar (as new as the thin one); an in-process run only the thin jar
  # and target/lib, so its build skips the shading
  local cluster_jar_flags=(-Dselfsup.skipClusterJar=true) cluster_jar_stale=0
  if [[ -n "$(selfsup_spark_submit)" ]]; then
    cluster_jar_flags=()
    local cluster
    cluster=$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*-spark.jar 2>/dev/null | head -n1 || true)
    [[ -z "$cluster" || ( -n "$thin" && "$thin" -nt "$cluster" ) ]] && cluster_jar_stale=1
  fi
  if [[ -z "$thin" || ! -d "$SELFSUP_ROOT/target/lib" || "$cluster_jar_stale" == 1 || -n "$(find "$SELFSUP_ROOT/src/main" "$SELFSUP_ROOT/pom.xml" -newer "$thin" -type f -print -quit)" ]]; then
    selfsup_log "building (mvn ${SELFSUP_PROFILE[*]:+${SELFSUP_PROFILE[*]} }${cluster_jar_flags[*]:+${cluster_jar_flags[*]} }-DskipTests package, ND4J backend $SELFSUP_BACKEND) ..."
    (cd "$SELFSUP_ROOT" && mvn -q -B "${SELFSUP_PROFILE[@]}" "${cluster_jar_flags[@]}" -DskipTests package)
  fi
}

selfsup_spark_submit() {
  if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
    echo "$SPARK_HOME/bin/spark-submit"
  elif command -v spark-submit >/dev/null 2>&1; then
    command -v spark-submit
  fi
}

# spark.driver.extraJavaOptions of conf/spark-defaults.conf
selfsup_conf_driver_opts() {
  sed -n 's/^spark\.driver\.extraJavaOptions[[:space:]]\{1,\}//p' "$SELFSUP_ROOT/conf/spark-defaults.conf"
}

selfsup() {
  local master="" args=()
  while (($#)); do
    case "$1" in
      --master) master="$2"; shift 2 ;;
      --master=*) master="${1#--master=}"; shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  selfsup_build
  local submit
  submit=$(selfsup_spark_submit)
  if [[ -n "$submit" ]]; then
    local jar
    jar=$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*-spark.jar | head -n1)
    selfsup_log "spark-submit ${master:+--master $master }$SELFSUP_MAIN ${args[*]} (ND4J backend $SELFSUP_BACKEND)"
    OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" "$submit" ${master:+--master "$master"} ${SELFSUP_DRIVER_MEMORY:+--driver-memory "$SELFSUP_DRIVER_MEMORY"} \
      ${SELFSUP_JAVA_OPTS:+--conf "spark.driver.extraJavaOptions=$(selfsup_conf_driver_opts) $SELFSUP_JAVA_OPTS"} \
      --class "$SELFSUP_MAIN" --properties-file "$SELFSUP_SUBMIT_CONF" \
      "$jar" "${args[@]}"
  else
    local thin
    thin=$(ls "$SELFSUP_ROOT"/target/selfsup-spark-*.jar | grep -v -- '-spark.jar' | head -n1)
    local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
    # This JVM is the driver: it gets the driver's JVM options from the same conf (the oneDNN
    # flag and JavaCPP's off-heap bound, without which ND4J may take as much again as the heap).
    local driver_opts=()
    read -r -a driver_opts <<<"$(selfsup_conf_driver_opts)"
    selfsup_log "no Spark installation found: running in-process, master ${master:-local[*]}, ND4J backend $SELFSUP_BACKEND"
    SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}" \
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" \
    OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" \
    SELFSUP_SPARK_DEFAULTS="$SELFSUP_ROOT/conf/spark-defaults.conf" \
      "$java" "${SELFSUP_JAVA17_FLAGS[@]}" -Xmx"${SELFSUP_DRIVER_MEMORY:-6g}" "${driver_opts[@]}" \
      ${master:+-Dspark.master="$master"} ${SELFSUP_JAVA_OPTS:-} \
      -cp "$thin:$SELFSUP_ROOT/target/lib/*" "$SELFSUP_MAIN" "${args[@]}"
  fi
}
