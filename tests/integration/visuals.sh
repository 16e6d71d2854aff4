#!/usr/bin/env bash
# Metrics files and pictures through the real binary: `train --metrics` writes a
# JSONL file whose every line parses and carries its fields (and which appears only
# when the run finishes); `plot`, `plot-policy` and `eval --gif/--ascii` draw real
# PNG/SVG/GIF files, for local-rule and DDPG checkpoints alike; bad input exits 2
# with one stderr line and leaves no output.
# Exits 77 (skipped) when gnuplot is not installed, except on CI (CI set), where it fails.
set -u
bin=${1:?usage: visuals.sh path/to/coagent}
# On CI (CI set) a missing tool is a failure: tools/install-deps installs both there.
missing=77
[ -n "${CI:-}" ] && missing=1
command -v gnuplot > /dev/null || { echo "gnuplot is not installed (tools/install-deps installs it)"; exit "$missing"; }
command -v python3 > /dev/null || { echo "python3 is not installed"; exit "$missing"; }
tmp=$(mktemp -d)
bg_pid=
trap '[ -n "$bg_pid" ] && kill -9 "$bg_pid" 2> /dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
check() { if eval "$2"; then echo "ok:   $1"; else echo "FAIL: $1"; fail=1; fi; }
run() {  # run NAME CMD...: must exit 0
  local name=$1; shift
  if "$@" > "$tmp/out.txt" 2> "$tmp/err.txt"; then echo "ok:   $name"; else
    echo "FAIL: $name (exit $?)"; sed 's/^/    /' "$tmp/err.txt"; fail=1; fi
}
magic() { head -c "${#2}" "$1" 2> /dev/null; }
size() { stat -c %s "$1" 2> /dev/null || echo 0; }
image() {  # image FILE KIND MAGIC...: exists, > 1 KB, starts with one of the magics
  local f=$1 kind=$2 ok=0; shift 2
  for m in "$@"; do [ "$(magic "$f" "$m")" = "$m" ] && ok=1; done
  check "$f is a $kind file (magic bytes)" '[ $ok -eq 1 ]'
  check "$f is over 1 KB ($(size "$f") bytes)" '[ "$(size "$f")" -gt 1024 ]'
}

# --- training runs with metrics files (fixed seeds) ----------------------------------
echo "seeds: mountaincar 1 and 2, pendulum 1, chain 1"
run "train mountaincar seed 1" "$bin" train --env mountaincar --steps 3000 --seed 1 --eval-episodes 2 --metrics m.jsonl --save m.ckpt
run "train mountaincar seed 2" "$bin" train --env mountaincar --steps 3000 --seed 2 --eval-episodes 2 --metrics m2.jsonl --save m2.ckpt
run "train pendulum" "$bin" train --env pendulum --steps 2000 --seed 1 --eval-episodes 2 --save p.ckpt
run "train chain" "$bin" train --env chain --hidden 8 --steps 3000 --seed 1 --eval-episodes 2 --save c.ckpt
run "train ddpg pendulum" "$bin" train --algo ddpg --env pendulum --steps 1500 --seed 1 --eval-episodes 1 \
  --ddpg-actor-hidden 16 --ddpg-critic-hidden 16 --ddpg-learning-starts 500 --save d.ckpt
check "no m.jsonl.tmp left after a finished run" '[ ! -e m.jsonl.tmp ]'

# Every line parses; the run, episode, layers and eval lines carry their fields.
cat > check_metrics.py << 'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
need = {
    "run": ["env", "rule", "seed", "shape", "steps", "mode", "settings"],
    "episode": ["step", "episode", "return", "length", "env_index"],
    "layers": ["step", "layers"],
    "eval": ["env", "episodes", "seed", "mean_return", "std_return", "min_return",
             "max_return", "success_rate", "mean_length", "solved"],
}
layer_need = ["layer", "mean_abs_td", "action_coef_mean", "action_coef_std", "weight_norm",
              "exploration_scale", "updates"]
assert lines[0]["type"] == "run", "the first line is not the run line"
assert lines[-1]["type"] == "eval", "the last line is not the eval line"
assert isinstance(lines[0]["settings"], dict) and lines[0]["settings"], "empty settings"
counts = {}
for i, l in enumerate(lines, 1):
    t = l["type"]
    counts[t] = counts.get(t, 0) + 1
    for k in need.get(t, []):
        assert k in l, f"line {i} ({t}) has no {k}"
    if t == "layers":
        assert l["layers"], f"line {i}: empty layers"
        for s in l["layers"]:
            for k in layer_need:
                assert k in s, f"line {i}: a layer has no {k}"
for t in need:
    assert counts.get(t, 0) >= 1, f"no {t} line"
assert counts["run"] == 1 and counts["eval"] == 1, "one run and one eval line expected"
print(" ".join(f"{k}={v}" for k, v in counts.items()))
EOF
for f in m.jsonl m2.jsonl; do
  out=$(python3 check_metrics.py "$f" 2>&1); rc=$?
  check "$f: every line parses and has its fields ($(tail -1 <<< "$out"))" '[ $rc -eq 0 ]'
