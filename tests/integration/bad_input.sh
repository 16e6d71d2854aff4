#!/usr/bin/env bash
# The bad-input table: every door of the CLI fed bad input. Each case must exit 2
# with exactly one line on stderr (containing $EXPECT where a case sets it), and must
# neither create an output file (any new* path) nor change an existing one.
set -u
bin=${1:?usage: bad_input.sh path/to/coagent}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0; n=0

# Fixtures.
"$bin" train --env chain --steps 300 --hidden 4 --mode lockstep --save "$tmp/good.ckpt" --eval-episodes 1 > /dev/null
tiny_ddpg=(--ddpg-actor-hidden 4 --ddpg-critic-hidden 4 --ddpg-learning-starts 20 --ddpg-batch-size 4)
"$bin" train --algo ddpg --env chain --steps 100 "${tiny_ddpg[@]}" --save "$tmp/ddpg.ckpt" --eval-episodes 1 > /dev/null
"$bin" train --algo ars --env pendulum --steps 100 --save "$tmp/ars.ckpt" --eval-episodes 1 > /dev/null
printf 'algo = "local"\nars-top = 2\n' > "$tmp/ars_local.toml"
size=$(stat -c %s "$tmp/good.ckpt")
head -c $((size / 2)) "$tmp/good.ckpt" > "$tmp/truncated.ckpt"
cp "$tmp/good.ckpt" "$tmp/flipped.ckpt"
printf '\x55' | dd of="$tmp/flipped.ckpt" bs=1 seek=$((size / 3)) conv=notrunc status=none
cp "$tmp/good.ckpt" "$tmp/version.ckpt"
printf '\x09' | dd of="$tmp/version.ckpt" bs=1 seek=8 conv=notrunc status=none
: > "$tmp/empty.ckpt"
printf 'not a checkpoint at all' > "$tmp/junk.ckpt"
head -c 4096 "$bin" > "$tmp/binary.toml"
printf 'colour = "red"\n' > "$tmp/unknown.toml"
printf 'gamma = 7\n' > "$tmp/range.toml"
printf 'hidden = [8, 0]\n' > "$tmp/zero.toml"
mkdir "$tmp/dir.toml" "$tmp/dir.ckpt"

target="$tmp/out.ckpt"
run_case() {
  local name=$1; shift
  n=$((n + 1))
  cp "$tmp/good.ckpt" "$target"              # an existing output that must survive
  rm -rf "$tmp"/new*                         # what an earlier failing case created
  local before; before=$(sha256sum < "$target")
  "$@" > "$tmp/stdout" 2> "$tmp/stderr" < "${STDIN:-/dev/null}"
  local rc=$? lines; lines=$(wc -l < "$tmp/stderr")
  local after; after=$(sha256sum < "$target")
  local leftovers; leftovers=$(find "$tmp" -maxdepth 1 -name 'out.ckpt.tmp.*' | wc -l)
  local new; new=$(find "$tmp" -maxdepth 1 -name 'new*' | wc -l)
  local named=1; [ -z "${EXPECT:-}" ] || grep -qF -- "$EXPECT" "$tmp/stderr" || named=0
  if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || [ "$before" != "$after" ] || [ "$leftovers" -ne 0 ] || [ "$new" -ne 0 ] || [ $named -ne 1 ]; then
    echo "FAIL [$name]: exit $rc, $lines stderr lines, output $( [ "$before" = "$after" ] && echo intact || echo CHANGED), $new new files$( [ $named -eq 1 ] || echo ", no '$EXPECT' in the message")"
    sed 's/^/    /' "$tmp/stderr"
    fail=1
  else
    echo "ok   [$name]: $(cat "$tmp/stderr")"
  fi
}

