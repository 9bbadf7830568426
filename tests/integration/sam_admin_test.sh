#!/bin/bash
# sam-admin against throwaway SoftHSMv2 tokens: create, initialize, import,
# check, the refusals that must change nothing, and --help for every command.
#
# Usage: sam_admin_test.sh SAM_ADMIN EXAMPLES_CONFIG_DIR
# Environment: SAM_TEST_SOFTHSM_LIBRARY (default /usr/lib/softhsm/libsofthsm2.so).
# Exit status: 0 when every check passed, 1 otherwise.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 SAM_ADMIN EXAMPLES_CONFIG_DIR" >&2
    exit 2
fi
ADMIN=$1
EXAMPLES=$2
LIB=${SAM_TEST_SOFTHSM_LIBRARY:-/usr/lib/softhsm/libsofthsm2.so}
PIN=1234-admin-test
SO_PIN=5678-admin-test-so
LABEL=opensam-it
SAM_ID=sam-it-1
PREFIX=opensam-$SAM_ID

work=$(mktemp -d "${TMPDIR:-/tmp}/opensam-admin-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run CMD...: stdout, stderr and exit status into $work/out, $work/err, $rc.
run() {
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
}

# expect STATUS DESCRIPTION CMD...
expect() {
    local want=$1 desc=$2
    shift 2
    checks=$((checks + 1))
    run "$@"
    if [ "$rc" -ne "$want" ]; then
        fail "$desc: exit status $rc, expected $want; stderr: $(cat "$work/err")"
        return 1
    fi
    echo "ok: $desc"
    return 0
}

# stderr_has TEXT: the last command's stderr contains TEXT (fixed string).
stderr_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$work/err" || fail "stderr lacks \"$1\": $(cat "$work/err")"
}

same_file() { # A B DESCRIPTION
    checks=$((checks + 1))
    cmp -s "$1" "$2" || fail "$3: $1 and $2 differ"
}

absent() { # PATH DESCRIPTION
    checks=$((checks + 1))
    [ ! -e "$1" ] || fail "$2: $1 exists"
}

# make_token DIR: a SoftHSM configuration of its own with a token labelled $LABEL.
make_token() {
    mkdir -p "$1/tokens" || return 1
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$1" >"$1/softhsm2.conf"
    SOFTHSM2_CONF="$1/softhsm2.conf" softhsm2-util --init-token --free --label "$LABEL" \
        --pin "$PIN" --so-pin "$SO_PIN" >/dev/null
}

list_objects() { # SOFTHSM_DIR OUT
    SOFTHSM2_CONF="$1/softhsm2.conf" pkcs11-tool --module "$LIB" --token-label "$LABEL" \
        --login --pin "$PIN" --list-objects >"$2" 2>/dev/null
}

# A dynamic configuration with fresh keys: dynamic VERSION OUT [SSA_PUBLIC_KEY]
dynamic() {
    local ssa_key=${3:-}
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/k.pem" 2>/dev/null
    local as_key
    as_key=$(openssl pkey -in "$work/k.pem" -pubout -outform DER | base64 -w0)
    if [ -z "$ssa_key" ]; then
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/k.pem" 2>/dev/null
        ssa_key=$(openssl pkey -in "$work/k.pem" -pubout -outform DER | base64 -w0)
    fi
    rm -f "$work/k.pem"
    cat >"$2" <<EOF
{
  "version": $1,
  "authorization_servers": [{"id": "as1", "public_key": "$as_key"}],
  "signing_service_privileged_users": [
    {"id": "ssa1", "public_key": "$ssa_key", "allowed_authorization_servers": ["as1"]}
  ]
}
EOF
}

# ---- command line --------------------------------------------------------

expect 0 "sam-admin --help" "$ADMIN" --help &&
    { grep -q "^Usage: sam-admin" "$work/out" || fail "sam-admin --help prints no usage"; }
for cmd in create initialize import check; do
    expect 0 "sam-admin $cmd --help" "$ADMIN" "$cmd" --help &&
        { grep -q "^Usage: sam-admin $cmd" "$work/out" || fail "$cmd --help prints no usage"; }
    expect 0 "sam-admin help $cmd" "$ADMIN" help "$cmd"
done
expect 2 "no command" "$ADMIN"
expect 2 "unknown command" "$ADMIN" frobnicate && stderr_has "sam-admin: unknown command"
expect 2 "unknown option" "$ADMIN" create --frobnicate && stderr_has "sam-admin: create: unknown option"
expect 2 "missing required options" "$ADMIN" create --config-dir "$work"
expect 2 "option without its argument" "$ADMIN" import --config-dir
expect 2 "import needs exactly one file" "$ADMIN" import --config-dir "$work" \
    --static a --dynamic b