done

# --- pictures -----------------------------------------------------------------------------
run "plot one run" "$bin" plot m.jsonl -o curve.png
image curve.png PNG $'\x89PNG'
run "plot two seeds (band)" "$bin" plot m.jsonl m2.jsonl -o band.png --window 5
image band.png PNG $'\x89PNG'
run "plot as SVG" "$bin" plot m.jsonl -o curve.svg --svg
image curve.svg SVG '<?xml' '<svg'
for e in m p c d; do
  run "plot-policy $e.ckpt" "$bin" plot-policy "$e.ckpt" -o "policy-$e.png"
  image "policy-$e.png" PNG $'\x89PNG'
done
run "eval --gif" "$bin" eval --load m.ckpt --gif ep.gif --episodes 1
image ep.gif GIF GIF89a
run "eval --ascii" "$bin" eval --load m.ckpt --ascii --episodes 1
frames=$(grep -c '^step ' out.txt)
check "eval --ascii printed frames ($frames)" '[ "$frames" -gt 10 ] && [ "$frames" -le 202 ]'
# Pictures for any agent: a DDPG checkpoint draws its episode too.
run "eval --gif of a ddpg checkpoint" "$bin" eval --load d.ckpt --gif ep-ddpg.gif --episodes 1
image ep-ddpg.gif GIF GIF89a
run "eval --ascii of a ddpg checkpoint" "$bin" eval --load d.ckpt --ascii --episodes 1
frames=$(grep -c '^step ' out.txt)
check "eval --ascii of ddpg printed frames ($frames)" '[ "$frames" -gt 10 ] && [ "$frames" -le 202 ]'
check "the ddpg frames are titled with the algorithm" 'grep -q "algo ddpg" out.txt'
check "no temporary files left" '[ -z "$(find . -name "*.tmp*")" ]'

# --- bad input: exit 2, one stderr line, no output file ------------------------------------
bad() {  # bad NAME OUTPUT CMD...
  local name=$1 out=$2; shift 2
  rm -f "$out"
  "$@" > stdout.txt 2> stderr.txt < /dev/null
  local rc=$? lines; lines=$(wc -l < stderr.txt)
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -e "$out" ] && [ -z "$(find . -name "$(basename "$out").tmp*")" ]; then
    echo "ok:   [$name] $(cat stderr.txt)"
  else
    echo "FAIL: [$name] exit $rc, $lines stderr lines, output $( [ -e "$out" ] && echo written || echo absent)"
    sed 's/^/    /' stderr.txt; fail=1
  fi
}
{ head -3 m.jsonl; printf '{"type":"episode","step":\n'; tail -n +4 m.jsonl; } > corrupt.jsonl
tail -n +2 m.jsonl > norun.jsonl
bad "plot: missing file" out.png "$bin" plot missing.jsonl -o out.png
bad "plot: corrupt line" out.png "$bin" plot corrupt.jsonl -o out.png
grep -q 'corrupt.jsonl:4' stderr.txt || { echo "FAIL: the corrupt line is not named (corrupt.jsonl:4)"; fail=1; }
bad "plot: no run line" out.png "$bin" plot norun.jsonl -o out.png
bad "plot: one good file, one missing" out.png "$bin" plot m.jsonl missing.jsonl -o out.png
bad "plot: output directory missing" nodir/out.png "$bin" plot m.jsonl -o nodir/out.png
bad "plot: --window 0" out.png "$bin" plot m.jsonl -o out.png --window 0
bad "plot-policy: missing checkpoint" out.png "$bin" plot-policy missing.ckpt -o out.png
bad "plot-policy: a metrics file is no checkpoint" out.png "$bin" plot-policy m.jsonl -o out.png
bad "eval --gif: output directory missing" nodir/ep.gif "$bin" eval --load m.ckpt --gif nodir/ep.gif --episodes 1
"$bin" train --env synthetic --steps 200 --eval-episodes 1 --save s.ckpt > /dev/null 2>&1
bad "plot-policy: synthetic has no picture" out.png "$bin" plot-policy s.ckpt -o out.png

# --- a run that dies leaves only FILE.tmp, never a half-written FILE -----------------------
"$bin" train --env mountaincar --steps 100000000 --metrics killed.jsonl > /dev/null 2>&1 &
bg_pid=$!
for _ in $(seq 100); do [ -s killed.jsonl.tmp ] && break; sleep 0.1; done
kill -9 "$bg_pid" 2> /dev/null; wait "$bg_pid" 2> /dev/null; bg_pid=
check "killed run: no killed.jsonl" '[ ! -e killed.jsonl ]'
check "killed run: killed.jsonl.tmp holds the lines written so far" \
  '[ "$(head -c 14 killed.jsonl.tmp 2> /dev/null)" = "{\"type\":\"run\"," ]'

[ $fail -eq 0 ] && echo "all visuals checks passed"
exit $fail
