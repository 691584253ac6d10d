#!/usr/bin/env bash
# bf16 mixed precision against fp32 on the synthetic pipeline data, side by side:
#   submit-scripts/precision-bench.sh [options]
# For each seed: synth → ingest (author-disjoint held-out split) → partition, then the train job
# twice on the same data and seed, --precision fp32 and --precision bf16 (micro preset, one
# replica, the CPU unless --device says otherwise). Prints one row per run (training samples/s,
# held-out accuracy after the last epoch: finest-class accuracy and the km thresholds) and the
# means over the seeds. Each run's metrics.jsonl stays under --output.
# Options (defaults in brackets):
#   --seeds LIST     [1,2,3]
#   --count N        [320] synthetic photos per seed (about 20 % held out)
#   --epochs N       [3]
#   --batch N        [16]
#   --device D       [cpu] cpu, gpu or auto
#   --output DIR     [work/precision-bench]
# On CPUs without bf16 instructions (AVX512-BF16/AMX) libtorch's bf16 matrix products are far
# slower than fp32 (about 15x measured here): there bf16 is for checking accuracy, not for speed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seeds=1,2,3 count=320 epochs=3 batch=16 device=cpu
out="$GEODECODER_ROOT/work/precision-bench"
usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; }
while (( $# > 0 )); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
  esac
  (( $# >= 2 )) || { echo "precision-bench.sh: error: $1 needs a value" >&2; exit 2; }
  case "$1" in
    --seeds) seeds="$2" ;;
    --count) count="$2" ;;
    --epochs) epochs="$2" ;;
    --batch) batch="$2" ;;
    --device) device="$2" ;;
    --output) out="$2" ;;
    *) echo "precision-bench.sh: error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift 2
done
for n in count epochs batch; do
  geodecoder_is_count "${!n}" && (( ${!n} > 0 )) || { echo "precision-bench.sh: error: --$n must be a positive count, got '${!n}'" >&2; exit 2; }
done
IFS=, read -r -a seed_list <<< "$seeds"

geodecoder_ensure_built
mkdir -p "$out"
log="$out/precision-bench.log"
: > "$log"
say() { echo "$*" | tee -a "$log"; }
job() {
  if ! "$GEODECODER_ROOT/submit-scripts/geodecoder" "$@" >> "$log" 2>&1; then
    tail -20 "$log" >&2
    echo "precision-bench.sh: '$1' failed (full log: $log)" >&2
    exit 1
  fi
}
# the value of "key" in the last line of FILE that has it
last_value() { grep "\"$2\"" "$1" | tail -1 | sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\\([0-9.eE+-]*\\).*/\\1/p"; }

say "== precision-bench: seeds $seeds, $count photos, $epochs epochs of batch $batch, micro on $device; $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
rows="$out/rows.tsv"
printf 'seed\tprecision\tsamples_per_s\tacc_class_finest\tacc_750km\tacc_2500km\tmedian_km\n' > "$rows"
for seed in "${seed_list[@]}"; do
  d="$out/seed-$seed"
  job synth --output "$d/synth" --count "$count" --image-size 64 --seed "$seed" --overwrite true
  job ingest --manifest "$d/synth/manifest.csv" --output "$d/ingest" --split author:0.2 --overwrite true
  job partition --input "$d/ingest/shards" --output "$d/partition" --tmin 5 --tmax 60,25 --fit-split train --overwrite true
  for p in fp32 bf16; do
    started=$(date +%s)
    job train --shards "$d/ingest/shards" --labels "$d/partition/labels.parquet" --cells "$d/partition/cells.parquet" \
      --output "$d/train-$p" --overwrite true --preset micro --replicas 1 --device "$device" --batch-size "$batch" \
      --epochs "$epochs" --milestones "" --lr 0.02 --seed "$seed" --val-samples 100000 --log-every 1 \
      --checkpoint-every 100000 --precision "$p"
    m="$d/train-$p/metrics.jsonl"
    samples=$(grep '"type":"epoch"' "$m" | sed -n 's/.*"samples":\([0-9]*\).*/\1/p' | paste -sd+ - | bc)
    seconds=$(grep '"type":"epoch"' "$m" | sed -n 's/.*"train_seconds":\([0-9.]*\).*/\1/p' | paste -sd+ - | bc)
    rate=$(echo "scale=2; $samples / $seconds" | bc)
    finest=$(grep '"type":"epoch"' "$m" | tail -1 | grep -o '"acc_class_h[0-9]*":[0-9.eE+-]*' | tail -1 | cut -d: -f2)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$seed" "$p" "$rate" "$finest" "$(last_value "$m" acc_750km)" \
      "$(last_value "$m" acc_2500km)" "$(last_value "$m" median_km)" >> "$rows"
    say "seed $seed $p: $(tail -1 "$rows" | cut -f3-) ($(( $(date +%s) - started )) s wall)"
  done
done
say ""
say "| seed | precision | train samples/s | held-out finest-class acc | acc 750 km | acc 2500 km | median km |"
say "|---|---|---|---|---|---|---|"
tail -n +2 "$rows" | while IFS=$'\t' read -r s p r a b c k; do say "| $s | $p | $r | $a | $b | $c | $k |"; done
for p in fp32 bf16; do
  say "| mean | $p | $(awk -F'\t' -v p="$p" 'NR>1 && $2==p {r+=$3; a+=$4; b+=$5; c+=$6; k+=$7; n++} END {printf "%.2f | %.3f | %.3f | %.3f | %.0f", r/n, a/n, b/n, c/n, k/n}' "$rows") |"
done
say "== precision-bench: done; rows $rows, log $log"
