#!/usr/bin/env bash
# Measures train --geo-loss-queries all | selected | true-scene on synthetic pipeline data: one
# data set (synth -> ingest with an author-disjoint hold-out -> partition fitted on the training
# split), then the micro preset trained with every choice and every seed. For each run it takes
# the held-out validation after the last epoch from metrics.jsonl (acc_25km ... acc_2500km,
# median_km, acc_class_h*) and measures the scene queries on the same held-out images with
# SceneQueryStats (scene accuracy; per hierarchy the top-1 class accuracy of the chosen scene's
# query, of the true scene's query ("own") and of the other scenes' queries ("other"), and how
# often the other queries agree with the chosen one). Scene labels follow SceneRule (the micro
# preset has 16 scene queries and learns the scene16 label).
#   submit-scripts/measure-geo-loss-queries.sh [output-dir] [count] [epochs] [seeds...]
# Defaults: demo-output/geo-loss-queries, 2000 images, 6 epochs, seeds 1 2 3. Writes
# <output>/results.tsv (one line per run) and prints a table per run and the mean per choice with
# the spread over seeds (min..max). Runs already finished (their stats file exists) are kept, so an
# interrupted measurement resumes. On a shared machine run it under the heavy-run lock
# (flock /tmp/geodecoder-heavy.lock ...).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
GD="${GEODECODER_LAUNCHER:-$here/geodecoder}"
out="${1:-demo-output/geo-loss-queries}"
count="${2:-2000}"
epochs="${3:-6}"
shift $(( $# < 3 ? $# : 3 ))
seeds=("$@")
[[ ${#seeds[@]} -gt 0 ]] || seeds=(1 2 3)
choices=(all selected true-scene)
master="--master local[2]"
data="$out/data"
mkdir -p "$out/runs"
command -v jq > /dev/null || { echo "measure-geo-loss-queries.sh: needs jq (apt-get install jq)" >&2; exit 2; }
if [[ ! -d "$data/partition/cells.parquet" ]]; then
  "$GD" synth $master --output "$data/synth" --count "$count" --image-size 64 --seed 7 --overwrite true
  "$GD" ingest $master --manifest "$data/synth/manifest.csv" --output "$data/ingest" --split author:0.2 --overwrite true
  "$GD" partition $master --input "$data/ingest/shards" --output "$data/partition" --tmin 5 --tmax 400,150,60 \
    --fit-split train --overwrite true
fi
geodecoder_ensure_built
for seed in "${seeds[@]}"; do
  for q in "${choices[@]}"; do
    run="$out/runs/$q-seed$seed"
    [[ -s "$run.stats.json" ]] && continue
    start=$SECONDS
    "$GD" train $master --shards "$data/ingest/shards" --labels "$data/partition/labels.parquet" \
      --cells "$data/partition/cells.parquet" --output "$run" --overwrite true --preset micro --epochs "$epochs" \
      --batch-size 32 --lr 0.02 --milestones "$(( epochs > 1 ? epochs - 1 : 1 ))" --seed "$seed" \
      --geo-loss-queries "$q" --val-samples 1000000 --log-every 100 > "$run.log" 2>&1 \
      || { echo "train $q seed $seed failed, see $run.log" >&2; exit 1; }
    # shellcheck disable=SC2046
    java $(geodecoder_java_flags) -Xmx2g -cp "$(geodecoder_classpath)" org.geodecoder.jobs.explain.SceneQueryStats \
      "$run/model" "$data/ingest/shards" "$data/partition/labels.parquet" val 2> "$run.stats.log" > "$run.stats.tmp" \
      || { echo "SceneQueryStats $q seed $seed failed, see $run.stats.log" >&2; exit 1; }
    mv "$run.stats.tmp" "$run.stats.json"
    echo "$q seed $seed: $(( SECONDS - start )) s" >&2
  done
done

# One line per run: the last epoch's validation and the scene-query statistics.
tsv="$out/results.tsv"
printf 'choice\tseed\tacc_25km\tacc_200km\tacc_750km\tacc_2500km\tmedian_km\tacc_class_h1\tacc_class_h2\tacc_class_h3\tscene_acc\tselected_h3\town_h3\tother_h3\tagreement_h3\n' > "$tsv"
for q in "${choices[@]}"; do
  for seed in "${seeds[@]}"; do
    run="$out/runs/$q-seed$seed"
    v="$(grep '"type":"epoch"' "$run/metrics.jsonl" | tail -1 | jq -c .validation)"
    jq -rn --arg q "$q" --arg seed "$seed" --argjson v "$v" --slurpfile s "$run.stats.json" \
      '[$q, $seed, $v.acc_25km, $v.acc_200km, $v.acc_750km, $v.acc_2500km, $v.median_km, $v.acc_class_h1,
        $v.acc_class_h2, $v.acc_class_h3, $s[0].scene_acc, $s[0].h3.selected, $s[0].h3.own, $s[0].h3.other,
        $s[0].h3.agreement] | @tsv' >> "$tsv"
  done
done
column -t -s $'\t' "$tsv"
echo
echo "mean over seeds (min..max), accuracies in %:"
awk -F'\t' 'NR == 1 { for (i = 3; i <= NF; i++) name[i] = $i; n = NF; next }
  { c = $1; if (!(c in runs)) order[++k] = c; runs[c]++
    for (i = 3; i <= NF; i++) { v = $i * (i == 7 ? 1 : 100); sum[c, i] += v
      if (runs[c] == 1 || v < lo[c, i]) lo[c, i] = v; if (runs[c] == 1 || v > hi[c, i]) hi[c, i] = v } }
  END { for (j = 1; j <= k; j++) { c = order[j]; printf "%s (%d seeds)\n", c, runs[c]
      for (i = 3; i <= n; i++) printf "  %-13s %7.1f  (%.1f..%.1f)\n", name[i], sum[c, i] / runs[c], lo[c, i], hi[c, i] } }' "$tsv"