T=(train --steps 50 --eval-episodes 1)
run_case "unknown env"                "$bin" "${T[@]}" --env nope --save "$tmp/new.ckpt"
run_case "zero width"                 "$bin" "${T[@]}" --hidden 0 --save "$tmp/new.ckpt"
run_case "negative width"             "$bin" "${T[@]}" --hidden 8,-1 --save "$tmp/new.ckpt"
run_case "non-numeric width"          "$bin" "${T[@]}" --hidden abc --save "$tmp/new.ckpt"
run_case "unknown rule"               "$bin" "${T[@]}" --rule perturbed --save "$tmp/new.ckpt"
run_case "unknown preset"             "$bin" "${T[@]}" --preset mountain --save "$tmp/new.ckpt"
run_case "trace lambda above 1"       "$bin" "${T[@]}" --rule perturb --trace-lambda 1.5 --save "$tmp/new.ckpt"
run_case "zero critic features"       "$bin" "${T[@]}" --rule perturb --critic-features 0 --save "$tmp/new.ckpt"
run_case "NaN critic bandwidth"       "$bin" "${T[@]}" --rule perturb --critic-bandwidth nan --save "$tmp/new.ckpt"
run_case "NaN alpha-hidden"           "$bin" "${T[@]}" --alpha-hidden nan --save "$tmp/new.ckpt"
run_case "preset with resume"         "$bin" train --resume "$tmp/good.ckpt" --preset chain --save "$tmp/new.ckpt"
run_case "exp2 unknown preset"        "$bin" exp2 --env mountain --seeds 1 --steps 10
run_case "exp2 unknown column"        "$bin" exp2 --seeds 1 --steps 10 --columns local,backprop
run_case "exp2 bad --set"             "$bin" exp2 --seeds 1 --steps 10 --set gamma
run_case "exp2 unknown setting"       "$bin" exp2 --seeds 1 --steps 10 --set gama=0.5
run_case "exp2 zero seeds"            "$bin" exp2 --seeds 0 --steps 10
run_case "exp2 zero eval-every"       "$bin" exp2 --seeds 1 --steps 10 --eval-every 0
EXPECT="ars top: 9" run_case "exp2 bad --ars-set" "$bin" exp2 --seeds 1 --steps 10 --columns ars --ars-set top=9
EXPECT="'bogus'"    run_case "exp2 unknown --ars-set" "$bin" exp2 --seeds 1 --steps 10 --columns ars --ars-set bogus=1
run_case "zero steps"                 "$bin" train --steps 0 --save "$tmp/new.ckpt"
run_case "malformed steps"            "$bin" train --steps 1e99 --save "$tmp/new.ckpt"
run_case "gamma out of range"         "$bin" "${T[@]}" --gamma 1.5 --save "$tmp/new.ckpt"
run_case "gamma nan"                  "$bin" "${T[@]}" --gamma nan --save "$tmp/new.ckpt"
run_case "malformed number"           "$bin" "${T[@]}" --alpha-actor 0.1x --save "$tmp/new.ckpt"
run_case "negative rate"              "$bin" "${T[@]}" --alpha-critic -1 --save "$tmp/new.ckpt"
run_case "unknown rule"               "$bin" "${T[@]}" --rule hebb --save "$tmp/new.ckpt"
run_case "unknown actor step"         "$bin" "${T[@]}" --actor-step sideways --save "$tmp/new.ckpt"
run_case "unknown noise"              "$bin" "${T[@]}" --noise brown --save "$tmp/new.ckpt"
run_case "per-layer list length"      "$bin" "${T[@]}" --hidden 8 --noise-scale 0.1,0.2,0.3 --save "$tmp/new.ckpt"
run_case "explore fraction > 1"       "$bin" "${T[@]}" --explore-fraction 2 --save "$tmp/new.ckpt"
run_case "zero envs"                  "$bin" "${T[@]}" --envs 0 --save "$tmp/new.ckpt"
run_case "negative threads"           "$bin" "${T[@]}" --threads -1 --save "$tmp/new.ckpt"
run_case "negative shard size"        "$bin" "${T[@]}" --shard-size -4 --save "$tmp/new.ckpt"
run_case "unknown mode"               "$bin" "${T[@]}" --mode turbo --save "$tmp/new.ckpt"
run_case "unknown flag"               "$bin" "${T[@]}" --colour red
run_case "no subcommand"              "$bin"
run_case "unknown subcommand"         "$bin" fly
run_case "config missing"             "$bin" "${T[@]}" --config "$tmp/none.toml" --save "$tmp/new.ckpt"
run_case "config is a directory"      "$bin" "${T[@]}" --config "$tmp/dir.toml" --save "$tmp/new.ckpt"
run_case "config is binary"           "$bin" "${T[@]}" --config "$tmp/binary.toml" --save "$tmp/new.ckpt"
run_case "config unknown key"         "$bin" "${T[@]}" --config "$tmp/unknown.toml" --save "$tmp/new.ckpt"
run_case "config value out of range"  "$bin" "${T[@]}" --config "$tmp/range.toml" --save "$tmp/new.ckpt"
run_case "config zero width"          "$bin" "${T[@]}" --config "$tmp/zero.toml" --save "$tmp/new.ckpt"
run_case "save into missing dir"      "$bin" "${T[@]}" --save "$tmp/missing/new.ckpt"
run_case "save onto a directory"      "$bin" "${T[@]}" --save "$tmp/dir.ckpt"
run_case "checkpoint-every 0"         "$bin" "${T[@]}" --checkpoint-every 0 --save "$tmp/new.ckpt"
run_case "checkpoint-every no save"   "$bin" "${T[@]}" --checkpoint-every 10
run_case "resume another shape"       "$bin" train --resume "$tmp/good.ckpt" --hidden 16 --save "$target"
run_case "resume below trained steps" "$bin" train --resume "$tmp/good.ckpt" --steps 10 --save "$target"
run_case "resume corrupt checkpoint"  "$bin" train --resume "$tmp/flipped.ckpt" --save "$target"
run_case "eval missing checkpoint"    "$bin" eval --load /nonexistent
run_case "eval truncated checkpoint"  "$bin" eval --load "$tmp/truncated.ckpt"
run_case "eval flipped byte"          "$bin" eval --load "$tmp/flipped.ckpt"
run_case "eval wrong version"         "$bin" eval --load "$tmp/version.ckpt"
run_case "eval empty file"            "$bin" eval --load "$tmp/empty.ckpt"
run_case "eval directory"             "$bin" eval --load "$tmp/dir.ckpt"
run_case "eval zero episodes"         "$bin" eval --load "$tmp/good.ckpt" --episodes 0
run_case "eval non-numeric episodes"  "$bin" eval --load "$tmp/good.ckpt" --episodes many
run_case "inspect junk"               "$bin" inspect "$tmp/junk.ckpt"
run_case "replay unknown env"         "$bin" replay --env nope
run_case "replay state out of range"  "$bin" replay --env mountaincar --state 5,0
run_case "replay non-numeric state"   "$bin" replay --env mountaincar --state a,b
run_case "replay state count"         "$bin" replay --env mountaincar --state 0.1
printf 'abc\n' > "$tmp/in1"; STDIN="$tmp/in1" run_case "replay non-numeric action" "$bin" replay --env chain
printf 'nan\n' > "$tmp/in2"; STDIN="$tmp/in2" run_case "replay nan action" "$bin" replay --env pendulum --state 0,0
printf '1 2\n' > "$tmp/in3"; STDIN="$tmp/in3" run_case "replay action count" "$bin" replay --env mountaincar
printf '0.5\n1e400\n' > "$tmp/in4"; STDIN="$tmp/in4" run_case "replay overflowing action" "$bin" replay --env mountaincar

