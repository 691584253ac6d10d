#!/usr/bin/env bash
# Submits a geodecoder job to Spark local mode with spark-submit and the assembly jar:
#   submit-scripts/submit-local.sh [options] <job> [job options...]
#   submit-scripts/submit-local.sh --config conf/demo.properties synth --output demo-output/synth
# Options specific to this script:
#   --master local[N]         threads (default local[*])
# Spark's local mode does not schedule GPUs, so GPU amounts from the properties file are set to 0
# and spark.task.cpus to 1; DJL still uses a visible GPU when the job's --device allows it.
# (To run without a Spark distribution, use submit-scripts/geodecoder.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUBMIT_MODE=local
MASTER="local[*]"

submit_mode_option() {
  case "$1" in
    --master)
      [[ "$2" =~ ^local(\[([0-9]+|\*)\])?$ ]] || geodecoder_usage_error "--master must be local, local[N] or local[*], got '$2'"
      MASTER="$2" ;;
    *) return 1 ;;
  esac
}

submit_mode_args() {
  [[ -z "$SUBMIT_DEPLOY_MODE" || "$SUBMIT_DEPLOY_MODE" == client ]] || geodecoder_usage_error "local mode runs the driver here: --deploy-mode cluster does not apply"
  SUBMIT_CMD+=(--master "$MASTER" --deploy-mode client)
  # Our quiet log configuration for the driver JVM started here (extraJavaOptions stay the
  # properties file's).
  SUBMIT_CMD+=(--conf "spark.driver.defaultJavaOptions=-Dlog4j2.configurationFile=file:$GEODECODER_ROOT/conf/log4j2.properties$SUBMIT_CUDA_DRIVER_OPTS")
}

geodecoder_submit "$@"
