#!/bin/sh
# The server demo end to end (`make demo` under ctest): runs
#   sh examples/demo/run-demo BUILD_DIR
# and checks what the demo cannot check about itself: both signatures
# verified, the server stopped and its port released, the temp directory
# removed, and no SAD, PIN or private key in what it printed.
#
# Usage: test_demo.sh RUN_DEMO BUILD_DIR
# Exit status: 0 when every check passed, 1 otherwise.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 RUN_DEMO BUILD_DIR" >&2
    exit 2
fi
run_demo=$1
build=$2
out=$(mktemp "${TMPDIR:-/tmp}/opensam-test-demo.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

sh "$run_demo" "$build" >"$out" 2>&1
status=$?
cat "$out"
echo "---- test_demo.sh checks"

[ "$status" -eq 0 ] || fail "run-demo exited with status $status"
n=$(grep -c 'Verified OK' "$out")
[ "$n" -eq 2 ] || fail "expected 2 verified signatures (ECDSA, RSA), saw $n"
grep -q '^Done: the ECDSA P-256 and RSA-2048 signatures of README.md verify.$' "$out" ||
    fail "no final Done line"
grep -q '^samd stopped (exit status 0)$' "$out" || fail "samd was not stopped cleanly"

work=$(sed -n 's/^######## A throwaway SAM sandbox in //p' "$out" | head -n 1)
if [ -z "$work" ]; then
    fail "the demo did not say where its sandbox was"
else
    [ ! -e "$work" ] || fail "temp directory $work was left behind"
    if pgrep -f -- "$work/sandbox/etc" >/dev/null 2>&1; then
        fail "a samd of the demo ($work) is still running"
    fi
fi
port=$(sed -n 's/^starting examples\/sandbox\/run-sandbox on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out" |
    tail -n 1)
if [ -n "$port" ] && [ -n "$(ss -ltnH "sport = :$port" 2>/dev/null)" ]; then
    # Another process may have taken the port since; say so rather than guess.
    fail "port $port is still listened on after the demo"
fi

# A SAD is a JWS: base64url of '{"' starts with eyJ. Neither it nor secrets may be printed.
grep -q 'eyJ[A-Za-z0-9_-]*\.eyJ' "$out" && fail "a JWS (SAD) was printed"
grep -q 'PRIVATE KEY' "$out" && fail "a private key was printed"

if [ "$failures" -ne 0 ]; then
    echo "test_demo.sh: $failures check(s) failed" >&2
    exit 1
fi
echo "test_demo.sh: all checks passed"
