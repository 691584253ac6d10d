# Shared by the submit scripts: project root, build-if-stale, and the runtime classpath.
# shellcheck shell=bash

GEODECODER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GEODECODER_VERSION="0.1.0-SNAPSHOT"
GEODECODER_MODULES=(s2-partitioner evaluation core-model spark-jobs)
GEODECODER_JOBS_JAR="$GEODECODER_ROOT/spark-jobs/target/spark-jobs-$GEODECODER_VERSION.jar"
GEODECODER_ASSEMBLY_JAR="$GEODECODER_ROOT/spark-jobs/target/spark-jobs-$GEODECODER_VERSION-assembly.jar"

# Builds the jars with Maven when they are missing or older than any source or POM.
geodecoder_ensure_built() {
  local stale=""
  if [[ ! -f "$GEODECODER_JOBS_JAR" || ! -f "$GEODECODER_ROOT/spark-jobs/target/classpath-provided.txt" ]]; then
    stale="missing"
  else
    stale="$(find "$GEODECODER_ROOT" -path "$GEODECODER_ROOT/work" -prune -o \
      \( -path '*/src/main/*' -o -name pom.xml \) -newer "$GEODECODER_JOBS_JAR" -print -quit 2>/dev/null)"
  fi
  if [[ -n "$stale" ]]; then
    echo "geodecoder: building the project jars with Maven (tests skipped; the first build downloads dependencies)..." >&2
    local log="$GEODECODER_ROOT/target-build.log"
    if ! (cd "$GEODECODER_ROOT" && mvn -q -B -DskipTests install) > "$log" 2>&1; then
      tail -30 "$log" >&2
      echo "geodecoder: the Maven build failed (full log: $log)" >&2
      exit 1
    fi
    rm -f "$log"
  fi
}

# Our module jars from target/, then their libraries and Spark (provided) from Maven's lists.
geodecoder_classpath() {
  local cp="" m
  for m in "${GEODECODER_MODULES[@]}"; do
    cp+="$GEODECODER_ROOT/$m/target/$m-$GEODECODER_VERSION.jar:"
  done
  local f
  for f in classpath-runtime.txt classpath-provided.txt; do
    cp+="$(tr ':' '\n' < "$GEODECODER_ROOT/spark-jobs/target/$f" | grep -v -e '/org/geodecoder/' -e "^$GEODECODER_ROOT/" | paste -sd: -):"
  done
  echo "${cp%:}"
}

# JVM flags every Spark JVM of ours gets (one list: conf/java-opens.args).
geodecoder_java_flags() {
  echo "@$GEODECODER_ROOT/conf/java-opens.args -Dai.djl.offline=true -Dlog4j2.configurationFile=$GEODECODER_ROOT/conf/log4j2.properties"
}
