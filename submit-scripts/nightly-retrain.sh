#!/usr/bin/env bash
# Nightly retraining with safe promotion: runs the `nightly` job (ingest new manifests →
# partition → train → evaluate on a fixed held-out set → promote only if not worse):
#   submit-scripts/nightly-retrain.sh [--dry-run] --registry URI --manifests 'GLOB[,GLOB]' \
#       --eval-input URI [nightly options...]
#   submit-scripts/geodecoder nightly --help     lists every nightly option
# How it is submitted, from the environment (e.g. an EnvironmentFile of the systemd unit):
#   GEODECODER_SUBMIT       launcher (default: submit-scripts/geodecoder, Spark local mode, no
#                           Spark distribution needed), local, standalone, yarn or k8s
#   GEODECODER_SUBMIT_OPTS  options of that submit script, e.g.
#                           "--master spark://head:7077 --gpus-per-executor 1 --num-executors 4"
#   GEODECODER_CONFIG       job configuration (default conf/paper.properties)
# A run that was interrupted (killed, failed, stopped with --stop-after) is resumed by the next
# start. Exit status: 0 when the run finished (promoted, rejected, nothing new) or stopped as
# asked; 1 when it failed or another run holds the registry's lock; 2 on bad usage.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

via="${GEODECODER_SUBMIT:-launcher}"
config="${GEODECODER_CONFIG:-conf/paper.properties}"
read -r -a submit_opts <<< "${GEODECODER_SUBMIT_OPTS:-}"
dry_run=()
if [[ "${1:-}" == --dry-run ]]; then
  dry_run=(--dry-run)
  shift
fi

case "$via" in
  launcher)
    config="$(geodecoder_resolve_file GEODECODER_CONFIG "$config")"
    cmd=("$GEODECODER_ROOT/submit-scripts/geodecoder" nightly --properties-file "$config"
      "${submit_opts[@]+"${submit_opts[@]}"}" "$@")
    if (( ${#dry_run[@]} )); then
      geodecoder_print_command "${cmd[@]}"
      exit 0
    fi
    geodecoder_print_command "${cmd[@]}" >&2
    exec "${cmd[@]}" ;;
  local|standalone|yarn|k8s)
    exec "$GEODECODER_ROOT/submit-scripts/submit-$via.sh" "${dry_run[@]+"${dry_run[@]}"}" --config "$config" \
      "${submit_opts[@]+"${submit_opts[@]}"}" nightly "$@" ;;
  *) geodecoder_usage_error "GEODECODER_SUBMIT must be launcher, local, standalone, yarn or k8s, got '$via'" ;;
esac
