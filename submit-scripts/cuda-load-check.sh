#!/usr/bin/env bash
# Checks that the CUDA build (mvn -Pcuda package) loads through our code, on any Linux x86_64
# machine, with or without a GPU:
#   submit-scripts/cuda-load-check.sh [DIR | ARCHIVE]    default: cuda-dist/target/geodecoder-cuda
# (ARCHIVE, a geodecoder-cuda.tar.gz, is unpacked to work/cuda-load-check/ first.)
#  1. every library in lib/ finds its NEEDED libraries in lib/ or on the system, and `ldd -r`
#     finds no unresolved symbol in DJL's JNI bridge, libtorch_cuda or cuDNN;
#  2. as root (unshare): the JVM runs with every system copy of a library that lib/ carries, and
#     any system CUDA runtime or driver library (libcudart.so, libcuda.so.1), hidden (bound to
#     /dev/null), as on a node with nothing installed;
#  3. loads the PyTorch engine with the settings of conf/spark-cuda.properties on the project's
#     classpath (submit-scripts/CudaLoadCheck.java) and checks what it prints: libtorch 2.7.1 from
#     lib/, the CUDA libraries mapped, a product computed on the CPU, DJL's libcudart 12.9, and our
#     TaskDevices: without an NVIDIA driver, 0 GPUs, --device auto → cpu and --device gpu failing
#     with a message that names the missing driver; with a driver, at least one GPU and gpu(0).
# Exit status 0 when every check holds, 1 otherwise. Not part of the test suite (the CUDA build
# is a 3 GB download).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

target="${1:-$GEODECODER_ROOT/cuda-dist/target/geodecoder-cuda}"
if [[ -f "$target" ]]; then
  unpacked="$GEODECODER_ROOT/work/cuda-load-check"
  echo "unpacking $target to $unpacked ..."
  rm -rf "$unpacked" && mkdir -p "$unpacked"
  tar -xzf "$target" -C "$unpacked"
  target="$unpacked"
fi
[[ -f "$target/lib/libtorch.so" ]] || { echo "cuda-load-check: $target/lib/libtorch.so not found; build it with: mvn -Pcuda package" >&2; exit 2; }
dir="$(cd "$target" && pwd)"
lib="$dir/lib"
failures=0
check() { # check NAME CONDITION-RESULT(0/1) DETAIL
  if [[ "$2" == 0 ]]; then echo "PASS $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}

echo "== $lib: $(ls "$lib" | wc -l) files, $(du -sh --apparent-size "$lib" | cut -f1)"
missing=""
system_libs="$(ldconfig -p | awk '{print $1}')"
for f in "$lib"/*; do
  for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [[ -e "$lib/$n" ]] || grep -qxF "$n" <<< "$system_libs" || missing+=" $(basename "$f")→$n"
  done
done
check "every NEEDED library is in lib/ or on the system" "$([[ -z "$missing" ]]; echo $?)" "$missing"
unresolved="$(for f in libdjl_torch.so libtorch_cuda.so libtorch_cuda_linalg.so libcudnn.so.9 libcudnn_cnn.so.9; do
  LD_LIBRARY_PATH="$lib" ldd -r "$lib/$f" 2>&1 | grep -E "undefined symbol|not found" | sed "s#^#$f: #" || true; done)"
check "ldd -r: no unresolved symbol" "$([[ -z "$unresolved" ]]; echo $?)" "$(head -5 <<< "$unresolved")"

geodecoder_ensure_built
envs=()
while IFS= read -r kv; do envs+=("$kv"); done < <(geodecoder_cuda_env "$dir")
cmd=(env "${envs[@]}" java $(geodecoder_java_flags) $(geodecoder_cuda_java_opts "$dir") -Xmx2g
  -cp "$(geodecoder_classpath)" "$GEODECODER_ROOT/submit-scripts/CudaLoadCheck.java")
echo "== ${envs[*]}"
if [[ $EUID == 0 ]] && command -v unshare > /dev/null; then
  # System copies of lib/'s libraries become empty files; a CUDA toolkit directory (a libcudart
  # or libcuda outside /usr/lib and /lib) an empty directory, so that nothing there is found.
  hidden=()
  for f in "$lib"/* ; do
    while IFS= read -r p; do hidden+=("$(readlink -f "$p")"); done < <(ldconfig -p | awk -v n="$(basename "$f")" '$1 == n {print $NF}')
  done
  while IFS= read -r p; do
    p="$(readlink -f "$p")"
    case "$p" in /usr/lib/*|/lib/*|/usr/lib64/*|/lib64/*) hidden+=("$p") ;; *) hidden+=("$(dirname "$p")/") ;; esac
  done < <(ldconfig -p | awk '$1 ~ /^libcuda(rt)?\.so/ {print $NF}')
  readarray -t hidden < <(printf '%s\n' "${hidden[@]+"${hidden[@]}"}" | sort -u)
  echo "== hidden from the JVM (system copies): ${hidden[*]:-none}"
  # shellcheck disable=SC2016
  out="$(unshare -m bash -c 'mount --make-rprivate /
    for p in "${@:2:$1}"; do
      if [[ "$p" == */ ]]; then mount -t tmpfs -o size=1m none "$p"; else mount --bind /dev/null "$p"; fi
    done
    shift $(($1 + 1)); exec "$@"' hide "${#hidden[@]}" "${hidden[@]+"${hidden[@]}"}" "${cmd[@]}" 2>&1)" || true
