# Shared by the submit scripts: project root, build-if-stale, and the runtime classpath.
# shellcheck shell=bash

GEODECODER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GEODECODER_VERSION="0.1.0-SNAPSHOT"
GEODECODER_MODULES=(s2-partitioner evaluation core-model spark-jobs)
GEODECODER_JOBS_JAR="$GEODECODER_ROOT/spark-jobs/target/spark-jobs-$GEODECODER_VERSION.jar"
GEODECODER_ASSEMBLY_JAR="$GEODECODER_ROOT/spark-jobs/target/spark-jobs-$GEODECODER_VERSION-assembly.jar"

# Builds the jars with Maven when they are missing or older than any source or POM.
geodecoder_ensure_built() {
  local stale=""
  if [[ ! -f "$GEODECODER_JOBS_JAR" || ! -f "$GEODECODER_ROOT/spark-jobs/target/classpath-provided.txt" ]]; then
    stale="missing"
  else
    # Only the POMs and the modules' main sources: never the outputs (demo-output/, work/,
    # target/), which grow to many thousands of files and would slow every start.
    local inputs=("$GEODECODER_ROOT/pom.xml") m
    for m in "${GEODECODER_MODULES[@]}"; do
      inputs+=("$GEODECODER_ROOT/$m/pom.xml" "$GEODECODER_ROOT/$m/src/main")
    done
    stale="$(find "${inputs[@]}" -newer "$GEODECODER_JOBS_JAR" -print -quit 2>/dev/null)"
  fi
  if [[ -n "$stale" ]]; then
    echo "geodecoder: building the project jars with Maven (tests skipped; the first build downloads dependencies)..." >&2
    local log="$GEODECODER_ROOT/target-build.log"
    # package, not install: the launcher reads the jars from target/, and ~/.m2 stays untouched.
    if ! (cd "$GEODECODER_ROOT" && mvn -q -B -DskipTests package) > "$log" 2>&1; then
      tail -30 "$log" >&2
      echo "geodecoder: the Maven build failed (full log: $log)" >&2
      exit 1
    fi
    rm -f "$log"
  fi
}

# Our module jars from target/, then their libraries and Spark (provided) from Maven's lists.
geodecoder_classpath() {
  local cp="" m
  for m in "${GEODECODER_MODULES[@]}"; do
    cp+="$GEODECODER_ROOT/$m/target/$m-$GEODECODER_VERSION.jar:"
  done
  local f
  for f in classpath-runtime.txt classpath-provided.txt; do
    cp+="$(tr ':' '\n' < "$GEODECODER_ROOT/spark-jobs/target/$f" | grep -v -e '/org/geodecoder/' -e "^$GEODECODER_ROOT/" | paste -sd: -):"
  done
  echo "${cp%:}"
}

# Spark settings for local mode (conf/spark-local.properties) as -D flags: SparkConf reads them
# as defaults, so --conf and --properties-file still win.
geodecoder_local_flags() {
  local kv
  while IFS= read -r kv; do
    printf '%s\n' "-D$kv"
  done < <(geodecoder_properties "$GEODECODER_ROOT/conf/spark-local.properties")
}

# JVM flags every Spark JVM of ours gets (one list: conf/java-opens.args).
geodecoder_java_flags() {
  echo "@$GEODECODER_ROOT/conf/java-opens.args -Dai.djl.offline=true -Dlog4j2.configurationFile=$GEODECODER_ROOT/conf/log4j2.properties"
}

# ---------------------------------------------------------------------------------------------
# spark-submit scripts (submit-local.sh, submit-standalone.sh, submit-yarn.sh, submit-k8s.sh).
# Each script sets SUBMIT_MODE, defines the hooks below and calls geodecoder_submit "$@":
#   submit_mode_option NAME VALUE  returns 0 when the script takes this option (with a value)
#   submit_mode_args               appends its --master/--deploy-mode/... to SUBMIT_CMD
# The rest (options, properties and config files, GPUs, jar, printing) is shared, here.

