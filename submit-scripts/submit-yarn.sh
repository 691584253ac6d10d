#!/usr/bin/env bash
# Submits a geodecoder job to YARN in cluster mode (the driver runs in the application master):
#   submit-scripts/submit-yarn.sh [options] <job> [job options...]
#   submit-scripts/submit-yarn.sh --queue gpu --gpus-per-executor 1 --num-executors 8 \
#       --config conf/paper.properties train --shards hdfs:///geo/shards ...
# Options specific to this script:
#   --queue NAME              YARN queue
# HADOOP_CONF_DIR (or YARN_CONF_DIR) must point at the cluster's configuration. YARN 3.1+ with
# the GPU resource type (yarn.io/gpu) enabled: Spark maps spark.executor.resource.gpu.amount to
# it, and conf/gpu-discovery.sh (shipped with --files) tells each executor which GPUs it got.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUBMIT_MODE=yarn
QUEUE=""

submit_mode_option() {
  case "$1" in
    --queue) QUEUE="$2" ;;
    *) return 1 ;;
  esac
}

submit_mode_args() {
  SUBMIT_CMD+=(--master yarn --deploy-mode "${SUBMIT_DEPLOY_MODE:-cluster}")
  [[ -z "$QUEUE" ]] || SUBMIT_CMD+=(--queue "$QUEUE")
}

geodecoder_submit "$@"
