#!/usr/bin/env bash
# Runs the benchmarks (never part of the default test run) and prints their figures:
#   submit-scripts/bench.sh [Pattern]   e.g. PartitionBenchmark; default: every *Benchmark
#   submit-scripts/bench.sh TrainBenchmarkIT   (needs the loopback cluster: runs as an integration test)
# Builds what it runs in this checkout; never installs into ~/.m2.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-}" in
  *IT)
    mvn -B -Pbench -pl spark-jobs -am verify -Dtest=NoUnitTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dit.test="$1" -Dfailsafe.failIfNoSpecifiedTests=false | grep -v -e '^\[INFO\]' -e '^\[WARNING\]' ;;
  *)
    mvn -B -Pbench test -Dtest="${1:-*Benchmark}" -Dsurefire.failIfNoSpecifiedTests=false \
      | grep -v -e '^\[INFO\]' -e '^\[WARNING\]' ;;
esac