else
  echo "== (not root or no unshare: system libraries stay visible)"
  out="$("${cmd[@]}" 2>&1)" || true
fi
echo "$out"
value() { sed -n "s/^$1=//p" <<< "$out" | tail -1; }

check "engine PyTorch 2.7.1" "$([[ "$(value engine_version)" == 2.7.1 ]]; echo $?)" "engine_version=$(value engine_version)"
check "libtorch loaded from $lib" "$([[ "$(value libtorch_path)" == "$lib" ]]; echo $?)" "libtorch_path=$(value libtorch_path)"
mapped="$(value mapped_from_lib)"
for l in libtorch_cuda.so libc10_cuda.so libcudart.so.12 libcublas.so.12 libcudnn.so.9 libdjl_torch.so; do
  check "$l mapped from lib/" "$([[ ",${mapped#* }," == *",$l,"* ]]; echo $?)" "mapped: $mapped"
done
check "a product on the CPU through this libtorch" "$([[ "$(value cpu_matmul)" == 7,10,15,22 ]]; echo $?)" "cpu_matmul=$(value cpu_matmul)"
check "DJL's libcudart is CUDA 12.9" "$([[ "$(value cuda_runtime_version)" == 12090 ]]; echo $?)" "cuda_runtime_version=$(value cuda_runtime_version) (set -Djna.library.path)"
check "--device auto without an assigned GPU: cpu" "$([[ "$(value device_auto)" == "cpu()" ]]; echo $?)" "device_auto=$(value device_auto)"
if [[ -e /proc/driver/nvidia/version ]]; then
  gpus="$(value gpu_count)"
  check "the NVIDIA driver is present: at least one GPU" "$([[ "$gpus" =~ ^[1-9] ]]; echo $?)" "gpu_count=$gpus"
  check "--device gpu: gpu(0)" "$([[ "$(value device_gpu)" == "gpu(0)" ]]; echo $?)" "$(value device_gpu)$(value device_gpu_error)"
else
  check "no NVIDIA driver: 0 GPUs" "$([[ "$(value gpu_count)" == 0 ]]; echo $?)" "gpu_count=$(value gpu_count)"
  check "--device gpu fails naming the missing driver" \
    "$([[ "$(value device_gpu_error)" == *"CUDA libtorch is loaded"*"no NVIDIA driver"* ]]; echo $?)" "$(value device_gpu_error)"
fi
echo "cuda-load-check: $failures check(s) failed"
(( failures == 0 ))