GEODECODER_MAIN_CLASS="org.geodecoder.jobs.GeoDecoderCli"
GEODECODER_TRAIN_PROPERTIES="$GEODECODER_ROOT/conf/spark-train.properties"
GEODECODER_DISCOVERY_SCRIPT="$GEODECODER_ROOT/conf/gpu-discovery.sh"
GEODECODER_CUDA_PROPERTIES="$GEODECODER_ROOT/conf/spark-cuda.properties"

geodecoder_submit_usage() {
  # The calling script's header comment, then the options every submit script takes.
  sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
  cat <<'USAGE'

Options before <job> (all optional):
  --dry-run                 print the spark-submit command line and exit
  --properties-file FILE    Spark settings (default: conf/spark-train.properties for train,
                            pipeline and nightly, none for the other jobs; 'none' for none)
  --config FILE             geodecoder options as spark.geodecoder.<job>.<name> keys, e.g.
                            conf/paper.properties or conf/demo.properties: each line is passed
                            as --conf (spark-submit takes only one --properties-file)
  --gpus-per-executor N     GPUs per executor (0: CPU only); one training replica per GPU
  --num-executors N         executors (training replicas = executors x GPUs per executor)
  --executor-cores N        cores per executor (spark.task.cpus = cores / GPUs per executor)
  --executor-memory SIZE, --driver-memory SIZE
  --deploy-mode client|cluster
  --discovery-script PATH   GPU discovery script as executors see it
  --jar PATH                application jar (default: the assembly jar built by Maven)
  --cuda ARCHIVE            GPU executors load the CUDA libtorch of ARCHIVE (mvn -Pcuda package:
                            cuda-dist/target/geodecoder-cuda.tar.gz, or its copy on hdfs:/s3a:/...)
                            shipped as --archives ARCHIVE#cuda, with conf/spark-cuda.properties;
                            submit-local.sh takes the unpacked directory (cuda-dist/target/geodecoder-cuda)
  --name NAME               application name (default: geodecoder-<job>)
  --conf KEY=VALUE          any Spark setting; repeatable; wins over the files above
Everything from <job> on is passed to the job: <job> --help lists its options.
The command is printed before it runs. SPARK_HOME selects the Spark installation (else
spark-submit from PATH).
USAGE
}

geodecoder_usage_error() {
  echo "$(basename "$0"): error: $*" >&2
  echo "Run '$(basename "$0") --help' for the options." >&2
  exit 2
}

# Quotes a word for the shell only when it needs it, so that printed commands stay readable
# and can be pasted back as they are.
geodecoder_quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

geodecoder_print_command() {
  local sep="" w
  for w in "$@"; do
    printf '%s' "$sep"
    geodecoder_quote "$w"
    sep=" "
  done
  printf '\n'
}

