#!/bin/sh
# Spark resource discovery script for NVIDIA GPUs (standalone workers, YARN, Kubernetes, and the
# driver in local mode). Prints the one JSON object Spark expects, e.g.
#   {"name":"gpu","addresses":["0","1"]}
# from `nvidia-smi --query-gpu=index --format=csv,noheader`, or no addresses when nvidia-smi is
# not installed (a CPU-only node: Spark then refuses to place GPU tasks there, which is what we
# want). When nvidia-smi exists but fails (driver or device error) the script fails too, so
# Spark reports the broken node instead of silently treating it as CPU-only.
#
# Uses only shell builtins besides nvidia-smi, so it runs in minimal container images. Inside a
# YARN container or a Kubernetes pod with GPU isolation, nvidia-smi lists only the GPUs given to
# that container, which is exactly the set Spark must use.
#
# Configure it with, for example:
#   spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh   (shipped with --files)
#   spark.worker.resource.gpu.discoveryScript=/opt/geodecoder/conf/gpu-discovery.sh (standalone workers)
#   spark.driver.resource.gpu.discoveryScript=/opt/geodecoder/conf/gpu-discovery.sh
if ! command -v nvidia-smi >/dev/null 2>&1; then
  printf '{"name":"gpu","addresses":[]}\n'
  exit 0
fi
if ! indices="$(nvidia-smi --query-gpu=index --format=csv,noheader)"; then
  echo "gpu-discovery.sh: nvidia-smi failed; is the NVIDIA driver loaded on $(uname -n 2>/dev/null || echo this node)?" >&2
  exit 1
fi
set -f # no globbing of nvidia-smi output
addresses=""
for index in $indices; do # one index per line; word splitting also drops blanks and spaces
  case "$index" in
    *[!0-9]*) echo "gpu-discovery.sh: unexpected nvidia-smi output '$index' (expected GPU indices)" >&2; exit 1 ;;
  esac
  addresses="${addresses:+$addresses,}\"$index\""
done
printf '{"name":"gpu","addresses":[%s]}\n' "$addresses"
