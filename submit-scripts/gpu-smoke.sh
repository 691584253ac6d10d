#!/usr/bin/env bash
# GPU smoke benchmark, for the first machine with an NVIDIA GPU (one GPU is enough):
#   submit-scripts/gpu-smoke.sh [options]
# With the CUDA build (mvn -Pcuda package), in Spark local mode through the launcher:
#  1. model: the paper-size model (swin_base + the paper's GeoDecoder, 7 hierarchies, 684 … 21673
#     classes) on the device; checks that every parameter and the batch are on it; training steps
#     (forward + loss, backward, zeroing gradients) timed by phase; images/s; peak memory; in fp32
#     and in bf16 mixed precision (which also checks that weights and gradients stay fp32)
#     (submit-scripts/GpuSmoke.java);
#  2. train job, once per precision: synthetic photos → ingest → partition → `train --max-steps`
#     (the real job: data pipeline, SGD update, checkpoint), its samples/s and epoch times from
#     metrics.jsonl;
#  3. score job, once per precision: a separate set of synthetic photos, images/s from its
#     summary.json;
#  and the peak GPU memory nvidia-smi saw while all this ran.
# Options (defaults in brackets):
#   --device gpu|cpu      [gpu] cpu shows the whole run end to end on a machine without a GPU
#   --cuda DIR|none       unpacked CUDA build [cuda-dist/target/geodecoder-cuda if it exists];
#                         none: the CPU libtorch inside the jars
#   --preset P            [swin_base] (micro for a CPU run)
#   --batch N             [64] training batch (the largest that fits: try 128, 256 on 80+ GB GPUs)
#   --steps N             [20] training steps
#   --score-images N      [1000]
#   --image-size PX       [256] side of the synthetic photos (the model crops/resizes to its input)
#   --precisions LIST     [fp32,bf16] the precisions to run (fp32, bf16 or both)
#   --output DIR          [work/gpu-smoke]
# Example for a machine without a GPU (small, to show that it runs end to end):
#   submit-scripts/gpu-smoke.sh --device cpu --preset micro --batch 8 --score-images 200 --image-size 64
# It has not run on a GPU yet (README, "GPU clusters").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

device=gpu preset=swin_base batch=64 steps=20 score_images=1000 image_size=256 precisions=fp32,bf16
out="$GEODECODER_ROOT/work/gpu-smoke"
cuda="$GEODECODER_ROOT/cuda-dist/target/geodecoder-cuda"
[[ -f "$cuda/lib/libtorch.so" ]] || cuda=none
usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; }
while (( $# > 0 )); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
  esac
  (( $# >= 2 )) || { echo "gpu-smoke.sh: error: $1 needs a value" >&2; exit 2; }
  case "$1" in
    --device) device="$2"; [[ "$2" == gpu || "$2" == cpu ]] || { echo "gpu-smoke.sh: error: --device must be gpu or cpu, got '$2'" >&2; exit 2; } ;;
    --cuda) cuda="$2" ;;
    --preset) preset="$2" ;;
    --batch) batch="$2" ;;
    --steps) steps="$2" ;;
    --score-images) score_images="$2" ;;
    --image-size) image_size="$2" ;;
    --precisions) precisions="$2" ;;
    --output) out="$2" ;;
    *) echo "gpu-smoke.sh: error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift 2
done
for n in batch steps score_images image_size; do
  geodecoder_is_count "${!n}" && (( ${!n} > 0 )) || { echo "gpu-smoke.sh: error: --${n//_/-} must be a positive count, got '${!n}'" >&2; exit 2; }
