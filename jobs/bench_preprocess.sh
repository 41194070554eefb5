#!/usr/bin/env bash
# Throughput of decode + augmentation (org.selfsup.bench.PreprocessBenchmark) for 1 and 2 threads.
#
#   jobs/bench_preprocess.sh [FOLDER] [extra benchmark args, e.g. --spec 'decode|resize(224)']
#
# FOLDER defaults to the test photos in src/test/resources/photos. Env: THREADS (default "1 2"),
# SECONDS_PER_RUN (default 10), JAVA_OPTS.
set -euo pipefail

cd "$(dirname "$0")/.."

images="${1:-src/test/resources/photos}"
if [[ $# -gt 0 ]]; then shift; fi

# target/lib (all runtime jars) is made by `mvn package`; the pom's copy-dependencies execution
# alone gives the same folder without building the shaded jar.
if [[ ! -d target/lib ]]; then
  mvn -q -o -DskipTests compile dependency:copy-dependencies@local-classpath \
    || mvn -q -DskipTests package
else
  mvn -q -o -DskipTests compile
fi

for t in ${THREADS:-1 2}; do
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:--Xmx2g} -cp "target/classes:target/lib/*" \
    org.selfsup.bench.PreprocessBenchmark \
    --threads "$t" --seconds "${SECONDS_PER_RUN:-10}" "$@" "$images"
done
