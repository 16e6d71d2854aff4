#!/usr/bin/env bash
# Crash test: a training run that checkpoints often is killed with SIGKILL at random
# moments (fixed RANDOM seed), each time after it has written a checkpoint of its own.
# After every kill the checkpoint must be a complete, valid file that moved forward;
# the run is then resumed from it, and finally finishes with the digest of a run that
# was never interrupted in lockstep. MODE async runs 3 environments on 2 threads: async is
# lockstep bit for bit, so its resumed run must end at the lockstep run's digest too.
set -u
bin=${1:?usage: crash_resume.sh path/to/coagent [lockstep|async]}
mode=${2:-lockstep}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
limit=${COAGENT_TEST_WAIT_S:-120}  # seconds a run may take to write a checkpoint (sanitizer builds are slow)
digest_of() { "$bin" inspect "$1" --json | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/'; }
ck="$tmp/run.ckpt"
RANDOM=20261124
fail=0
last_steps=0
settings=(--env mountaincar --hidden 16,16 --seed 7)
case "$mode" in
  lockstep) run_settings=(--mode lockstep) ;;
  async) settings+=(--envs 3); run_settings=(--mode async --threads 2) ;;
  *) echo "crash_resume.sh: unknown mode '$mode'"; exit 2 ;;
esac
for round in 1 2 3 4 5 6; do
  if [ -e "$ck" ]; then
    args=(--resume "$ck")
  else
    args=("${settings[@]}" "${run_settings[@]}")
  fi
  # Checkpoints are renamed over the old file, so a new one has a new inode.
  before=$(stat -c %i "$ck" 2>/dev/null || echo none)
  "$bin" train "${args[@]}" --steps 1000000000 --checkpoint-every 700 --save "$ck" \
      > "$tmp/log" 2>&1 &
  pid=$!
  start=$SECONDS
  until now=$(stat -c %i "$ck" 2>/dev/null) && [ "$now" != "$before" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: round $round: the run exited before writing a checkpoint: $(cat "$tmp/log")"; exit 1
    fi
    if (( SECONDS - start > limit )); then
      echo "FAIL: round $round: no checkpoint after ${limit}s"; exit 1
    fi
    sleep 0.05
  done
  # Then kill it at a random moment (0 to 0.29 s later), maybe in the middle of a save.
  sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
  if ! out=$("$bin" inspect "$ck" --json 2>&1); then
    echo "FAIL: round $round: checkpoint invalid after SIGKILL: $out"; fail=1; break
  fi
  steps=$(sed 's/.*"steps":\([0-9]*\).*/\1/' <<< "$out")
  echo "round $round: killed; checkpoint valid at step $steps"
  if [ "$steps" -le "$last_steps" ]; then echo "FAIL: checkpoint did not move forward from $last_steps"; fail=1; fi
  last_steps=$steps
done
# Finish: resume once more and run to completion.
final=$((last_steps + 2000))
if "$bin" train --resume "$ck" --steps "$final" --save "$ck" --eval-episodes 1 > "$tmp/log" 2>&1; then
  steps=$("$bin" inspect "$ck" --json | sed 's/.*"steps":\([0-9]*\).*/\1/')
  [ "$steps" -eq "$final" ] && echo "ok: resumed and finished at step $steps" || { echo "FAIL: finished at $steps, expected $final"; fail=1; }
else
  echo "FAIL: final resume failed: $(cat "$tmp/log")"; fail=1
fi
# The same run, never interrupted and in lockstep, ends in the same state (digest:
# network, traces, random streams, environments, counters).
"$bin" train "${settings[@]}" --mode lockstep --steps "$final" --save "$tmp/full.ckpt" --eval-episodes 1 > /dev/null
d_resumed=$(digest_of "$ck"); d_full=$(digest_of "$tmp/full.ckpt")
if [ -n "$d_full" ] && [ "$d_resumed" = "$d_full" ]; then
  echo "ok: $mode: killed and resumed 6 times, same digest as an uninterrupted lockstep run ($d_full)"
else
  echo "FAIL: digest after the crashes $d_resumed, uninterrupted $d_full"; fail=1
fi
exit $fail