# bench and exp1: each case is a tiny run with one flag replaced, so that input wrongly
# accepted finishes quickly (and fails the case). The message must name the flag.
run_with() {  # run_with NAME FLAG VALUE SUBCOMMAND DEFAULTS-ARRAY-NAME [EXTRA...]
  local name=$1 flag=$2 value=$3 sub=$4; local -n defaults=$5; shift 5
  local -A a=(); local k args=()
  for ((k = 0; k < ${#defaults[@]}; k += 2)); do a[${defaults[k]}]=${defaults[k+1]}; done
  a[$flag]=$value
  for k in "${!a[@]}"; do args+=("$k" "${a[$k]}"); done
  EXPECT=${EXPECT:-${flag#--}} run_case "$sub $name" "$bin" "$sub" "${args[@]}" "$@"
}
bench_defaults=(--steps 50 --reps 1 --threads 1 --modes fused --shard-sizes 1 --envs 1 --net 4
                --rule linear --env chain --csv "$tmp/new.csv")
bench_case() { run_with "$1" "$2" "$3" bench bench_defaults --no-ddpg; }
bench_case "zero threads"             --threads 0
bench_case "negative threads"         --threads -1
bench_case "non-numeric threads"      --threads abc
bench_case "fractional threads"       --threads 1.5
bench_case "threads beyond int"       --threads 4294967297
bench_case "empty thread in list"     --threads 1,,2
bench_case "non-numeric shard size"   --shard-sizes x
bench_case "negative shard size"      --shard-sizes -1
bench_case "zero envs"                --envs 0
bench_case "non-numeric envs"         --envs abc
bench_case "zero reps"                --reps 0
bench_case "too many reps"            --reps 101
bench_case "reps beyond int"          --reps 4294967297
bench_case "non-numeric reps"         --reps x
bench_case "zero steps"               --steps 0
bench_case "negative steps"           --steps -5
bench_case "non-numeric steps"        --steps abc
bench_case "unknown mode"             --modes turbo
bench_case "empty mode in list"       --modes fused,
bench_case "unknown rule"             --rule hebb
bench_case "garbage net"              --net garbage
bench_case "zero-width net"           --net 0
EXPECT=environment bench_case "unknown env" --env nope
bench_case "plot into missing dir"    --plot "$tmp/missing/new.png"
bench_case "csv into missing dir"     --csv "$tmp/missing/new.csv"
bench_case "csv onto a directory"     --csv "$tmp/dir.ckpt"

exp1_defaults=(--out "$tmp/new.exp1" --seeds 1 --seed 1 --jobs 1 --phase1-steps 10 --phase2-steps 10
               --checkpoint-every 5 --probe-states 4 --eval-episodes 1 --sub-critic-hidden 4
               --probe-steps 10 --probe-every 5)
exp1_case() { run_with "$1" "$2" "$3" exp1 exp1_defaults --no-plot "${@:4}"; }
EXPECT=environment exp1_case "unknown env" --env nope
exp1_case "zero seeds"                --seeds 0
exp1_case "too many seeds"            --seeds 1001
exp1_case "non-numeric seeds"         --seeds abc
exp1_case "negative seed"             --seed -1
exp1_case "seed beyond 9.2e18"        --seed 18446744073709551615
exp1_case "non-numeric seed"          --seed abc
exp1_case "negative jobs"             --jobs -1
exp1_case "too many jobs"             --jobs 2000
exp1_case "zero phase1 steps"         --phase1-steps 0
exp1_case "negative phase2 steps"     --phase2-steps -1
exp1_case "zero checkpoint-every"     --checkpoint-every 0
exp1_case "zero probe states"         --probe-states 0
exp1_case "zero eval episodes"        --eval-episodes 0
exp1_case "zero sub-critic width"     --sub-critic-hidden 0
exp1_case "non-numeric sub-critic"    --sub-critic-hidden 8,x
exp1_case "nine sub-critic layers"    --sub-critic-hidden 1,1,1,1,1,1,1,1,1
exp1_case "NaN sub-critic lr"         --sub-critic-lr nan
exp1_case "negative sub-critic lr"    --sub-critic-lr -1
exp1_case "malformed sub-critic lr"   --sub-critic-lr 0.1x
exp1_case "probe zero steps"          --probe-steps 0 --probe
exp1_case "probe zero every"          --probe-every 0 --probe
exp1_case "probe alpha-critic > 1"    --probe-alpha-critic 2 --probe
exp1_case "probe NaN alpha-value"     --probe-alpha-value nan --probe
exp1_case "probe negative noise"      --probe-hidden-noise -1 --probe
EXPECT=gamma exp1_case "ddpg gamma out of range" --ddpg-gamma 2
EXPECT=precision exp1_case "ddpg unknown precision" --ddpg-precision float16
exp1_case "ddpg unknown setting"      --ddpg-gama 0.5
exp1_case "empty out"                 --out ""
EXPECT="--out" exp1_case "out is a file" --out "$tmp/good.ckpt"

# --algo ddpg: the local-rule-only doors are closed, and --ddpg-* needs --algo ddpg.
D=(train --algo ddpg --env chain --steps 100 --eval-episodes 1)
EXPECT="--algo"       run_case "ddpg resume"                 "$bin" "${D[@]}" --resume "$tmp/good.ckpt" --save "$tmp/new.ckpt"
EXPECT="--rule"       run_case "ddpg with a local rule"      "$bin" "${D[@]}" "${tiny_ddpg[@]}" --rule perturb --save "$tmp/new.ckpt"
EXPECT="--hidden"     run_case "ddpg with --hidden"          "$bin" "${D[@]}" "${tiny_ddpg[@]}" --hidden 8 --save "$tmp/new.ckpt"
EXPECT="--mode"       run_case "ddpg with --mode"            "$bin" "${D[@]}" "${tiny_ddpg[@]}" --mode lockstep --save "$tmp/new.ckpt"
EXPECT="gamma"        run_case "ddpg gamma out of range"     "$bin" "${D[@]}" "${tiny_ddpg[@]}" --ddpg-gamma 2 --save "$tmp/new.ckpt"
EXPECT="precision"    run_case "ddpg unknown precision"      "$bin" "${D[@]}" "${tiny_ddpg[@]}" --ddpg-precision float16 --save "$tmp/new.ckpt"
EXPECT="noise"        run_case "ddpg unknown noise"          "$bin" "${D[@]}" "${tiny_ddpg[@]}" --ddpg-noise brown --save "$tmp/new.ckpt"
EXPECT="buffer-size"  run_case "ddpg zero buffer"            "$bin" "${D[@]}" "${tiny_ddpg[@]}" --ddpg-buffer-size 0 --save "$tmp/new.ckpt"
EXPECT="--ddpg-gamma needs --algo ddpg" run_case "ddpg flag without --algo ddpg" "$bin" "${T[@]}" --ddpg-gamma 0.9 --save "$tmp/new.ckpt"
EXPECT="--ddpg-tau needs --algo ddpg"   run_case "ddpg flag with --algo local"   "$bin" "${T[@]}" --algo local --ddpg-tau 0.1 --save "$tmp/new.ckpt"
EXPECT="--ddpg-tau cannot be"          run_case "ddpg flag on a resume"         "$bin" train --resume "$tmp/good.ckpt" --ddpg-tau 0.1 --save "$tmp/new.ckpt"
EXPECT="--hidden cannot be changed" run_case "local flag on a ddpg resume" "$bin" train --resume "$tmp/ddpg.ckpt" --hidden 4 --save "$tmp/new.ckpt"
EXPECT="--ddpg-tau cannot be"  run_case "ddpg flag on a ddpg resume"  "$bin" train --resume "$tmp/ddpg.ckpt" --ddpg-tau 0.1 --save "$tmp/new.ckpt"
# --algo ars: the same doors, and --ars-* needs --algo ars.
A=(train --algo ars --env pendulum --steps 100 --eval-episodes 1)
EXPECT="--rule"       run_case "ars with a local rule"       "$bin" "${A[@]}" --rule perturb --save "$tmp/new.ckpt"
EXPECT="--hidden"     run_case "ars with --hidden"           "$bin" "${A[@]}" --hidden 8 --save "$tmp/new.ckpt"
EXPECT="ars top: 5"   run_case "ars top above directions"    "$bin" "${A[@]}" --ars-top 5 --save "$tmp/new.ckpt"
EXPECT="ars directions: 0" run_case "ars zero directions"    "$bin" "${A[@]}" --ars-directions 0 --save "$tmp/new.ckpt"
EXPECT="ars noise: 'nan'" run_case "ars NaN noise"             "$bin" "${A[@]}" --ars-noise nan --save "$tmp/new.ckpt"
EXPECT="ars step: -1" run_case "ars negative step"           "$bin" "${A[@]}" --ars-step -1 --save "$tmp/new.ckpt"
EXPECT="'sigmoid'"    run_case "ars unknown activation"      "$bin" "${A[@]}" --ars-activation sigmoid --save "$tmp/new.ckpt"
EXPECT="ars hidden"   run_case "ars bad hidden"              "$bin" "${A[@]}" --ars-hidden 8,x --save "$tmp/new.ckpt"
EXPECT="--ars-top needs --algo ars" run_case "ars flag with --algo local" "$bin" "${T[@]}" --ars-top 2 --save "$tmp/new.ckpt"
EXPECT="ars-top needs algo" run_case "ars key in a local config" "$bin" train --config "$tmp/ars_local.toml" --save "$tmp/new.ckpt"
EXPECT="--ars-top cannot be" run_case "ars flag on an ars resume" "$bin" train --resume "$tmp/ars.ckpt" --ars-top 2 --save "$tmp/new.ckpt"
EXPECT="--hidden cannot be changed" run_case "local flag on an ars resume" "$bin" train --resume "$tmp/ars.ckpt" --hidden 4 --save "$tmp/new.ckpt"
EXPECT="algo"         run_case "unknown algo"                "$bin" "${T[@]}" --algo backprop --save "$tmp/new.ckpt"

# A flipped byte anywhere says "corrupt".
grep -q corrupt < <("$bin" eval --load "$tmp/flipped.ckpt" 2>&1) || { echo "FAIL: flipped byte message lacks 'corrupt'"; fail=1; }
echo "$n cases"
exit $fail
