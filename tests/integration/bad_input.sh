#!/usr/bin/env bash
# The bad-input table: every door of the CLI fed bad input. Each case must exit 2
# with exactly one line on stderr, and must neither create the output file nor
# change an existing one.
set -u
bin=${1:?usage: bad_input.sh path/to/coagent}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0; n=0

# Fixtures.
"$bin" train --env chain --steps 300 --hidden 4 --mode lockstep --save "$tmp/good.ckpt" --eval-episodes 1 > /dev/null
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
  local before; before=$(sha256sum < "$target")
  "$@" > "$tmp/stdout" 2> "$tmp/stderr" < "${STDIN:-/dev/null}"
  local rc=$? lines; lines=$(wc -l < "$tmp/stderr")
  local after; after=$(sha256sum < "$target")
  local leftovers; leftovers=$(find "$tmp" -maxdepth 1 -name 'out.ckpt.tmp.*' | wc -l)
  local new; new=$(find "$tmp" -maxdepth 1 -name 'new.ckpt*' | wc -l)
  if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || [ "$before" != "$after" ] || [ "$leftovers" -ne 0 ] || [ "$new" -ne 0 ]; then
    echo "FAIL [$name]: exit $rc, $lines stderr lines, output $( [ "$before" = "$after" ] && echo intact || echo CHANGED), $new new files"
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

# A flipped byte anywhere says "corrupt".
grep -q corrupt < <("$bin" eval --load "$tmp/flipped.ckpt" 2>&1) || { echo "FAIL: flipped byte message lacks 'corrupt'"; fail=1; }
echo "$n cases"
exit $fail
