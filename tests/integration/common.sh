# tests/integration/common.sh — sourced by the integration scripts: a scratch directory
# removed on exit ($tmp), a failure flag ($fail, the script's exit code) and
# check NAME EXPR (evaluates EXPR, prints ok/FAIL NAME).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
