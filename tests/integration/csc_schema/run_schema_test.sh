#!/bin/bash
# The csc_schema test: do the /csc/v1 answers conform to the CSC v1 JSON schema?
#
#   run_schema_test.sh <this folder> <csc_schema_v.1.0.3.0.json> <work dir> <test_csc binary>...
#
# 1. installs ajv (package-lock.json here) into <work dir>/node_modules with npm ci,
#    again only when the lock file changed;
# 2. self-check: the validator must accept selfcheck/good-* and refuse selfcheck/bad-*;
# 3. runs each CSC test binary with SAM_TEST_CSC_DUMP_DIR set, so that csc_call
#    (tests/integration/csc_support.c) writes every answer it receives to a file;
# 4. validates every answer (validate.js): success bodies against the method's
#    output schema, error bodies against {error, error_description}; fails when
#    one does not conform, when a method that info lists has no valid success
#    answer, or when nothing was dumped.
# Exit 77 (skipped) only when node or npm is missing and CI is not set.
set -u

SKIP=77
src=$1
schema=$2
work=$3
shift 3

fail() {
    echo "csc_schema: FAIL: $*" >&2
    exit 1
}

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        [ -n "${CI:-}" ] && fail "$tool is missing (Debian: nodejs, npm)"
        echo "csc_schema: SKIP: $tool is missing (Debian: nodejs, npm)"
        exit $SKIP
    fi
done
major=$(node -p 'process.versions.node.split(".")[0]') || fail "node does not run"
[ "$major" -ge 18 ] 2>/dev/null || fail "node $major is too old (18 or later needed)"
# The consortium's schema is read where it lies, beside the checkout (never
# copied in). CI has it there; a checkout elsewhere skips, saying why.
if [ ! -r "$schema" ]; then
    [ -n "${CI:-}" ] && fail "no schema at $schema (shared/spec must sit beside the checkout)"
    echo "csc_schema: SKIP: no schema at $schema (shared/spec must sit beside the checkout)"
    exit $SKIP
fi
[ $# -gt 0 ] || fail "no CSC test binary given"

mkdir -p "$work" || fail "cannot create $work"
if ! cmp -s "$src/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/ajv" ]; then
    rm -f "$work/package-lock.json"
    cp "$src/package.json" "$src/package-lock.json" "$work/" || fail "cannot copy package files"
    if ! (cd "$work" && npm ci --no-audit --no-fund); then
        rm -f "$work/package-lock.json" # try again next time
        fail "npm ci in $work"
    fi
fi
export NODE_PATH="$work/node_modules"

node "$src/validate.js" --schema "$schema" --self-check "$src/selfcheck" ||
    fail "the validator's self-check"

dumps="$work/dumps"
rm -rf "$dumps"
mkdir -p "$dumps" || fail "cannot make $dumps"
failed_bins=""
for bin in "$@"; do
    echo "csc_schema: running $(basename "$bin")"
    # Each binary is bounded on its own; ctest's TIMEOUT bounds the whole.
    if ! SAM_TEST_CSC_DUMP_DIR="$dumps" timeout 600 "$bin" --jobs 2; then
        failed_bins="$failed_bins $(basename "$bin")"
    fi
done

node "$src/validate.js" --schema "$schema" --dumps "$dumps"
valid=$?
[ -z "$failed_bins" ] || fail "CSC test binaries failed:$failed_bins (answers kept in $dumps)"
[ $valid -eq 0 ] || fail "answers that do not conform (kept in $dumps)"
echo "csc_schema: all answers conform"
