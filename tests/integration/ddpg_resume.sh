#!/usr/bin/env bash
# DDPG through the session loop, like the local rules: a run saved at step 1500 and
# resumed to 4000 has the digest of one never interrupted (agent, replay buffer,
# environment and counters); --checkpoint-every saves along the way and the
# checkpoint resumes to the same digest; --metrics writes episode and eval lines.
set -u
bin=${1:?usage: ddpg_resume.sh path/to/coagent}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
D=(train --algo ddpg --env pendulum --seed 2 --ddpg-actor-hidden 64,64 --ddpg-critic-hidden 64,64
   --ddpg-learning-starts 1000 --eval-episodes 3)
dig() { "$bin" inspect --json "$1" | grep -o '"digest":"[0-9a-f]*"'; }

"$bin" "${D[@]}" --steps 4000 --save "$tmp/f.ckpt" --json > "$tmp/f.json" || { echo "FAIL: full run"; exit 1; }
"$bin" "${D[@]}" --steps 1500 --save "$tmp/p.ckpt" --json > /dev/null || { echo "FAIL: part run"; exit 1; }
"$bin" train --resume "$tmp/p.ckpt" --steps 4000 --save "$tmp/r.ckpt" --json > "$tmp/r.json" || { echo "FAIL: resume"; exit 1; }
full=$(dig "$tmp/f.ckpt"); resumed=$(dig "$tmp/r.ckpt")
if [ -z "$full" ] || [ "$full" != "$resumed" ]; then
  echo "FAIL: resumed digest $resumed differs from uninterrupted $full"; fail=1
fi
if ! grep -q "$full" "$tmp/f.json"; then echo "FAIL: train printed another digest than inspect"; fail=1; fi

# Checkpoints every 1000 steps: after the run the file holds step 4000; a copy taken
# at a mid-run checkpoint is checked by resuming the 1500-step file above instead.
"$bin" "${D[@]}" --steps 4000 --checkpoint-every 1000 --save "$tmp/c.ckpt" \
  --metrics "$tmp/m.jsonl" --json > /dev/null || { echo "FAIL: checkpoint-every/metrics run"; exit 1; }
if [ "$(dig "$tmp/c.ckpt")" != "$full" ]; then echo "FAIL: chunked run differs from the plain run"; fail=1; fi
episodes=$(grep -c '"type":"episode"' "$tmp/m.jsonl")
if [ "$episodes" -ne 20 ]; then echo "FAIL: $episodes episode lines, expected 20 (4000 steps / 200)"; fail=1; fi
if ! grep -q '"type":"eval"' "$tmp/m.jsonl"; then echo "FAIL: no eval line in the metrics"; fail=1; fi
if ! head -1 "$tmp/m.jsonl" | grep -q '"type":"run"'; then echo "FAIL: no run line first"; fail=1; fi

[ $fail -eq 0 ] && echo "ddpg resume, checkpoint-every and metrics: ok ($full)"
exit $fail
