#!/usr/bin/env bash
# Mode mpi as a job: learning with environments spread over ranks (chain with 8
# environments over 2 ranks solves on the seeds lockstep solves; the MountainCar preset
# solves), a rank killed mid-run ends the job within seconds naming the rank with the
# last checkpoint intact, and bad input or a divergence exits every rank the same way
# (exit 2 or 3, one coagent line, from rank 0).
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/mpi_common.sh"
solved() { grep -o '"solved":[a-z]*' | sed 's/.*://'; }

lock_solved="" mpi_solved=""
for seed in 1 2 3 4 5 6 7 8 9 10; do
  [ "$("$bin" train --preset chain --envs 8 --seed $seed --mode lockstep --json | solved)" = true ] &&
    lock_solved="$lock_solved $seed"
  [ "$(mpi_train 2 --preset chain --envs 8 --seed $seed --json | solved)" = true ] &&
    mpi_solved="$mpi_solved $seed"
done
check "chain, 8 environments over 2 ranks: solved on [$mpi_solved] = lockstep [$lock_solved]" \
  '[ "$mpi_solved" = "$lock_solved" ] && [ "$(echo $lock_solved | wc -w)" -eq 10 ]'
check "the MountainCar preset solves on 2 ranks (seed 1)" \
  '[ "$(mpi_train 2 --preset mountaincar --seed 1 --json | solved)" = true ]'

# A rank killed with SIGKILL after the first checkpoint: mpirun ends the job.
ck="$tmp/run.ckpt"
timeout "$limit" mpirun --oversubscribe -np 2 "$bin" train --mode mpi --env mountaincar \
    --hidden 64,64 --steps 100000000 --checkpoint-every 2000 --save "$ck" > "$tmp/out" 2> "$tmp/err" &
job=$!
for _ in $(seq 600); do [ -s "$ck" ] && break; sleep 0.1; done
# The victim is rank 1 by its environment (Open MPI sets OMPI_COMM_WORLD_RANK), not whichever
# process a pattern lists last (mpirun and timeout carry the same command line).
victim=""
for p in $(pgrep -x coagent); do
  if tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$p; fi
done
check "killed rank: rank 1 found (pid ${victim:-none})" '[ -n "$victim" ]'
# (never `kill -9 0` when no rank was found: that kills this script's process group)
if [ -n "$victim" ]; then kill -9 "$victim" 2> /dev/null; else kill "$job" 2> /dev/null; fi
start=$SECONDS
wait "$job"
rc=$?
check "killed rank: job ends non-zero ($rc) within 10 s ($((SECONDS - start)) s)" \
  '[ "$rc" -ne 0 ] && [ $((SECONDS - start)) -le 10 ]'
check "killed rank: the message names the rank" 'grep -q "rank [0-9]" "$tmp/err"'
check "killed rank: no rank is left running" '! pgrep -f "steps 100000000" > /dev/null'
check "killed rank: the last checkpoint is intact" '"$bin" inspect "$ck" > /dev/null'

# Bad input: exit 2 on every rank, one line (rank 0's); mpirun adds its own summary.
mpi_train 2 --env nope > "$tmp/out" 2> "$tmp/err"
rc=$?
check "bad input: exit 2 ($rc), one coagent line" \
  '[ "$rc" -eq 2 ] && [ "$(grep -c "^coagent: error: unknown environment .nope." "$tmp/err")" -eq 1 ]'
mpi_train 2 --env mountaincar --steps 10 --threads -1 > "$tmp/out" 2> "$tmp/err"
rc=$?
check "bad flag value: exit 2 ($rc), one coagent line" \
  '[ "$rc" -eq 2 ] && [ "$(grep -c "^coagent: error:" "$tmp/err")" -eq 1 ]'
mpi_train 2 --algo ddpg --env pendulum > "$tmp/out" 2> "$tmp/err"
rc=$?
check "mode mpi with DDPG refused: exit 2 ($rc)" \
  '[ "$rc" -eq 2 ] && grep -q "^coagent: error: mode: .mpi. runs the local rules" "$tmp/err"'
# A divergence on the rank of one environment stops every rank: exit 3, one line.
mpi_train 2 --env pendulum --rule linear --alpha-critic 10 --alpha-actor 10 --reward-scale 1e6 \
    --envs 2 --steps 100000 > "$tmp/out" 2> "$tmp/err"
rc=$?
check "divergence: exit 3 ($rc), one line" \
  '[ "$rc" -eq 3 ] && [ "$(grep -c "^coagent: error: .*diverged" "$tmp/err")" -eq 1 ]'
exit $fail
