#!/usr/bin/env bash
# Installs coagent into a temporary prefix, builds tools/example as a separate CMake
# project against it with find_package(coagent), and runs it. The example's run is
# deterministic (one environment), and it fails unless training passes a threshold the
# untrained network does not.
set -euo pipefail
src=${1:?usage: embedding.sh SOURCE_DIR BUILD_DIR [SANITIZERS]}
build=${2:?usage: embedding.sh SOURCE_DIR BUILD_DIR [SANITIZERS]}
sanitize=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
test -f "$tmp/prefix/include/coagent/trainer.hpp"
flags=()
if [ -n "$sanitize" ]; then  # an instrumented library needs an instrumented application
  flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$sanitize")
fi
cmake -S "$src/tools/example" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DCMAKE_BUILD_TYPE=Release "${flags[@]}" > "$tmp/configure.log"
cmake --build "$tmp/build" -j2 > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
rc=0; (cd "$tmp" && "$tmp/build/thermostat") > "$tmp/run.log" || rc=$?
if [ $rc -ne 0 ]; then cat "$tmp/run.log"; echo "FAIL: the example exited $rc"; exit 1; fi
head -1 "$tmp/run.log"; tail -1 "$tmp/run.log"