# A file given on the command line: as given, else relative to the project root (conf/...).
geodecoder_resolve_file() {
  local what="$1" f="$2"
  if [[ -f "$f" ]]; then
    (cd "$(dirname "$f")" && echo "$(pwd)/$(basename "$f")")
  elif [[ "$f" != /* && -f "$GEODECODER_ROOT/$f" ]]; then
    echo "$GEODECODER_ROOT/$f"
  else
    geodecoder_usage_error "$what $f does not exist"
  fi
}

# Prints "key=value" for each setting of a Java properties file (key=value or key: value or
# key value; # and ! comments; no line continuations).
geodecoder_properties() {
  local line key value
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -z "$line" || "$line" == \#* || "$line" == \!* ]] && continue
    if [[ "$line" =~ ^([^=:[:space:]]+)[[:space:]]*[=:[:space:]][[:space:]]*(.*)$ ]]; then
      key="${BASH_REMATCH[1]}"
      value="${BASH_REMATCH[2]}"
      value="${value%"${value##*[![:space:]]}"}"
      echo "$key=$value"
    else
      echo "$line="
    fi
  done < "$1"
}

# The value of one key in a properties file, or empty.
geodecoder_property() {
  geodecoder_properties "$1" | sed -n "s/^$(printf '%s' "$2" | sed 's/\./\\./g')=//p" | tail -1
}

geodecoder_is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }

# The CUDA build unpacked in directory $1 (lib/ inside): the environment DJL reads, as NAME=VALUE
# lines, and the JVM flag, both taken from conf/spark-cuda.properties (one list for executors,
# local runs and the load check) with ./cuda replaced by $1.
geodecoder_cuda_env() {
  geodecoder_properties "$GEODECODER_CUDA_PROPERTIES" | sed -n "s#^spark\.executorEnv\.##; T; s#=\./cuda/#=$1/#; p"
}
geodecoder_cuda_java_opts() {
  geodecoder_property "$GEODECODER_CUDA_PROPERTIES" spark.executor.defaultJavaOptions | sed "s#=\./cuda/#=$1/#g"
}

geodecoder_submit() {
  SUBMIT_DRY_RUN=0
  local props="" props_given=0 config="" gpus="" executors="" cores="" exec_mem="" driver_mem=""
  local jar="" name="" cuda="" extra_confs=()
  SUBMIT_DEPLOY_MODE=""
  SUBMIT_DISCOVERY=""
  while (( $# > 0 )); do
    case "$1" in
      -h|--help) geodecoder_submit_usage; exit 0 ;;
      --dry-run) SUBMIT_DRY_RUN=1; shift; continue ;;
      --*) ;;
      *) break ;; # the job name
    esac
    (( $# >= 2 )) || geodecoder_usage_error "$1 needs a value"
    case "$1" in
      --properties-file) props="$2"; props_given=1 ;;
      --config) config="$2" ;;
      --gpus-per-executor) gpus="$2"; geodecoder_is_count "$gpus" || geodecoder_usage_error "--gpus-per-executor must be a count, got '$gpus'" ;;
      --num-executors) executors="$2"; geodecoder_is_count "$executors" && (( executors > 0 )) || geodecoder_usage_error "--num-executors must be a positive count, got '$executors'" ;;
      --executor-cores) cores="$2"; geodecoder_is_count "$cores" && (( cores > 0 )) || geodecoder_usage_error "--executor-cores must be a positive count, got '$cores'" ;;
      --executor-memory) exec_mem="$2" ;;
      --driver-memory) driver_mem="$2" ;;
      --deploy-mode) SUBMIT_DEPLOY_MODE="$2"; [[ "$2" == client || "$2" == cluster ]] || geodecoder_usage_error "--deploy-mode must be client or cluster, got '$2'" ;;
      --discovery-script) SUBMIT_DISCOVERY="$2" ;;
      --jar) jar="$2" ;;
      --cuda) cuda="$2" ;;
      --name) name="$2" ;;
      --conf) [[ "$2" == *=* ]] || geodecoder_usage_error "--conf expects KEY=VALUE, got '$2'"; extra_confs+=("$2") ;;
      *) submit_mode_option "$1" "$2" || geodecoder_usage_error "unknown option $1 (options go before the job name; job options after it)" ;;
    esac
    shift 2
  done
  (( $# > 0 )) || geodecoder_usage_error "no job given: $(basename "$0") [options] <job> [job options...]"
  SUBMIT_JOB="$1"
  shift

  # Spark settings: training's by default for the jobs that train.
  if (( ! props_given )) && [[ "$SUBMIT_JOB" == train || "$SUBMIT_JOB" == pipeline || "$SUBMIT_JOB" == nightly ]]; then
    props="$GEODECODER_TRAIN_PROPERTIES"
  elif [[ "$props" == none ]]; then
    props=""
  elif [[ -n "$props" ]]; then
    props="$(geodecoder_resolve_file --properties-file "$props")"
  fi
  [[ -z "$config" ]] || config="$(geodecoder_resolve_file --config "$config")"

  local submit="spark-submit"
  [[ -z "${SPARK_HOME:-}" ]] || submit="$SPARK_HOME/bin/spark-submit"
  if (( ! SUBMIT_DRY_RUN )) && ! command -v "$submit" > /dev/null 2>&1; then
    echo "$(basename "$0"): error: spark-submit is not installed here ($( [[ -n "${SPARK_HOME:-}" ]] && echo "no $submit" || echo "SPARK_HOME is not set and PATH has no spark-submit"))." >&2
    echo "Install a Spark 4.1 distribution for Scala 2.13 and set SPARK_HOME or put its bin/ on PATH;" >&2
    echo "or run jobs without one with submit-scripts/geodecoder (local mode or any --master)." >&2
    exit 2
  fi

  SUBMIT_CMD=("$submit")
  SUBMIT_CUDA_DRIVER_OPTS=""
  if [[ -n "$cuda" && "$SUBMIT_MODE" == local ]]; then
    # Local mode: the tasks run in the driver JVM started here, which reads the variables at start.
    [[ -f "$cuda/lib/libtorch.so" ]] || geodecoder_usage_error "--cuda $cuda: local mode needs the unpacked CUDA build, a directory with lib/libtorch.so (mvn -Pcuda package: cuda-dist/target/geodecoder-cuda)"
    cuda="$(cd "$cuda" && pwd)"
    local kv envs=()
    while IFS= read -r kv; do envs+=("$kv"); done < <(geodecoder_cuda_env "$cuda")
    SUBMIT_CMD=(env "${envs[@]}" "$submit")
    SUBMIT_CUDA_DRIVER_OPTS=" $(geodecoder_cuda_java_opts "$cuda")"
  fi
  submit_mode_args
  SUBMIT_CMD+=(--name "${name:-geodecoder-$SUBMIT_JOB}" --class "$GEODECODER_MAIN_CLASS")
  [[ -z "$props" ]] || SUBMIT_CMD+=(--properties-file "$props")
  if [[ -n "$config" ]]; then
    local kv
    while IFS= read -r kv; do
      [[ "$kv" == spark.* ]] || geodecoder_usage_error "--config $config: '$kv' is not a spark.* setting"
      SUBMIT_CMD+=(--conf "$kv")
    done < <(geodecoder_properties "$config")
  fi

  if [[ -n "$cuda" && "$SUBMIT_MODE" != local ]]; then
    # Executors unpack the archive as ./cuda; the properties point DJL there.
    if [[ "$cuda" != *:* ]]; then
      [[ -f "$cuda" || -f "$GEODECODER_ROOT/$cuda" ]] || geodecoder_usage_error "--cuda $cuda does not exist (build it with: mvn -Pcuda package)"
      cuda="$(geodecoder_resolve_file --cuda "$cuda")"
    fi
    SUBMIT_CMD+=(--archives "$cuda#cuda")
    local kv
    while IFS= read -r kv; do
      SUBMIT_CMD+=(--conf "$kv")
    done < <(geodecoder_properties "$GEODECODER_CUDA_PROPERTIES")
  fi

  # GPUs: the executor and task amounts, and how executors discover their GPUs.
  if [[ "$SUBMIT_MODE" == local ]]; then
    [[ -z "$gpus" || "$gpus" == 0 ]] || geodecoder_usage_error "Spark local mode does not schedule GPUs (tasks asking for one never start): use --gpus-per-executor 0 with the train job's --device gpu, or submit-standalone.sh"
    if [[ -n "$props" ]]; then
      # Whatever the properties file asks for: no GPU scheduling and one core per task locally.
      SUBMIT_CMD+=(--conf spark.executor.resource.gpu.amount=0 --conf spark.task.resource.gpu.amount=0 --conf spark.task.cpus=1)
    fi
  else
    local discovery="${SUBMIT_DISCOVERY:-./gpu-discovery.sh}"
    if [[ -n "$gpus$props" && -z "$SUBMIT_DISCOVERY" && "$SUBMIT_MODE" != k8s ]]; then
      # Shipped next to each executor (YARN localizes it into the container's directory).
      SUBMIT_CMD+=(--files "$GEODECODER_DISCOVERY_SCRIPT")
    fi
    if [[ -n "$gpus" ]]; then
      if (( gpus == 0 )); then
        SUBMIT_CMD+=(--conf spark.executor.resource.gpu.amount=0 --conf spark.task.resource.gpu.amount=0)
      else
        SUBMIT_CMD+=(--conf "spark.executor.resource.gpu.amount=$gpus" --conf spark.task.resource.gpu.amount=1)
      fi
    fi
    if [[ -n "$gpus$SUBMIT_DISCOVERY" || -n "$props" ]]; then
      SUBMIT_CMD+=(--conf "spark.executor.resource.gpu.discoveryScript=$discovery")
    fi
  fi

  # Executors and cores: one training replica per GPU, owning cores / GPUs of its executor.
  if [[ -n "$executors" ]]; then
    case "$SUBMIT_MODE" in
      local) geodecoder_usage_error "--num-executors does not apply to local mode" ;;
      standalone)
        local per="${cores:-$( [[ -n "$props" ]] && geodecoder_property "$props" spark.executor.cores)}"
        [[ -n "$per" ]] || geodecoder_usage_error "standalone needs --executor-cores with --num-executors (it allocates cores, not executors)"
        SUBMIT_CMD+=(--total-executor-cores "$((executors * per))") ;;
      *) SUBMIT_CMD+=(--num-executors "$executors") ;;
    esac
  fi
  if [[ -n "$cores" && "$SUBMIT_MODE" != local ]]; then
    SUBMIT_CMD+=(--executor-cores "$cores")
  fi
  if [[ "$SUBMIT_MODE" != local && -n "$props" && ( -n "$cores" || -n "$gpus" ) ]]; then
    local c="${cores:-$(geodecoder_property "$props" spark.executor.cores)}" g="${gpus:-1}"
    (( g > 0 )) || g=1
    if [[ -n "$c" ]]; then
      (( c % g == 0 )) || geodecoder_usage_error "--executor-cores $c is not a multiple of --gpus-per-executor $g"
      SUBMIT_CMD+=(--conf "spark.task.cpus=$((c / g))")
    fi
  fi
  [[ -z "$exec_mem" ]] || SUBMIT_CMD+=(--executor-memory "$exec_mem")
  [[ -z "$driver_mem" ]] || SUBMIT_CMD+=(--driver-memory "$driver_mem")
  local kv
  for kv in "${extra_confs[@]+"${extra_confs[@]}"}"; do
    SUBMIT_CMD+=(--conf "$kv")
  done

  if [[ -z "$jar" ]]; then
    jar="$(submit_default_jar)"
    if (( ! SUBMIT_DRY_RUN )) && [[ "$jar" != local://* ]]; then
      geodecoder_ensure_built
      [[ -f "$jar" ]] || { echo "$(basename "$0"): error: $jar is missing; build it with: mvn -DskipTests package" >&2; exit 2; }
    fi
  fi
  SUBMIT_CMD+=("$jar" "$SUBMIT_JOB" "$@")

  if (( SUBMIT_DRY_RUN )); then
    geodecoder_print_command "${SUBMIT_CMD[@]}"
    exit 0
  fi
  geodecoder_print_command "${SUBMIT_CMD[@]}" >&2
  exec "${SUBMIT_CMD[@]}"
}

# The assembly jar on this machine (scripts whose cluster reads the jar elsewhere override it).
submit_default_jar() { echo "$GEODECODER_ASSEMBLY_JAR"; }
