#!/usr/bin/env bash
# Measures train --geo-loss-queries all | selected | true-scene on synthetic pipeline data: one
# data set (synth -> ingest with an author-disjoint hold-out -> partition fitted on the training
# split), then the micro preset trained with every choice and every seed, and prints each run's
# held-out validation after the last epoch (acc_25km ... acc_2500km, median_km, acc_class_h*),
# from metrics.jsonl. Scene labels follow SceneRule.
#   submit-scripts/measure-geo-loss-queries.sh [output-dir] [count] [epochs] [seeds...]
# Defaults: demo-output/geo-loss-queries, 1200 images, 4 epochs, seeds 1 2 3. On a shared
# machine run it under the heavy-run lock (flock /tmp/geodecoder-heavy.lock ...).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GD="${GEODECODER_LAUNCHER:-$here/geodecoder}"
out="${1:-demo-output/geo-loss-queries}"
count="${2:-1200}"
epochs="${3:-4}"
shift $(( $# < 3 ? $# : 3 ))
seeds=("$@")
[[ ${#seeds[@]} -gt 0 ]] || seeds=(1 2 3)
master="--master local[2]"
data="$out/data"
mkdir -p "$out/runs"
if [[ ! -d "$data/partition/cells.parquet" ]]; then
  "$GD" synth $master --output "$data/synth" --count "$count" --image-size 64 --seed 7 --overwrite true
  "$GD" ingest $master --manifest "$data/synth/manifest.csv" --output "$data/ingest" --split author:0.2 --overwrite true
  "$GD" partition $master --input "$data/ingest/shards" --output "$data/partition" --tmin 5 --tmax 400,150,60 \
    --fit-split train --overwrite true
fi
for seed in "${seeds[@]}"; do
  for q in all selected true-scene; do
    run="$out/runs/$q-seed$seed"
    "$GD" train $master --shards "$data/ingest/shards" --labels "$data/partition/labels.parquet" \
      --cells "$data/partition/cells.parquet" --output "$run" --overwrite true --preset micro --epochs "$epochs" \
      --batch-size 32 --lr 0.02 --milestones "$(( epochs > 1 ? epochs - 1 : 1 ))" --seed "$seed" \
      --geo-loss-queries "$q" --val-samples 1000000 --log-every 100 > "$out/runs/$q-seed$seed.log" 2>&1 \
      || { echo "train $q seed $seed failed, see $out/runs/$q-seed$seed.log" >&2; exit 1; }
  done
done
for f in "$out"/runs/*/metrics.jsonl; do
  echo "$(basename "$(dirname "$f")") $(grep '"type":"epoch"' "$f" | tail -1 | sed 's/.*"validation"://')"
done
