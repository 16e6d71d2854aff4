#!/usr/bin/env bash
# tests/layering.sh [ROOT] — fails when a lower layer includes a higher one.
# Reads every `#include "..."` of every file under src/ and include/, resolves it to a
# file of the tree (include/<x>, src/<x>, or next to the including file) and compares
# the two files' layers. Prints one line per violation: file:line, its layer, the
# include and the included file's layer. Files of the tree in no layer are errors too
# (so the table below stays complete).
#
# The layers, bottom to top. One line per path pattern (bash glob, relative to the
# repository root; the first matching line wins): "LAYER PATTERN".
LAYERS=(envs settings core io runtime local algorithms session run experiments mpi python cli)
TABLE='
core         src/core/*
envs         src/envs/*
envs         include/coagent/env.hpp
envs         include/coagent/random.hpp
settings     include/coagent/config.hpp
settings     src/io/config*.cpp
settings     src/settings/*
core         src/rules/*
core         include/coagent/rollout.hpp
core         include/coagent/learner.hpp
core         include/coagent/env_critic.hpp
core         include/coagent/network.hpp
core         include/coagent/rules.hpp
core         include/coagent/detail/*
core         include/coagent/aligned.hpp
core         include/coagent/running_stats.hpp
io           src/io/*
io           src/viz/*
runtime      src/runtime/*
runtime      include/coagent/executor.hpp
runtime      include/coagent/placement.hpp
local        src/local/*
local        include/coagent/trainer.hpp
runtime      include/coagent/wire.hpp
algorithms   src/ddpg/*
algorithms   include/coagent/ddpg.hpp
algorithms   src/ars/*
algorithms   include/coagent/ars.hpp
session      src/session/*
session      include/coagent/session.hpp
run          src/run/*
run          include/coagent/run.hpp
run          include/coagent/presets.hpp
run          include/coagent/checkpoint.hpp
experiments  src/experiments/*
experiments  include/coagent/experiments.hpp
experiments  include/coagent/exp2.hpp
mpi          src/mpi/*
mpi          include/coagent/mpi.hpp
cli          src/cli/*
cli          tools/*
python       src/python/*
'
# Violations that exist today and are tolerated until they are fixed ("FILE INCLUDE",
# one per line): each is printed as "known", a new one fails, and a known one that is
# gone is reported so that its line can be deleted.
KNOWN='
'
set -uo pipefail
cd "${1:-$(dirname "$0")/..}" || exit 2

rank_of_layer() {
  local i
  for i in "${!LAYERS[@]}"; do
    [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
  done
  echo "tests/layering.sh: layer '$1' is not in LAYERS" >&2
  exit 2
}

layer_of() {  # path -> layer name, or nothing
  local layer pattern
  while read -r layer pattern; do
    [ -z "$layer" ] && continue
    # shellcheck disable=SC2053  # the pattern is a glob on purpose
    if [[ "$1" == $pattern ]]; then echo "$layer"; return; fi
  done <<< "$TABLE"
}

status=0
violations=0
seen_known=""
while IFS= read -r -d '' file; do
  from=$(layer_of "$file")
  if [ -z "$from" ]; then
    echo "$file: in no layer (add it to the table in tests/layering.sh)"
    status=1
    continue
  fi
  from_rank=$(rank_of_layer "$from")
  while IFS=: read -r line inc; do
    target=""
    for cand in "include/$inc" "src/$inc" "$(dirname "$file")/$inc"; do
      if [ -f "$cand" ]; then target=$(realpath -m --relative-to=. "$cand"); break; fi
    done
    [ -z "$target" ] && continue  # not a file of this tree (a system or generated header)
    to=$(layer_of "$target")
    if [ -z "$to" ]; then
      echo "$file:$line: includes \"$inc\" ($target), which is in no layer"
      status=1
      continue
    fi
    to_rank=$(rank_of_layer "$to")
    if [ "$to_rank" -gt "$from_rank" ]; then
      if grep -qxF "$file $inc" <<< "$KNOWN"; then
        echo "$file:$line: known: layer '$from' includes \"$inc\" of the higher layer '$to'"
        seen_known+="$file $inc"$'\n'
      else
        echo "$file:$line: layer '$from' includes \"$inc\" of the higher layer '$to'"
        violations=$((violations + 1))
        status=1
      fi
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
           sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/')
done < <(find src include -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print0 | sort -z)
while IFS= read -r k; do
  [ -z "$k" ] && continue
  grep -qxF "$k" <<< "$seen_known" ||
    echo "known violation '$k' no longer occurs: delete it from KNOWN in tests/layering.sh"
done <<< "$KNOWN"
if [ "$status" -eq 0 ]; then
  echo "layering: ok (bottom to top: ${LAYERS[*]})"
else
  echo "layering: $violations include(s) of a higher layer (bottom to top: ${LAYERS[*]})"
fi
exit "$status"
