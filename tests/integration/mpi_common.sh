# tests/integration/mpi_common.sh — sourced by the MPI scripts after common.sh: $bin,
# mpirun allowed as root and oversubscribed (this machine has 2 cores), digest_of and
# mpi_train R ARGS... (mpirun -np R coagent train --mode mpi ARGS, with a time limit).
bin=${1:?usage: $0 path/to/coagent}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
limit=${COAGENT_TEST_WAIT_S:-240}
digest_of() { "$bin" inspect "$1" --json | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/'; }
json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }
mpi_train() {
  local r=$1
  shift
  timeout "$limit" mpirun --oversubscribe -np "$r" "$bin" train --mode mpi "$@"
}
