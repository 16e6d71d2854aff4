#!/usr/bin/env bash
# The kernels are built for several instruction sets (src/rules/kernels.hpp): every one
# this CPU has must train to the same digest, for every rule, in lockstep and async.
# An instruction set the CPU lacks is refused with exit 2 and one line naming it.
bin=${1:?usage: isa.sh path/to/coagent}
source "$(dirname "$0")/common.sh"
digest_of() {  # isa, train flags...
  local isa=$1; shift
  COAGENT_ISA=$isa "$bin" train "$@" --eval-episodes 1 --save "$tmp/x.ckpt" > /dev/null 2> "$tmp/err" || return $?
  "$bin" inspect "$tmp/x.ckpt" --json | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/'
}
available=()
for isa in generic avx2 avx512; do
  if out=$(digest_of "$isa" --steps 10 2>&1); then
    available+=("$isa")
  else
    rc=$?
    check "$isa refused with exit 2 ($(cat "$tmp/err"))" '[[ $rc == 2 && $(wc -l < "$tmp/err") == 1 ]] && grep -q "COAGENT_ISA=.$isa.: this CPU does not support it" "$tmp/err"'
  fi
done
echo "instruction sets of this CPU: ${available[*]}"
check "generic is always available" '[[ "${available[0]:-}" == generic ]]'
runs=("--preset mountaincar --steps 20000"
      "--preset pendulum --steps 4000 --mode async --threads 2 --shard-size 8"
      "--env chain --rule compatible --steps 5000"
      "--env mountaincar --rule linear --hidden 16,16 --steps 5000 --envs 3 --mode lockstep")
for flags in "${runs[@]}"; do
  # shellcheck disable=SC2086
  ref=$(digest_of generic $flags)
  for isa in "${available[@]:1}"; do
    # shellcheck disable=SC2086
    got=$(digest_of "$isa" $flags)
    check "$isa = generic for '$flags' ($got)" '[[ -n "$ref" && "$got" == "$ref" ]]'
  done
done
COAGENT_ISA=sse9 "$bin" train --steps 10 > /dev/null 2> "$tmp/err"
rc=$?
check "an unknown COAGENT_ISA is refused with exit 2 ($(cat "$tmp/err"))" '[[ $rc == 2 ]] && grep -q "COAGENT_ISA=.sse9. is not generic, avx2 or avx512" "$tmp/err"'
exit $fail