done
IFS=, read -r -a precision_list <<< "$precisions"
(( ${#precision_list[@]} > 0 )) || { echo "gpu-smoke.sh: error: --precisions is empty" >&2; exit 2; }
for p in "${precision_list[@]}"; do
  [[ "$p" == fp32 || "$p" == bf16 ]] || { echo "gpu-smoke.sh: error: --precisions must list fp32 and/or bf16, got '$p'" >&2; exit 2; }
done
if [[ "$cuda" != none ]]; then
  [[ -f "$cuda/lib/libtorch.so" ]] || { echo "gpu-smoke.sh: error: --cuda $cuda has no lib/libtorch.so (mvn -Pcuda package, or --cuda none)" >&2; exit 2; }
  cuda="$(cd "$cuda" && pwd)"
  while IFS= read -r kv; do export "${kv?}"; done < <(geodecoder_cuda_env "$cuda")
  export GEODECODER_JAVA_OPTS="${GEODECODER_JAVA_OPTS:-} $(geodecoder_cuda_java_opts "$cuda")"
elif [[ "$device" == gpu ]]; then
  echo "gpu-smoke.sh: error: --device gpu needs the CUDA build: mvn -Pcuda package (or --cuda DIR)" >&2
  exit 2
fi

geodecoder_ensure_built
mkdir -p "$out"
log="$out/gpu-smoke.log"
: > "$log"
say() { echo "$*" | tee -a "$log"; }
job() { # runs a job through the launcher, its output in the log; fails the script with its tail
  say "\$ geodecoder $*"
  if ! "$GEODECODER_ROOT/submit-scripts/geodecoder" "$@" >> "$log" 2>&1; then
    tail -20 "$log" >&2
    echo "gpu-smoke.sh: '$1' failed (full log: $log)" >&2
    exit 1
  fi
}
json_number() { sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\\([0-9.eE+-]*\\).*/\\1/p" "$1" | head -1; }

say "== gpu-smoke: device $device, preset $preset, batch $batch, $steps steps, $score_images images scored, precisions $precisions; $(date -u +%FT%TZ) on $(uname -n), $(nproc) cores"
say "== libtorch: ${PYTORCH_LIBRARY_PATH:-the CPU build inside the jars}"
sampler=""
if [[ "$device" == gpu ]]; then
  command -v nvidia-smi > /dev/null || { echo "gpu-smoke.sh: error: --device gpu but no nvidia-smi: is the NVIDIA driver installed?" >&2; exit 2; }
  say "== $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 500 > "$out/nvidia-smi-memory.txt" 2>/dev/null &
  sampler=$!
  trap '[[ -z "$sampler" ]] || kill "$sampler" 2>/dev/null || true' EXIT
fi
jdevice="$device"; [[ "$device" == cpu ]] || jdevice=gpu:0

for p in "${precision_list[@]}"; do
  say "== 1. model ($p): $preset with the paper's decoder on $jdevice, $steps $p steps of batch $batch"
  # shellcheck disable=SC2046
  java $(geodecoder_java_flags) ${GEODECODER_JAVA_OPTS:-} -Xmx"${GEODECODER_DRIVER_MEMORY:-8g}" -cp "$(geodecoder_classpath)" \
    "$GEODECODER_ROOT/submit-scripts/GpuSmoke.java" "$jdevice" "$preset" "$batch" "$steps" "$p" 2>> "$log" | tee "$out/model-$p.txt" | tee -a "$log" || {
    tail -20 "$log" >&2; echo "gpu-smoke.sh: the model check ($p) failed (full log: $log)" >&2; exit 1; }
  grep -q "^placement_parameters=all " "$out/model-$p.txt" || { echo "gpu-smoke.sh: parameters not on $jdevice (see above)" >&2; exit 1; }
  grep -q "^master_weights=all float32, gradients=all float32" "$out/model-$p.txt" \
    || { echo "gpu-smoke.sh: $p weights or gradients are not all fp32 (see above)" >&2; exit 1; }
done

train_images=$(( steps * batch * 12 / 10 + 20 ))
say "== 2. train job: $train_images synthetic photos, --max-steps $steps, precisions $precisions"
job synth --output "$out/synth" --count "$train_images" --image-size "$image_size" --overwrite true
job ingest --manifest "$out/synth/manifest.csv" --output "$out/ingest" --split author:0.05 --overwrite true
job partition --input "$out/ingest/shards" --output "$out/partition" --tmin 5 --tmax 400,150,60 --fit-split train --overwrite true
for p in "${precision_list[@]}"; do
  started=$(date +%s)
  job train --shards "$out/ingest/shards" --labels "$out/partition/labels.parquet" --cells "$out/partition/cells.parquet" \
    --output "$out/train-$p" --overwrite true --preset "$preset" --batch-size "$batch" --epochs 1 --max-steps "$steps" \
    --device "$device" --val-samples 0 --log-every 5 --checkpoint-every 100000 --precision "$p"
  say "train job ($p): $(( $(date +%s) - started )) s wall (Spark start and data included)"
  metrics="$out/train-$p/metrics.jsonl"
  rates="$(sed -n 's/.*"samples_per_s"[[:space:]]*:[[:space:]]*\([0-9.eE+-]*\).*/\1/p' "$metrics" | tail -n +2)"
  say "train job ($p): $(grep -c '"samples_per_s"' "$metrics" || true) step lines; samples/s after the first step: $(tr '\n' ' ' <<< "$rates")"
  say "train job ($p) epoch: $(grep '"train_seconds"' "$metrics" | tail -1 | grep -o '"\(seconds\|train_seconds\|sync_seconds\)"[^,}]*' | tr '\n' ' ')"
done

say "== 3. score job: $score_images synthetic photos on $device, precisions $precisions"
job synth --output "$out/score-input" --count "$score_images" --image-size "$image_size" --first-index 10000000 --overwrite true
for p in "${precision_list[@]}"; do
  started=$(date +%s)
  job score --model "$out/train-$p/model" --input "$out/score-input/images" --output "$out/score-$p" --device "$device" \
    --precision "$p" --overwrite true
  wall=$(( $(date +%s) - started ))
  say "score job ($p): $(grep -o '"\(images_scored\|images_rejected\|images_per_second\|model_utilization\)"[^,}]*' "$out/score-$p/summary.json" | tr '\n' ' ') ($wall s wall, Spark start included)"
done

if [[ -n "$sampler" ]]; then
  kill "$sampler" 2>/dev/null || true
  sampler=""
  say "== peak GPU memory in use (nvidia-smi, whole device, every 0.5 s): $(sort -n "$out/nvidia-smi-memory.txt" | tail -1) MiB"
fi
say "== gpu-smoke: done; log $log"
