#!/bin/sh
# Lays out what the inference image's runtime stage copies, from a Maven build of
# inference-function (`package`: the thin jar + target/lib from maven-dependency-plugin).
#
#   docker/assemble-runtime.sh <inference-function/target> <root-prefix>
#
# The Dockerfile's build stage runs it with root prefix "/"; DockerBuildRehearsalTest and
# scripts/lambda-rehearsal run it with a temporary directory. It writes:
#   <root>/opt/libtorch/   libtorch.so and friends, unpacked from the pytorch-native-cpu jar once
#                          at build time instead of into /tmp at every cold start (~450 MB)
#   <root>/opt/task/lib/   the inference jar + its runtime dependencies WITHOUT that jar: with
#                          PYTORCH_LIBRARY_PATH set, DJL loads libtorch from /opt/libtorch and only
#                          extracts its small JNI library (libdjl_torch.so, from pytorch-jni).
# Needs sh, coreutils and `jar` (a JDK), as the maven build image has. The target directory is
# only read.
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: $0 <inference-function/target> <root-prefix>" >&2
  exit 2
fi
target=$(cd "$1" && pwd)
root=${2%/}

# The libtorch version DJL's JNI library was built for (root pom pytorch.native.version;
# the Dockerfile's PYTORCH_VERSION says the same).
expected_version=2.7.1

set -- "$target"/lib/pytorch-native-cpu-*-linux-x86_64.jar
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  echo "error: expected exactly one pytorch-native-cpu jar in $target/lib, found: $*" >&2
  exit 1
fi
native_jar=$1

unpacked=$(mktemp -d "${TMPDIR:-/tmp}/libtorch-unpacked.XXXXXX")
trap 'rm -rf "$unpacked"' EXIT
mkdir -p "$root/opt/libtorch" "$root/opt/task/lib"

# only the two things used: the libraries and the version stamp
(cd "$unpacked" && jar xf "$native_jar" native/lib/pytorch.properties pytorch/cpu/linux-x86_64)
cat "$unpacked/native/lib/pytorch.properties"
grep -q "^version=$expected_version" "$unpacked/native/lib/pytorch.properties"
mv "$unpacked"/pytorch/cpu/linux-x86_64/* "$root/opt/libtorch/"
test -f "$root/opt/libtorch/libtorch.so"

# runtime dependencies minus the native jar, plus the thin inference jar (not tests/sources)
for jar in "$target"/lib/*.jar; do
  [ "$jar" = "$native_jar" ] || cp "$jar" "$root/opt/task/lib/"
done
found=0
for jar in "$target"/inference-function-*.jar; do
  case "$jar" in
    *-tests.jar|*-sources.jar|*-javadoc.jar) ;;
    *) [ -f "$jar" ] && cp "$jar" "$root/opt/task/lib/" && found=$((found + 1)) ;;
  esac
done
if [ "$found" -ne 1 ]; then
  echo "error: expected exactly one inference-function jar in $target, found $found" >&2
  exit 1
fi
ls "$root/opt/task/lib"