expect 2 "bad PIN source" "$ADMIN" create --config-dir "$work" --token-label x --pin-source 1234

# ---- create --------------------------------------------------------------

hsm_a=$work/hsm-a
hsm_b=$work/hsm-b
make_token "$hsm_a" || { echo "cannot make a SoftHSM token" >&2; exit 1; }
make_token "$hsm_b" || exit 1
printf '%s\n' "$PIN" >"$work/pin"
printf 'wrong-pin\n' >"$work/badpin"
chmod 600 "$work/pin" "$work/badpin"
mkdir -p "$work/node1" "$work/node2" "$work/node3" "$work/node4" "$work/cfg"
export SOFTHSM2_CONF=$hsm_a/softhsm2.conf
create_args=(--token-label "$LABEL" --library "$LIB" --sam-id "$SAM_ID")

expect 1 "create with a wrong PIN fails" "$ADMIN" create --config-dir "$work/node1" \
    "${create_args[@]}" --pin-source "file:$work/badpin" && stderr_has "PIN"
absent "$work/node1/sam_infrastructure.json" "create with a wrong PIN"
list_objects "$hsm_a" "$work/objects0"
checks=$((checks + 1))
grep -q "$PREFIX" "$work/objects0" && fail "create with a wrong PIN left keys in the token"

expect 0 "create" "$ADMIN" create --config-dir "$work/node1" "${create_args[@]}" \
    --pin-source "file:$work/pin"
infra=$work/node1/sam_infrastructure.json
checks=$((checks + 1))
[ -f "$infra" ] || fail "create wrote no $infra"
checks=$((checks + 1))
[ "$(stat -c %a "$infra")" = 600 ] || fail "$infra has mode $(stat -c %a "$infra"), not 600"
checks=$((checks + 1))
grep -q "\"$SAM_ID\"" "$infra" || fail "$infra does not name $SAM_ID"
checks=$((checks + 1))
grep -q "$PIN" "$infra" && fail "$infra contains the PIN itself"
list_objects "$hsm_a" "$work/objects1"
for suffix in wrap seal audit csc; do
    checks=$((checks + 1))
    grep -q "label: *$PREFIX-$suffix\$" "$work/objects1" ||
        fail "token lacks the key labelled $PREFIX-$suffix"
done

cp "$infra" "$work/infra.saved"
expect 1 "a second create refuses" "$ADMIN" create --config-dir "$work/node1" \
    --token-label "$LABEL" --library "$LIB" --sam-id sam-it-2 --pin-source "file:$work/pin" &&
    stderr_has "already exists"
same_file "$infra" "$work/infra.saved" "a second create"
list_objects "$hsm_a" "$work/objects2"
same_file "$work/objects1" "$work/objects2" "a second create (token objects)"

expect 1 "create with labels already in the token refuses" "$ADMIN" create \
    --config-dir "$work/node4" "${create_args[@]}" --pin-source "file:$work/pin" &&
    stderr_has "already holds keys"
absent "$work/node4/sam_infrastructure.json" "create with taken labels"
list_objects "$hsm_a" "$work/objects3"
same_file "$work/objects1" "$work/objects3" "create with taken labels (token objects)"

# ---- initialize ----------------------------------------------------------

expect 0 "initialize from the created file" "$ADMIN" initialize --config-dir "$work/node2" \
    --from "$infra"
same_file "$work/node2/sam_infrastructure.json" "$infra" "initialize"
checks=$((checks + 1))
[ "$(stat -c %a "$work/node2/sam_infrastructure.json")" = 600 ] || fail "initialize: mode is not 600"
expect 1 "initialize refuses to overwrite" "$ADMIN" initialize --config-dir "$work/node2" \
    --from "$infra" && stderr_has "already exists"

expect 1 "initialize against a token lacking the keys" \
    env SOFTHSM2_CONF="$hsm_b/softhsm2.conf" "$ADMIN" initialize --config-dir "$work/node3" --from "$infra" &&
    stderr_has "does not hold the keys of SAM $SAM_ID" && stderr_has "$PREFIX-"
absent "$work/node3/sam_infrastructure.json" "initialize against a token lacking the keys"

printf '{"format": 1,\n "sam_id": 7}\n' >"$work/bad-infra.json"
expect 1 "initialize from an invalid file" "$ADMIN" initialize --config-dir "$work/node3" \
    --from "$work/bad-infra.json" && stderr_has "sam-admin: $work/bad-infra.json" &&
    stderr_has "line 2"
absent "$work/node3/sam_infrastructure.json" "initialize from an invalid file"

# ---- import --------------------------------------------------------------

cfg=$work/cfg
expect 0 "import the example static configuration" "$ADMIN" import --config-dir "$cfg" \
    --static "$EXAMPLES/static_config.json"
