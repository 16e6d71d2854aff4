#!/usr/bin/env bash
# The divergence guard through the real binary: a run whose step sizes and reward scale
# (each within its validated range) blow the parameters up must stop with exit code 3
# and one line on stderr naming the layer, the neuron and the step; the last checkpoint
# written before the divergence must be kept intact and still load.
set -u
bin=${1:?usage: divergence.sh path/to/coagent}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
blowup=(--env pendulum --rule linear --alpha-critic 10 --alpha-actor 10 --reward-scale 1e6
        --steps 100000 --eval-episodes 1)
line_re='^coagent: error: diverged: layer ([0-9]+), neuron ([0-9]+): (.+) is [-a-z]+ at step ([0-9]+) \(the last checkpoint written, if any, is kept\)$'
field() { sed "s/.*\"$1\":\"\\{0,1\\}\\([0-9a-z]*\\).*/\\1/"; }
leftovers() { find "$tmp" -maxdepth 1 -name '*.tmp.*' | wc -l; }

# diverge NAME ARGS...: runs `coagent train ARGS`, expects exit 3 and the one line;
# sets div_step to the step it names.
diverge() {
  local name=$1; shift
  "$bin" train "$@" > "$tmp/stdout" 2> "$tmp/stderr"
  local rc=$?
  div_step=
  if [ $rc -ne 3 ] || [ "$(wc -l < "$tmp/stderr")" -ne 1 ] || ! [[ "$(cat "$tmp/stderr")" =~ $line_re ]]; then
    echo "FAIL [$name]: exit $rc (expected 3), stderr:"; sed 's/^/    /' "$tmp/stderr"; fail=1; return 1
  fi
  local layer=${BASH_REMATCH[1]} neuron=${BASH_REMATCH[2]} what=${BASH_REMATCH[3]}
  div_step=${BASH_REMATCH[4]}
  if [ "$layer" -lt 1 ] || [ "$layer" -gt 2 ] || [ "$neuron" -ge 8 ] || [ "$div_step" -lt 1 ]; then
    echo "FAIL [$name]: layer $layer / neuron $neuron / step $div_step do not fit a 3-8-1 network"; fail=1; return 1
  fi
  if [ "$(leftovers)" -ne 0 ]; then echo "FAIL [$name]: temporary checkpoint files left behind"; fail=1; return 1; fi
  echo "ok   [$name]: exit 3: $(cat "$tmp/stderr")"
}

# 1. Checkpoints every 10 steps: the last one written before the divergence stays.
every=10
ck="$tmp/periodic.ckpt"
if diverge "lockstep, --checkpoint-every $every" "${blowup[@]}" --mode lockstep --checkpoint-every $every --save "$ck"; then
  first_step=$div_step
  if ! info=$("$bin" inspect "$ck" --json 2>&1); then
    echo "FAIL: the checkpoint before the divergence does not load: $info"; fail=1
  else
    s=$(field steps <<< "$info")
    if [ $((s % every)) -ne 0 ] || [ "$s" -ge "$first_step" ] || [ "$s" -lt $((first_step - every)) ]; then
      echo "FAIL: kept checkpoint is at step $s, expected the last multiple of $every before step $first_step"; fail=1
    else
      echo "ok   kept checkpoint loads, at step $s (divergence at step $first_step)"
    fi
    # Resuming it (lockstep is exact) diverges at the same step and leaves it intact.
    before=$(sha256sum < "$ck")
    if diverge "resume the kept checkpoint" --resume "$ck" --steps 100000 --checkpoint-every $every --save "$ck"; then
      [ "$div_step" = "$first_step" ] || { echo "FAIL: resumed run diverged at step $div_step, first run at $first_step"; fail=1; }
      [ "$(sha256sum < "$ck")" = "$before" ] || { echo "FAIL: resumed divergence changed the checkpoint"; fail=1; }
    fi
  fi
fi

# Checkpoints every step: the guard finds the bad parameter at the end of a chunk,
# before any action is computed from it; the checkpoint one step earlier stays.
ck1="$tmp/every1.ckpt"
if diverge "lockstep, --checkpoint-every 1" "${blowup[@]}" --mode lockstep --checkpoint-every 1 --save "$ck1"; then
  what=$(sed -E "s/$line_re/\\3/" "$tmp/stderr")
  s=$("$bin" inspect "$ck1" --json 2>/dev/null | field steps)
  [ "$what" != action ] || { echo "FAIL: expected a parameter to be named, got the action"; fail=1; }
  [ "$s" = $((div_step - 1)) ] || { echo "FAIL: kept checkpoint at step '$s', expected $((div_step - 1))"; fail=1; }
fi

# 2. An existing --save file (from a good run) is not touched, in both modes.
"$bin" train --env pendulum --steps 500 --eval-episodes 1 --mode lockstep --save "$tmp/good.ckpt" > /dev/null
for mode in lockstep async; do
  cp "$tmp/good.ckpt" "$tmp/out.ckpt"
  before=$(sha256sum < "$tmp/out.ckpt")
  if diverge "$mode, existing --save file" "${blowup[@]}" --mode $mode --save "$tmp/out.ckpt"; then
    [ "$(sha256sum < "$tmp/out.ckpt")" = "$before" ] || { echo "FAIL [$mode]: the existing checkpoint changed"; fail=1; }
    "$bin" inspect "$tmp/out.ckpt" > /dev/null 2>&1 || { echo "FAIL [$mode]: the existing checkpoint no longer loads"; fail=1; }
  fi
done

# 3. Without --save nothing is written and the exit code is the same.
diverge "async, 4 envs, no --save" "${blowup[@]}" --mode async --envs 4 --threads 2
exit $fail
