#!/usr/bin/env bash
# Mode mpi equals lockstep: for R = 1, 2, 3 ranks, two shard sizes and every rule (one
# environment, and several), the learned state's digest is lockstep's; a run checkpointed on one
# rank count and resumed on another ends with the digest of an uninterrupted run; the
# checkpoint rank 0 writes is the one lockstep would write.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/mpi_common.sh"
lock() { "$bin" train --mode lockstep --json "$@" | json_field digest; }
mpi() { local r=$1; shift; mpi_train "$r" --json "$@" | json_field digest; }
# The two tasks of the issue over R x shard sizes; every rule over R = 2, 3.
sweep() {  # ranks shard-sizes settings...
  local ranks=$1 shards=$2
  shift 2
  local want got
  want=$(lock "$@")
  for r in $ranks; do
    for shard in $shards; do
      got=$(mpi "$r" "$@" --shard-size "$shard" --threads 2)
      check "R=$r shard $shard [$*]: $got = lockstep $want" '[ -n "$want" ] && [ "$got" = "$want" ]'
    done
  done
}
sweep "1 2 3" "0 5" --env mountaincar --hidden 64,64 --steps 2000 --seed 3          # rule linear
sweep "1 2 3" "0 100" --env synthetic --hidden 1024,1024,1024 --steps 60 --seed 1 --noise-scale 0.1
sweep "2 3" "3" --preset mountaincar --steps 2000                                    # perturb
sweep "2 3" "0" --preset pendulum --steps 1000                                       # dfa
sweep "2 3" "1" --env chain --hidden 8,8 --rule compatible --steps 1000 --seed 2
# Several environments: every rank's shards take the frames in lockstep's order.
sweep "1 2 3" "0" --preset pendulum --envs 4 --steps 1000                             # dfa
sweep "2 3" "3" --env mountaincar --hidden 32,32 --envs 5 --steps 2000 --seed 4      # linear

# Resume across rank counts: 2 ranks to 1500 steps, then 3 ranks to 3000 = lockstep 3000.
base=(--env mountaincar --hidden 64,64 --seed 5)
want=$(lock "${base[@]}" --steps 3000)
mpi_train 2 "${base[@]}" --steps 1500 --save "$tmp/half.ckpt" > /dev/null
got=$(timeout "$limit" mpirun --oversubscribe -np 3 "$bin" train --mode mpi --resume "$tmp/half.ckpt" \
        --steps 3000 --save "$tmp/full.ckpt" --json | json_field digest)
check "resume 2 -> 3 ranks: $got = lockstep $want" '[ "$got" = "$want" ] && [ "$(digest_of "$tmp/full.ckpt")" = "$want" ]'
# ... and the checkpoint resumes in lockstep (the same file format).
got=$("$bin" train --resume "$tmp/half.ckpt" --mode lockstep --steps 3000 --json | json_field digest)
check "resume the mpi checkpoint in lockstep: $got" '[ "$got" = "$want" ]'
exit $fail
