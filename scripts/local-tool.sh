# Sourced by scripts/load-test and scripts/hostile-inputs: runs a main class of local-runner in this checkout,
# building first when a main source is newer than the last build. Usage: local_tool NAME MAIN_CLASS [ARGS...]
local_tool() {
  local name="$1" main="$2"
  shift 2
  local root cp_file class_file
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root"
  . scripts/java-home.sh
  cp_file="local-runner/target/classpath.txt"
  class_file="local-runner/target/classes/${main//.//}.class"
  if [ ! -s "$cp_file" ] || [ ! -f "$class_file" ] \
     || [ -n "$(find shared/src/main qa-engine/src/main ingest-function/src/main inference-function/src/main \
                     bulk-cli/src/main local-runner/src/main -newer "$cp_file" -print -quit 2>/dev/null)" ]; then
    echo "$name: building..." >&2
    mvn -B -q install -DskipTests -pl local-runner -am >&2
    touch "$cp_file"
  fi
  # glibc malloc keeps the engine's big pass buffers (as the Dockerfile and scripts/run-local, which say why);
  # the pipeline logs only warnings during the run (LOG_LEVEL to change); DJL offline, as the tests run it
  export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1000000000}"
  export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1000000000}"
  export LOG_LEVEL="${LOG_LEVEL:-warn}"
  export DJL_OFFLINE="${DJL_OFFLINE:-true}"
  exec java --enable-native-access=ALL-UNNAMED ${QA_JAVA_OPTS:-} -cp "local-runner/target/classes:$(cat "$cp_file")" \
    "$main" "$@"
}
