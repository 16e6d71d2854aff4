#!/usr/bin/env bash
# The CLI through the real binary: the foundation issue's acceptance commands,
# replay against hand-computed Gymnasium values, and bad input -> one line, exit 2.
bin=${1:?usage: cli_acceptance.sh path/to/coagent}
source "$(dirname "$0")/common.sh"

# chain --hidden 8 is solved for seeds 1..5
for s in 1 2 3 4 5; do
  "$bin" train --env chain --hidden 8 --seed "$s" --save "$tmp/c.ckpt" --json > "$tmp/train.json" || { echo "FAIL: train seed $s"; fail=1; }
  out=$("$bin" eval --load "$tmp/c.ckpt" --episodes 10 --json)
  check "chain seed $s solved" '[[ "$out" == *"\"solved\":true"* ]]'
done

# replay: three lines, the state after each step printed with %.17g
out=$(printf '0.5\n-1.5\n1\n' | "$bin" replay --env mountaincar --state -0.5,0)
expected='-0.49942684173583984 0.00057315698359161615 -0.025000000000000001 0 0
-0.50053483247756958 -0.0011079736286774278 -0.22500000000000001 0 0
-0.50031566619873047 0.00021918478887528181 -0.10000000000000001 0 0'
check "replay mountaincar" '[[ "$out" == "$expected" ]]'
out=$(printf '1\n' | "$bin" replay --env mountaincar --state 0.44,0.02)
check "replay stops after terminated" '[[ "$out" == *" 1 0" ]]'

# bad input: exit 2, exactly one line on stderr, no output file
bad() {
  local name=$1; shift
  rm -f "$tmp/out.ckpt"
  "$@" > "$tmp/stdout" 2> "$tmp/stderr" < /dev/null
  local rc=$?
  local lines; lines=$(wc -l < "$tmp/stderr")
  check "$name: exit 2 (got $rc)" '[[ $rc -eq 2 ]]'
  check "$name: one stderr line (got $lines)" '[[ $lines -eq 1 ]]'
  # Only the cases that name the output can write it (the others would pass vacuously).
  local a; for a in "$@"; do
    if [[ "$a" == "$tmp/out.ckpt" ]]; then check "$name: no file written" '[[ ! -e "$tmp/out.ckpt" ]]'; fi
  done
}
bad "unknown env" "$bin" train --env nope --save "$tmp/out.ckpt"
bad "zero width" "$bin" train --hidden 0 --save "$tmp/out.ckpt"
bad "missing checkpoint" "$bin" eval --load /nonexistent
bad "malformed number" "$bin" train --gamma 0.9x --save "$tmp/out.ckpt"
bad "gamma out of range" "$bin" train --gamma 2 --save "$tmp/out.ckpt"
bad "unknown rule" "$bin" train --rule hebb --save "$tmp/out.ckpt"
bad "unknown flag" "$bin" train --colour red
bad "no subcommand" "$bin"
bad "save into missing dir" "$bin" train --steps 10 --save /nonexistent/dir/x.ckpt
bad "bad replay action" bash -c "printf 'abc\n' | '$bin' replay --env chain"
bad "bad replay state" "$bin" replay --env mountaincar --state 5,0
bad "nan action" bash -c "printf 'nan\n' | '$bin' replay --env pendulum --state 0,0"
printf 'not a checkpoint' > "$tmp/junk.ckpt"
bad "junk checkpoint" "$bin" inspect "$tmp/junk.ckpt"
bad "directory checkpoint" "$bin" eval --load "$tmp"

# determinism: same arguments, same digest
"$bin" train --env chain --steps 3000 --seed 9 --save "$tmp/a.ckpt" > /dev/null
"$bin" train --env chain --steps 3000 --seed 9 --save "$tmp/b.ckpt" > /dev/null
da=$("$bin" inspect "$tmp/a.ckpt" --json | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
db=$("$bin" inspect "$tmp/b.ckpt" --json | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
check "same digest twice ($da)" '[[ -n "$da" && "$da" == "$db" ]]'

# bench --json: a roofline entry (bytes per step of the rule's rows, bandwidth per thread
# count) and a roofline fraction per configuration. 2-16-1 linear: (16 x 16 + 1 x 16) floats
# (rows padded to 16), K and critic rows, read and written: 2 x 4 x 2 x 272 = 4352 bytes.
bj=$("$bin" bench --net 16 --steps 100 --reps 1 --threads 1 --modes fused --shard-sizes 1 --no-ddpg --json)
check "bench --json has a roofline entry" 'grep -q "\"roofline\":{\"bandwidth\":\[{\"bytes_per_s\":" <<< "$bj"'
check "bench --json counts 4352 bytes per step" 'grep -q "\"bytes_per_step\":4352" <<< "$bj"'
check "bench --json has a roofline fraction per configuration" 'grep -q "\"roofline_fraction\":" <<< "$bj"'

exit $fail
