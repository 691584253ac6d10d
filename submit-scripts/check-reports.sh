#!/usr/bin/env bash
# Renders HTML reports in headless Chromium and saves a PNG screenshot of each, to check by eye
# that a person can read them (sizes, overlaps, colours, legends). Not part of CI.
#   submit-scripts/check-reports.sh [--out DIR] [--width PX] [--height PX] REPORT.html|DIR...
# A DIR stands for every report.html and index.html below it (e.g. a pipeline output). Screenshots
# go to DIR/<path-with-dashes>.png (default --out: check-reports/). Chromium comes from Debian's
# `chromium` package, installed with apt-get when missing (needs root). The browser runs with a
# new empty profile and without network features, so a report that needed the network would
# show it (missing images).
set -euo pipefail

out="check-reports"
width=1280
height=2400
inputs=()
while (( $# > 0 )); do
  case "$1" in
    -h|--help) sed -n '2,9{s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --width) width="${2:?--width needs pixels}"; shift 2 ;;
    --height) height="${2:?--height needs pixels}"; shift 2 ;;
    -*) echo "check-reports.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) inputs+=("$1"); shift ;;
  esac
done
(( ${#inputs[@]} > 0 )) || { echo "check-reports.sh: give at least one report.html or directory (see --help)" >&2; exit 2; }
[[ "$width" =~ ^[0-9]+$ && "$height" =~ ^[0-9]+$ ]] || { echo "check-reports.sh: --width and --height are pixel counts" >&2; exit 2; }

browser="$(command -v chromium || true)"
if [[ -z "$browser" ]]; then
  echo "check-reports.sh: installing Debian's chromium with apt-get..." >&2
  if [[ "$(id -u)" != 0 ]]; then
    echo "check-reports.sh: chromium is missing and installing it needs root: apt-get install chromium" >&2
    exit 2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
  browser="$(command -v chromium)"
fi

reports=()
for i in "${inputs[@]}"; do
  if [[ -d "$i" ]]; then
    while IFS= read -r f; do reports+=("$f"); done < <(find "$i" \( -name report.html -o -name index.html \) -type f | sort)
  elif [[ -f "$i" ]]; then
    reports+=("$i")
  else
    echo "check-reports.sh: $i does not exist" >&2
    exit 2
  fi
done
(( ${#reports[@]} > 0 )) || { echo "check-reports.sh: no report.html or index.html in ${inputs[*]}" >&2; exit 2; }

mkdir -p "$out"
status=0
for r in "${reports[@]}"; do
  abs="$(cd "$(dirname "$r")" && pwd)/$(basename "$r")"
  name="$(echo "${abs#/}" | sed 's#[/ ]#-#g; s#\.html$##').png"
  profile="$(mktemp -d)"
  # A fresh profile each time, no GPU, no background traffic: what a sandboxed reader sees.
  if timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
      --user-data-dir="$profile" --window-size="$width,$height" --screenshot="$out/$name" "file://$abs" \
      > "$profile.log" 2>&1 && [[ -s "$out/$name" ]]; then
    echo "$r -> $out/$name"
    rm -f "$profile.log"
  else
    echo "check-reports.sh: could not render $r (chromium log: $profile.log)" >&2
    status=1
  fi
  rm -rf "$profile"
done
exit "$status"