same_file "$cfg/static_config.json" "$EXAMPLES/static_config.json" "import --static"
expect 0 "import the example dynamic configuration" "$ADMIN" import --config-dir "$cfg" \
    --dynamic "$EXAMPLES/dynamic_config.json"
same_file "$cfg/dynamic_config.json" "$EXAMPLES/dynamic_config.json" "import --dynamic"

# A static file with an unknown field on line 3.
sed '3i\  "colour": "blue",' "$EXAMPLES/static_config.json" >"$work/bad-static.json"
cp "$cfg/static_config.json" "$work/static.saved"
expect 1 "import refuses an unknown field" "$ADMIN" import --config-dir "$cfg" \
    --static "$work/bad-static.json" &&
    stderr_has "sam-admin: $work/bad-static.json: line 3, column" && stderr_has '"colour"'
same_file "$cfg/static_config.json" "$work/static.saved" "a refused static import"

# A static file with an out-of-range value on a known line.
awk '{ if ($0 ~ /"max_json_depth"/) print "    \"max_json_depth\": 1000,"; else print }' \
    "$EXAMPLES/static_config.json" >"$work/bad-limit.json"
line=$(grep -n '"max_json_depth"' "$work/bad-limit.json" | cut -d: -f1)
expect 1 "import refuses a limit out of bounds" "$ADMIN" import --config-dir "$cfg" \
    --static "$work/bad-limit.json" && stderr_has "line $line, column" &&
    stderr_has '"limits.max_json_depth"'
same_file "$cfg/static_config.json" "$work/static.saved" "a refused static import"

dynamic 5 "$work/dyn5.json"
expect 0 "import dynamic version 5" "$ADMIN" import --config-dir "$cfg" --dynamic "$work/dyn5.json"
same_file "$cfg/dynamic_config.json" "$work/dyn5.json" "import dynamic version 5"
dynamic 3 "$work/dyn3.json"
expect 1 "import refuses a lower version" "$ADMIN" import --config-dir "$cfg" \
    --dynamic "$work/dyn3.json" &&
    stderr_has "version 3 is not greater than the installed version 5"
same_file "$cfg/dynamic_config.json" "$work/dyn5.json" "a refused lower version"
dynamic 5 "$work/dyn5b.json"
expect 1 "import refuses the same version" "$ADMIN" import --config-dir "$cfg" \
    --dynamic "$work/dyn5b.json" &&
    stderr_has "version 5 is not greater than the installed version 5"
same_file "$cfg/dynamic_config.json" "$work/dyn5.json" "a refused equal version"

admin_key=$(grep -o '"public_key": "[^"]*"' "$EXAMPLES/static_config.json" | head -1 | cut -d'"' -f4)
dynamic 6 "$work/dyn6-admin.json" "$admin_key"
expect 1 "import refuses an SSA holding an administrator's key" "$ADMIN" import \
    --config-dir "$cfg" --dynamic "$work/dyn6-admin.json" && stderr_has "only one role"
same_file "$cfg/dynamic_config.json" "$work/dyn5.json" "a refused role mix"

sed 's/"version": 7/"version": 7, "version": 8/' >"$work/dyn-dup.json" <<'EOF'
{"version": 7, "authorization_servers": [], "signing_service_privileged_users": []}
EOF
expect 1 "import refuses a duplicate key" "$ADMIN" import --config-dir "$cfg" \
    --dynamic "$work/dyn-dup.json" && stderr_has "line 1"
same_file "$cfg/dynamic_config.json" "$work/dyn5.json" "a refused duplicate key"

expect 1 "import of a missing file" "$ADMIN" import --config-dir "$cfg" \
    --dynamic "$work/none.json" && stderr_has "$work/none.json"
expect 1 "import into a missing directory" "$ADMIN" import --config-dir "$work/nodir" \
    --static "$EXAMPLES/static_config.json"
absent "$work/nodir" "import into a missing directory"
checks=$((checks + 1))
leftovers=$(find "$cfg" -name '*.json.*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "temporary files left in $cfg"

# ---- check ---------------------------------------------------------------

cp "$infra" "$cfg/sam_infrastructure.json"
expect 0 "check a complete directory" "$ADMIN" check --config-dir "$cfg"
expect 0 "check a complete directory with its module" "$ADMIN" check --config-dir "$cfg" --module
expect 1 "check a directory without configuration" "$ADMIN" check --config-dir "$work/node3"
cp "$work/bad-static.json" "$cfg/static_config.json"
expect 1 "check finds an invalid static file" "$ADMIN" check --config-dir "$cfg" &&
    stderr_has "$cfg/static_config.json: line 3"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
