#!/usr/bin/env bash
# Submits a geodecoder job to a Spark standalone cluster:
#   submit-scripts/submit-standalone.sh --master spark://HOST:7077 [options] <job> [job options...]
#   submit-scripts/submit-standalone.sh --master spark://gpu-head:7077 --gpus-per-executor 1 \
#       --num-executors 4 --executor-cores 8 --config conf/paper.properties train --shards ...
# Options specific to this script:
#   --master spark://HOST:PORT[,HOST:PORT]   the master(s) (required)
# Driver in client mode by default (--deploy-mode cluster runs it on a worker, which then needs
# the jar at the same path). GPU workers must declare their GPUs themselves, e.g. in
# conf/spark-env.sh: SPARK_WORKER_OPTS="-Dspark.worker.resource.gpu.amount=4
#   -Dspark.worker.resource.gpu.discoveryScript=/opt/geodecoder/conf/gpu-discovery.sh"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUBMIT_MODE=standalone
MASTER=""

submit_mode_option() {
  case "$1" in
    --master)
      [[ "$2" == spark://* ]] || geodecoder_usage_error "--master must be spark://HOST:PORT, got '$2'"
      MASTER="$2" ;;
    *) return 1 ;;
  esac
}

submit_mode_args() {
  [[ -n "$MASTER" ]] || geodecoder_usage_error "--master spark://HOST:PORT is required"
  local mode="${SUBMIT_DEPLOY_MODE:-client}"
  SUBMIT_CMD+=(--master "$MASTER" --deploy-mode "$mode")
  if [[ "$mode" == client ]]; then
    SUBMIT_CMD+=(--conf "spark.driver.defaultJavaOptions=-Dlog4j2.configurationFile=file:$GEODECODER_ROOT/conf/log4j2.properties")
  fi
}

geodecoder_submit "$@"
