#!/bin/sh
# Random-call harness of the C runtime's API (test/runtime/fuzz_api.c) under ASan and UBSan,
# for longer runs than CI makes: scripts/fuzz-api.sh [seed] [calls] [fixture]
# (defaults: seed 1, 1000000 calls, both fixtures: adam and sgd). The run is deterministic for
# a seed; a FAIL line names the call number to reproduce. Exit status 0 only if nothing failed.
set -eu
seed=${1:-1}
calls=${2:-1000000}
fixtures=${3:-"adam sgd"}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/tinyfoa-fuzz-XXXXXX")
trap 'rm -rf "$out"' EXIT
status=0
for fixture in $fixtures; do
    fx="$root/test/runtime/fixtures/$fixture"
    [ -f "$fx/tf_model.c" ] || { echo "fuzz-api: no fixture '$fixture' in test/runtime/fixtures" >&2; exit 2; }
    gcc -std=c99 -O2 -g -Wall -Wextra -Werror -Wdouble-promotion -ffp-contract=off \
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
        -I"$root/runtime-c" -I"$fx" "$root/test/runtime/fuzz_api.c" "$fx/tf_model.c" \
        $(ls "$root"/runtime-c/*.c | grep -v '/tf_main\.c$') -o "$out/fuzz_$fixture"
    rc=0
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$out/fuzz_$fixture" "$seed" "$calls" >"$out/log" || rc=$?
    grep -E '^(FAIL|FUZZ|TESTS)' "$out/log" | head -n 50
    [ "$rc" -eq 0 ] || { echo "fuzz-api: fixture $fixture, seed $seed: exit status $rc" >&2; status=1; }
done
exit $status
