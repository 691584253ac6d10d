#!/usr/bin/env bash
# Submits a geodecoder job to Kubernetes in cluster mode:
#   submit-scripts/submit-k8s.sh --master k8s://https://API:6443 --image REGISTRY/geodecoder:TAG \
#       [options] <job> [job options...]
# Options specific to this script:
#   --master k8s://https://HOST:PORT   the API server (required)
#   --image IMAGE             container image with Spark 4.1 and the assembly jar (required)
#   --pod-template FILE       executor pod template (default conf/k8s/pod-template.yaml)
#   --namespace NS            namespace of the driver and executors
#   --service-account NAME    service account the driver uses to create executor pods
# The image must hold the assembly jar at /opt/geodecoder/jars/geodecoder-spark-jobs.jar and
# conf/gpu-discovery.sh at /opt/geodecoder/conf/gpu-discovery.sh (files shipped with --files
# reach executors only after they start, too late for GPU discovery); --jar and
# --discovery-script change these paths. Inputs and outputs must be on shared storage (s3a:,
# hdfs:, ...).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SUBMIT_MODE=k8s
MASTER=""
IMAGE=""
POD_TEMPLATE="$GEODECODER_ROOT/conf/k8s/pod-template.yaml"
NAMESPACE=""
SERVICE_ACCOUNT=""

submit_mode_option() {
  case "$1" in
    --master)
      [[ "$2" == k8s://* ]] || geodecoder_usage_error "--master must be k8s://https://HOST:PORT, got '$2'"
      MASTER="$2" ;;
    --image) IMAGE="$2" ;;
    --pod-template) POD_TEMPLATE="$(geodecoder_resolve_file --pod-template "$2")" ;;
    --namespace) NAMESPACE="$2" ;;
    --service-account) SERVICE_ACCOUNT="$2" ;;
    *) return 1 ;;
  esac
}

submit_mode_args() {
  [[ -n "$MASTER" ]] || geodecoder_usage_error "--master k8s://https://HOST:PORT is required"
  [[ -n "$IMAGE" ]] || geodecoder_usage_error "--image IMAGE is required (Spark 4.1 + the assembly jar)"
  SUBMIT_CMD+=(--master "$MASTER" --deploy-mode "${SUBMIT_DEPLOY_MODE:-cluster}")
  SUBMIT_CMD+=(--conf "spark.kubernetes.container.image=$IMAGE")
  SUBMIT_CMD+=(--conf "spark.kubernetes.executor.podTemplateFile=$POD_TEMPLATE")
  [[ -z "$NAMESPACE" ]] || SUBMIT_CMD+=(--conf "spark.kubernetes.namespace=$NAMESPACE")
  [[ -z "$SERVICE_ACCOUNT" ]] || SUBMIT_CMD+=(--conf "spark.kubernetes.authenticate.driver.serviceAccountName=$SERVICE_ACCOUNT")
  # The discovery script inside the image, and nvidia.com/gpu as the executors' GPU resource.
  SUBMIT_DISCOVERY="${SUBMIT_DISCOVERY:-/opt/geodecoder/conf/gpu-discovery.sh}"
  SUBMIT_CMD+=(--conf spark.executor.resource.gpu.vendor=nvidia.com)
}

submit_default_jar() { echo "local:///opt/geodecoder/jars/geodecoder-spark-jobs.jar"; }

geodecoder_submit "$@"
