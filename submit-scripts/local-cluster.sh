#!/usr/bin/env bash
# A real Spark standalone cluster on 127.0.0.1, from the project's own classpath (no Spark
# distribution needed):
#   submit-scripts/local-cluster.sh start [N]   Master + N Workers (default 2, 1 core each)
#   submit-scripts/local-cluster.sh status
#   submit-scripts/local-cluster.sh stop        ends exactly the PIDs this script started
# Prints the master URL (also in $WORK/master-url). Environment:
#   GEODECODER_CLUSTER_DIR        work dir with PID files and logs (default: work/local-cluster)
#   GEODECODER_CLUSTER_CLASSPATH  classpath to run (default: the launcher's; directories are
#                                 packed into jars, since executors load jars/* only)
#   GEODECODER_WORKER_MEMORY      memory per worker (default 2g)
#   GEODECODER_WORKER_CORES       task slots per worker (default 1)
#   GEODECODER_DAEMON_JAVA_OPTS   extra JVM flags for master and workers (e.g. -Dspark.authenticate=true
#                                 -Dspark.authenticate.secret=...: a cluster that only admits that secret)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WORK="${GEODECODER_CLUSTER_DIR:-$GEODECODER_ROOT/work/local-cluster}"
START_TIMEOUT_S=90
export SPARK_LOCAL_IP=127.0.0.1 # loopback only, whatever the machine's other interfaces
export MKL_CBWR="${MKL_CBWR:-AUTO}" # executors inherit it: reproducible MKL results in libtorch

is_running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# SPARK_HOME/jars must hold the whole runtime: workers launch executors with -cp $SPARK_HOME/jars/*.
make_spark_home() {
  local cp="$1" home="$WORK/spark-home" i=0 entry
  rm -rf "$home" && mkdir -p "$home/jars" "$home/conf"
  IFS=':' read -ra entries <<< "$cp"
  for entry in "${entries[@]}"; do
    [[ -z "$entry" ]] && continue
    i=$((i + 1))
    if [[ -d "$entry" ]]; then
      (cd "$entry" && jar cf "$home/jars/$(printf '%03d' "$i")-dir.jar" .)
    elif [[ -f "$entry" && "$entry" == *.jar ]]; then
      ln -s "$entry" "$home/jars/$(printf '%03d' "$i")-$(basename "$entry")"
    fi
  done
  # Our quiet config, plus INFO from the deploy daemons: their start-up lines are waited for.
  cp "$GEODECODER_ROOT/conf/log4j2.properties" "$home/conf/log4j2.properties"
  printf 'logger.deploy.name = org.apache.spark.deploy\nlogger.deploy.level = info\n' >> "$home/conf/log4j2.properties"
  echo "$home"
}

wait_for() { # wait_for FILE PATTERN COUNT PIDFILE...
  local deadline=$((SECONDS + START_TIMEOUT_S)) file="$1" pattern="$2" count="$3" pidfile
  shift 3
  while (( SECONDS < deadline )); do
    if [[ -f "$file" ]] && (( $(grep -c "$pattern" "$file" || true) >= count )); then return 0; fi
    for pidfile in "$@"; do
      if ! is_running "$pidfile"; then
        echo "local-cluster: $(basename "$pidfile" .pid) exited during start-up; its log ends with:" >&2
        tail -20 "$WORK/logs/$(basename "$pidfile" .pid).log" >&2
        stop >&2
        return 1
      fi
    done
    sleep 0.5
  done
  echo "local-cluster: timed out after ${START_TIMEOUT_S}s waiting for '$pattern' in $file" >&2
  stop >&2
  return 1
}

start() {
  local n="${1:-2}"
  if is_running "$WORK/master.pid"; then
    echo "local-cluster: already running ($(cat "$WORK/master-url")); stop it first" >&2
    exit 1
  fi
  local cp="${GEODECODER_CLUSTER_CLASSPATH:-}"
  if [[ -z "$cp" ]]; then
    geodecoder_ensure_built
    cp="$(geodecoder_classpath)"
  fi
  mkdir -p "$WORK/logs"
  rm -f "$WORK"/*.pid "$WORK/master-url" "$WORK"/logs/*.log
  export SPARK_HOME; SPARK_HOME="$(make_spark_home "$cp")"
  export SPARK_SCALA_VERSION=2.13 # without it executor launch fails: 'Cannot find any build directories'
  local flags; flags="@$GEODECODER_ROOT/conf/java-opens.args -Dlog4j2.configurationFile=$SPARK_HOME/conf/log4j2.properties ${GEODECODER_DAEMON_JAVA_OPTS:-}"
  # shellcheck disable=SC2086
  nohup java $flags -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port 0 --webui-port 0 > "$WORK/logs/master.log" 2>&1 &
  echo $! > "$WORK/master.pid"
  wait_for "$WORK/logs/master.log" "Starting Spark master at" 1 "$WORK/master.pid"
  local url; url="$(grep -o 'spark://127.0.0.1:[0-9]*' "$WORK/logs/master.log" | head -1)"
  echo "$url" > "$WORK/master-url"
  for ((i = 1; i <= n; i++)); do
    mkdir -p "$WORK/worker-$i"
    # shellcheck disable=SC2086
    nohup java $flags -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker "$url" \
      --host 127.0.0.1 --cores "${GEODECODER_WORKER_CORES:-1}" --memory "${GEODECODER_WORKER_MEMORY:-2g}" --webui-port 0 \
      --work-dir "$WORK/worker-$i" > "$WORK/logs/worker-$i.log" 2>&1 &
    echo $! > "$WORK/worker-$i.pid"
  done
  wait_for "$WORK/logs/master.log" "Registering worker" "$n" "$WORK/master.pid" "$WORK"/worker-*.pid
  echo "$url"
}

stop() {
  local f pids=()
  for f in "$WORK"/worker-*.pid "$WORK/master.pid"; do
    [[ -f "$f" ]] || continue
    if is_running "$f"; then pids+=("$(cat "$f")"); kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  local deadline=$((SECONDS + 15)) p
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -f "$WORK"/*.pid "$WORK/master-url"
  echo "local-cluster: stopped ${#pids[@]} processes"
}

status() {
  if is_running "$WORK/master.pid"; then
    echo "master $(cat "$WORK/master-url") (pid $(cat "$WORK/master.pid"))"
    for f in "$WORK"/worker-*.pid; do
      [[ -f "$f" ]] || continue
      if is_running "$f"; then echo "$(basename "$f" .pid) running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid) dead"; fi
    done
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start "${2:-2}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "Usage: $0 start [N] | stop | status" >&2; exit 2 ;;
esac
