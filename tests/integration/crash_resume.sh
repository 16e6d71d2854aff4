#!/usr/bin/env bash
# Crash test: a training run that checkpoints often is killed with SIGKILL at random
# moments (fixed RANDOM seed). After every kill the checkpoint must be a complete,
# valid file; the run is then resumed from it, and finally finishes.
set -u
bin=${1:?usage: crash_resume.sh path/to/coagent}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ck="$tmp/run.ckpt"
RANDOM=20261124
fail=0
last_steps=0
for round in 1 2 3 4 5 6; do
  if [ -e "$ck" ]; then
    args=(--resume "$ck")
  else
    args=(--env mountaincar --hidden 16,16 --mode lockstep --seed 7)
  fi
  "$bin" train "${args[@]}" --steps 1000000000 --checkpoint-every 700 --save "$ck" \
      > "$tmp/log" 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 6 + 2))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ -e "$ck" ]; then
    if ! out=$("$bin" inspect "$ck" --json 2>&1); then
      echo "FAIL: round $round: checkpoint invalid after SIGKILL: $out"; fail=1; break
    fi
    steps=$(sed 's/.*"steps":\([0-9]*\).*/\1/' <<< "$out")
    echo "round $round: killed; checkpoint valid at step $steps"
    if [ "$steps" -lt "$last_steps" ]; then echo "FAIL: checkpoint went backwards"; fail=1; fi
    last_steps=$steps
  else
    echo "round $round: killed before the first checkpoint"
  fi
done
if [ ! -e "$ck" ]; then echo "FAIL: no checkpoint was ever written"; exit 1; fi
# Finish: resume once more and run to completion.
final=$((last_steps + 2000))
if "$bin" train --resume "$ck" --steps "$final" --save "$ck" --eval-episodes 1 > "$tmp/log" 2>&1; then
  steps=$("$bin" inspect "$ck" --json | sed 's/.*"steps":\([0-9]*\).*/\1/')
  [ "$steps" -eq "$final" ] && echo "ok: resumed and finished at step $steps" || { echo "FAIL: finished at $steps, expected $final"; fail=1; }
else
  echo "FAIL: final resume failed: $(cat "$tmp/log")"; fail=1
fi
exit $fail
