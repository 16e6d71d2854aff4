#!/usr/bin/env bash
# SIGINT and SIGTERM through the real binary: a long `coagent train --save F` that is
# clearly under way (it has written a checkpoint, or printed a progress line) gets a
# signal. It must stop, save F, say on stderr at which step it stopped, and exit with
# 128 + the signal number. F must be valid (`inspect`), hold that step, and a resumed
# run must continue from it and finish with the digest of a run that was never
# interrupted, in lockstep. Lockstep, async (one and four environments) and --algo ddpg.
set -u
bin=${1:?usage: signals.sh path/to/coagent}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
limit=${COAGENT_TEST_WAIT_S:-120}  # seconds a run may take to get under way, or to exit once signalled
field() { sed "s/.*\"$1\":\"\\{0,1\\}\\([0-9a-z]*\\).*/\\1/"; }  # a number or hex string from JSON

# signal_case NAME SIGNAL EXIT WAIT SETTINGS...: WAIT is "checkpoint" (needs
# --checkpoint-every in SETTINGS) or "progress" (a progress line on stdout).
signal_case() {
  local name=$1 sig=$2 want=$3 wait_for=$4; shift 4
  local ck="$tmp/$name.ckpt" out="$tmp/$name.out" err="$tmp/$name.err" start rc=0
  "$bin" train "$@" --save "$ck" > "$out" 2> "$err" &
  pid=$!
  start=$SECONDS
  until if [ "$wait_for" = checkpoint ]; then [ -e "$ck" ]; else grep -q '^progress' "$out"; fi; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL [$name]: the run exited before it was under way"; sed 's/^/    /' "$err"; fail=1; return
    fi
    if (( SECONDS - start > limit )); then
      kill -9 "$pid"; wait "$pid"; pid=; echo "FAIL [$name]: no $wait_for after ${limit}s"; fail=1; return
    fi
    sleep 0.1
  done
  kill -"$sig" "$pid"
  start=$SECONDS
  while kill -0 "$pid" 2>/dev/null && (( SECONDS - start <= limit )); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"; echo "FAIL [$name]: still running ${limit}s after SIG$sig"; fail=1
  fi
  wait "$pid"; rc=$?
  pid=
  local msg; msg=$(cat "$err")
  local step; step=$(sed -n "s/^coagent: stopped by signal [0-9]* at step \([0-9]*\), checkpoint saved to .*/\1/p" "$err")
  local num; num=$(kill -l "$sig")
  if [ "$rc" -ne "$want" ]; then echo "FAIL [$name]: exit $rc, expected $want"; fail=1; fi
  if [ "$msg" != "coagent: stopped by signal $num at step $step, checkpoint saved to $ck" ] || [ -z "$step" ]; then
    echo "FAIL [$name]: stderr is not the one stop line:"; sed 's/^/    /' "$err"; fail=1; return
  fi
  local info
  if ! info=$("$bin" inspect "$ck" --json 2>&1); then
    echo "FAIL [$name]: checkpoint after SIG$sig does not load: $info"; fail=1; return
  fi
  local saved; saved=$(field steps <<< "$info")
  if [ "$saved" != "$step" ]; then
    echo "FAIL [$name]: checkpoint holds step $saved, the run stopped at $step"; fail=1; return
  fi
  local total=$((step + 3000))
  if ! "$bin" train --resume "$ck" --steps "$total" --save "$ck" --eval-episodes 1 > "$tmp/resume" 2>&1; then
    echo "FAIL [$name]: resume from step $step: $(cat "$tmp/resume")"; fail=1; return
  fi
  info=$("$bin" inspect "$ck" --json)
  if [ "$(field steps <<< "$info")" != "$total" ]; then
    echo "FAIL [$name]: resumed run ended at step $(field steps <<< "$info"), expected $total"; fail=1; return
  fi
  # Exact in every mode and algorithm: the digest of a run never interrupted, in lockstep
  # (async equals lockstep for any number of environments).
  local -a settings=() args=("$@")
  local i
  for ((i = 0; i < ${#args[@]}; ++i)); do  # the same settings less --steps, --checkpoint-every, --mode, --threads
    case ${args[i]} in --steps|--checkpoint-every|--mode|--threads) ((++i)) ;; *) settings+=("${args[i]}") ;; esac
  done
  [[ " $* " == *" --algo ddpg "* ]] || settings+=(--mode lockstep)
  "$bin" train "${settings[@]}" --steps "$total" --save "$tmp/full.ckpt" --eval-episodes 1 > /dev/null
  local d_full; d_full=$("$bin" inspect "$tmp/full.ckpt" --json | field digest)
  if [ "$(field digest <<< "$info")" != "$d_full" ]; then
    echo "FAIL [$name]: stopped and resumed run's digest differs from an uninterrupted lockstep run's"; fail=1; return
  fi
  local extra=", same digest as an uninterrupted run"
  echo "ok   [$name]: SIG$sig -> exit $rc at step $step; resumed to step $total$extra"
}

long=(--env mountaincar --hidden 8 --seed 3)  # every step has a reward: a lost return shows
signal_case lockstep-int  INT  130 checkpoint "${long[@]}" --mode lockstep --steps 1000000000 --checkpoint-every 5000
# No --checkpoint-every: the file can only come from the save on the signal. Lockstep
# reports progress every steps/200 steps.
signal_case lockstep-term TERM 143 progress   "${long[@]}" --mode lockstep --steps 100000000
signal_case async-term    TERM 143 progress   "${long[@]}" --mode async --threads 2 --steps 1000000000
signal_case async-int     INT  130 checkpoint "${long[@]}" --mode async --threads 2 --envs 4 --steps 1000000000 --checkpoint-every 5000
signal_case ddpg-int      INT  130 progress   --algo ddpg --env pendulum --steps 20000000 \
    --ddpg-actor-hidden 8 --ddpg-critic-hidden 8 --ddpg-learning-starts 1000 --ddpg-batch-size 16
exit $fail
