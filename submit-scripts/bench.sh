#!/usr/bin/env bash
# Runs the benchmarks (never part of the default test run) and prints their figures:
#   submit-scripts/bench.sh [Pattern]   e.g. PartitionBenchmark; default: every *Benchmark
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -q -B -DskipTests install
mvn -B -Pbench test -Dtest="${1:-*Benchmark}" -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -v -e '^\[INFO\]' -e '^\[WARNING\]'
