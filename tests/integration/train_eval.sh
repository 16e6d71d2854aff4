#!/usr/bin/env bash
# `coagent train --save F` ends with a greedy evaluation on seed + 1000000; `coagent
# eval --load F` with the same episodes and seed must report exactly the same numbers
# (the JSON objects are compared as text, every digit), by default and with the seed and
# episodes spelled out. Local rules (lockstep and async), --algo ddpg and --algo ars.
set -u
bin=${1:?usage: train_eval.sh path/to/coagent}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
eval_obj() { sed -n 's/.*"eval":\({[^}]*}\).*/\1/p'; }

# agree NAME SEED EPISODES TRAIN-SETTINGS...
agree() {
  local name=$1 seed=$2 episodes=$3; shift 3
  local ck="$tmp/$name.ckpt"
  if ! "$bin" train "$@" --seed "$seed" --eval-episodes "$episodes" --save "$ck" --json > "$tmp/train.json" 2> "$tmp/err"; then
    echo "FAIL [$name]: train: $(cat "$tmp/err")"; fail=1; return
  fi
  local from_train; from_train=$(eval_obj < "$tmp/train.json")
  local by_default; by_default=$("$bin" eval --load "$ck" --json 2>&1)
  local spelled; spelled=$("$bin" eval --load "$ck" --episodes "$episodes" --seed $((seed + 1000000)) --json 2>&1)
  if [ -z "$from_train" ]; then echo "FAIL [$name]: no eval object in: $(cat "$tmp/train.json")"; fail=1; return; fi
  if [[ "$from_train" != *"\"episodes\":$episodes,"* || "$from_train" != *"\"seed\":$((seed + 1000000)),"* ]]; then
    echo "FAIL [$name]: train did not evaluate $episodes episodes on seed $((seed + 1000000)): $from_train"; fail=1
  fi
  if [ "$by_default" != "$from_train" ]; then
    echo "FAIL [$name]: eval --load differs from train's evaluation"
    echo "    train: $from_train"; echo "    eval:  $by_default"; fail=1; return
  fi
  if [ "$spelled" != "$from_train" ]; then
    echo "FAIL [$name]: eval --episodes $episodes --seed $((seed + 1000000)) differs from train's evaluation"
    echo "    train: $from_train"; echo "    eval:  $spelled"; fail=1; return
  fi
  echo "ok   [$name]: $(sed 's/.*"mean_return":\([^,]*\),.*/mean return \1/' <<< "$from_train") both times"
}

agree pendulum-lockstep  5 7 --env pendulum --hidden 8 --steps 3000 --mode lockstep
agree pendulum-async    11 3 --env pendulum --rule compatible --steps 5000 --mode async --threads 2 --envs 2
agree mountaincar-perturb 2 2 --env mountaincar --rule perturb --hidden 8 --steps 3000 --mode lockstep
agree ddpg-pendulum      4 3 --algo ddpg --env pendulum --steps 600 --ddpg-actor-hidden 8 \
    --ddpg-critic-hidden 8 --ddpg-learning-starts 200 --ddpg-batch-size 16
agree ddpg-float64       6 2 --algo ddpg --env mountaincar --steps 600 --ddpg-actor-hidden 8 \
    --ddpg-critic-hidden 8 --ddpg-learning-starts 200 --ddpg-batch-size 16 --ddpg-precision float64 \
    --ddpg-obs-norm true
agree ars-mountaincar    1 5 --algo ars --env mountaincar --steps 20000 --threads 2
agree ars-linear         3 4 --algo ars --env pendulum --steps 3000 --ars-hidden "" --ars-squash false

# The tables agree too (train without --json, eval without --json).
"$bin" train --env mountaincar --hidden 8 --steps 3000 --seed 5 --mode lockstep --eval-episodes 3 \
    --save "$tmp/t.ckpt" > "$tmp/train.txt"
"$bin" eval --load "$tmp/t.ckpt" > "$tmp/eval.txt"
if sed -n '/^evaluation:/,$p' "$tmp/train.txt" | cmp -s - "$tmp/eval.txt" && [ -s "$tmp/eval.txt" ]; then
  echo "ok   [tables]: $(head -1 "$tmp/eval.txt")"
else
  echo "FAIL [tables]: train's evaluation table differs from eval's"; diff <(sed -n '/^evaluation:/,$p' "$tmp/train.txt") "$tmp/eval.txt"; fail=1
fi
exit $fail
