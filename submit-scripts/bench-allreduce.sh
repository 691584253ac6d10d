#!/usr/bin/env bash
# The gradient all-reduce benchmark in one command, on the loopback standalone cluster with 2
# replicas: our PeerAllReduce (fp32 and bf16 on the wire) and PyTorch's gloo (2 processes, same
# machine, run in the same test just before ours) at 10M and 100M floats, the ratios, the driver
# events per step, then the micro training throughput with 1 and 2 replicas.
#   submit-scripts/bench-allreduce.sh
# Gloo needs Debian's python3-torch (apt-get install -y python3-torch; never needed by the build
# or CI); without it the table says so and shows our figures alone. Builds spark-jobs and the
# modules it needs in this checkout (never 'mvn install'); runs under the machine-wide lock
# /tmp/geodecoder-heavy.lock so that no other heavy run overlaps it. Extra Maven flags (e.g. -o)
# via GEODECODER_MVN_FLAGS. Gloo runs just before and just after ours; the ratios use the mean.
# Tuning sweep, side by side in the same run: GEODECODER_BENCH_VARIANTS=CHUNKxWINDOW[xchain],...
# (e.g. 524288x8xchain = the chain with the previous defaults); GEODECODER_BENCH_MICRO=false skips
# the training rows; GEODECODER_BENCH_SIZES=1000000,10000000 sets the vector sizes (floats).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck disable=SC2086
flock /tmp/geodecoder-heavy.lock mvn ${GEODECODER_MVN_FLAGS:-} -B -Pbench -pl spark-jobs -am verify \
  -Dtest=NoUnitTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=TrainBenchmarkIT -Dfailsafe.failIfNoSpecifiedTests=false \
  "-Dsurefire.extraArgs=-Dgeodecoder.bench=true -Xmx8g -Dgeodecoder.bench.variants=${GEODECODER_BENCH_VARIANTS:-} -Dgeodecoder.bench.micro=${GEODECODER_BENCH_MICRO:-true} -Dgeodecoder.bench.sizes=${GEODECODER_BENCH_SIZES:-10000000,100000000}" \
  | grep -v -e '^\[INFO\]' -e '^\[WARNING\]'
