#!/bin/bash
# sam-admin user add / passwd / disable against a throwaway SQLite store:
# the password comes from a file or a descriptor, never from argv, and only
# its salted hash reaches the store.
#
# Usage: sam_admin_user_test.sh SAM_ADMIN EXAMPLES_CONFIG_DIR
# Exit status: 0 when every check passed, 1 otherwise.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 SAM_ADMIN EXAMPLES_CONFIG_DIR" >&2
    exit 2
fi
ADMIN=$1
EXAMPLES=$2

work=$(mktemp -d "${TMPDIR:-/tmp}/opensam-user-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

expect() { # STATUS DESCRIPTION CMD...
    local want=$1 desc=$2
    shift 2
    checks=$((checks + 1))
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$desc: exit status $rc, expected $want; stderr: $(cat "$work/err")"
        return 1
    fi
    echo "ok: $desc"
}

stderr_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$work/err" || fail "stderr lacks \"$1\": $(cat "$work/err")"
}

# The first column of the first row of a query (empty when there is none).
sql() {
    sqlite3 -batch -noheader "$work/state.db" "$1" | head -n 1
}

cfg=$work/cfg
mkdir -p "$cfg"
sed "s|/var/lib/opensam/state.db|$work/state.db|" "$EXAMPLES/static_config.json" \
    >"$cfg/static_config.json"
printf 'first secret\n' >"$work/pw1"
printf 'second secret' >"$work/pw2"

expect 0 "user --help" "$ADMIN" user --help && grep -qF -- "--password-source" "$work/out" ||
    fail "user --help lacks --password-source"
expect 0 "help user" "$ADMIN" help user
expect 2 "user without an action" "$ADMIN" user
expect 2 "user with an unknown action" "$ADMIN" user frobnicate --config-dir "$cfg" --user a
expect 2 "add without a password source" "$ADMIN" user add --config-dir "$cfg" --user alice
expect 2 "add with a password on the command line" "$ADMIN" user add --config-dir "$cfg" \
    --user alice --password secret
expect 2 "add without --user" "$ADMIN" user add --config-dir "$cfg" --password-source "file:$work/pw1"
expect 2 "disable with a password source" "$ADMIN" user disable --config-dir "$cfg" \
    --user alice --password-source "file:$work/pw1"

expect 0 "add from a file" "$ADMIN" user add --config-dir "$cfg" --user alice \
    --password-source "file:$work/pw1"
checks=$((checks + 1))
h1=$(sql "SELECT password_hash FROM csc_user WHERE id = 'alice'")
case "$h1" in
'$scrypt$'*) ;;
*) fail "stored password is not a scrypt hash: $h1" ;;
esac
checks=$((checks + 1))
grep -qF "first secret" "$work/state.db" && fail "the password is in the store in clear"
expect 1 "add twice" "$ADMIN" user add --config-dir "$cfg" --user alice \
    --password-source "file:$work/pw1" && stderr_has "exists"
expect 0 "add from a descriptor" "$ADMIN" user add --config-dir "$cfg" --user bob \
    --password-source fd:3 3<"$work/pw2"
expect 0 "passwd" "$ADMIN" user passwd --config-dir "$cfg" --user alice \
    --password-source "file:$work/pw2"
checks=$((checks + 1))
h2=$(sql "SELECT password_hash FROM csc_user WHERE id = 'alice'")
[ "$h1" != "$h2" ] || fail "passwd did not change the hash"
expect 1 "passwd of an unknown user" "$ADMIN" user passwd --config-dir "$cfg" --user carol \
    --password-source "file:$work/pw2"
expect 0 "disable" "$ADMIN" user disable --config-dir "$cfg" --user alice
checks=$((checks + 1))
[ "$(sql "SELECT disabled FROM csc_user WHERE id = 'alice'")" = 1 ] || fail "alice not disabled"
expect 1 "disable an unknown user" "$ADMIN" user disable --config-dir "$cfg" --user carol
expect 1 "empty password file" "$ADMIN" user add --config-dir "$cfg" --user dave \
    --password-source "file:/dev/null"
expect 1 "missing configuration" "$ADMIN" user add --config-dir "$work/none" --user dave \
    --password-source "file:$work/pw1"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
