#!/bin/sh
# sam-admin credential add / list / delete against a running sandbox samd:
#   - key pairs made ready through /sam/v1 with sam-demo-client (generate,
#     assign to the CSC user, proof of possession, certificate from the
#     sandbox CA, certify); then sam-admin credential add, with samd running:
#     EC P-256 (DER certificate, explicit PIN from a file, SCAL 2) and
#     RSA-2048 (PEM chain file, PIN from a descriptor, SCAL 1, implicit);
#   - list shows them with their settings and key ids, and no secret;
#   - the EC credential works over /csc/v1: login, credentials/list,
#     credentials/info, authorize with the PIN, signHash, and the signature
#     verifies with the certificate's key;
#   - bad inputs (unknown user, key pair of another user, key pair not
#     certified, certificate of another key, missing PIN file, bad SCAL, a
#     PIN on the command line, a PIN in implicit mode, not a key pair, not a
#     certificate) fail with a clear message, and the store is unchanged;
#   - delete removes a credential: gone from list, credentials/list and
#     credentials/info; deleting it again fails;
#   - the audit logs still verify (sam-admin writes no record and does not
#     disturb samd's chain).
#
# Usage: sam_admin_credential_test.sh SOURCE_DIR BUILD_DIR
# Exit status: 0 when every check passed, 1 otherwise. The server is stopped
# and the temp directory removed on every exit.
# shellcheck disable=SC2016 # the sh -c checks take their values as $1...; the inner sh expands them
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 SOURCE_DIR BUILD_DIR" >&2
    exit 2
fi
root=$(cd "$1" && pwd) || exit 1
build=$(cd "$2" && pwd) || exit 1
# SAM_TEST_ADMIN_WRAPPER: e.g. "valgrind -q --error-exitcode=99 --leak-check=full" to
# run every sam-admin under a checker (a finding then fails the check's exit status).
admin() { ${SAM_TEST_ADMIN_WRAPPER:-} "$build/bin/sam-admin" "$@"; }
CLIENT=$build/bin/sam-demo-client
AUDIT=$build/bin/sam-audit
for tool in openssl curl sqlite3 ss base64; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "FAIL: $tool is not installed (see .ci/debian-packages)" >&2; exit 1; }
done

# shellcheck source=tests/integration/sandbox_test_lib.sh
. "$(dirname "$0")/sandbox_test_lib.sh"
st_init opensam-credential
# expect STATUS DESCRIPTION CMD...: the command's exit status; output in $work/out, $work/err.
expect() {
    want=$1 desc=$2
    shift 2
    checks=$((checks + 1))
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$desc: exit status $rc, expected $want; stderr: $(cat "$work/err")"
        return 1
    fi
    ok "$desc"
}
stderr_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" "$work/err" || fail "stderr lacks \"$1\": $(cat "$work/err")"
}

# --- the sandbox on a free port ------------------------------------------------------
st_start_sandbox 21000
ok "sandbox on 127.0.0.1:$port"
url=https://127.0.0.1:$port
cfg=$sb/etc
user=$(cat "$sb/csc/user")
# sam-admin opens the sandbox's token; sam-demo-client reads the sandbox description.
export SOFTHSM2_CONF="$sb/softhsm2.conf" SAM_SANDBOX="$sb/sandbox.json"
db=$(sed -n 's/.*"path" *: *"\([^"]*state[^"]*\)".*/\1/p' "$cfg/static_config.json" | head -n 1)
[ -f "$db" ] || { echo "FAIL: no state store found in $cfg/static_config.json" >&2; exit 1; }

# Every credential row, PIN hash and OTP record included: what "unchanged" compares.
store_snapshot() {
    sqlite3 -batch -noheader "$db" "SELECT * FROM csc_credential ORDER BY id" | sha256sum
}

expect 0 "add a second CSC user, bob" admin user add --config-dir "$cfg" --user bob \
    --password-source "file:$sb/csc/password"

# --- key pairs made ready through /sam/v1 ----------------------------------------------
# ready_key DIR ALG SIGNER [uncertified]: DIR/certified.json (or DIR/assigned.json) and DIR/cert.pem.
ready_key() {
    d=$1
    mkdir -p "$d"
    "$CLIENT" generate "$d/key.json" "$2" >"$d/log" 2>&1 &&
        "$CLIENT" assign "$d/key.json" "$3" "$d/assigned.json" >>"$d/log" 2>&1 &&
        "$CLIENT" csr "$d/assigned.json" "$d/request.csr.pem" >>"$d/log" 2>&1 || return 1
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >"$d/cert.ext"
    openssl x509 -req -in "$d/request.csr.pem" -CA "$sb/pki/ca.pem" -CAkey "$sb/pki/ca.key" \
        -days 30 -set_serial "0x$(openssl rand -hex 12)" -sha256 -extfile "$d/cert.ext" \
        -out "$d/cert.pem" >>"$d/log" 2>&1 || return 1
    [ $# -eq 4 ] && return 0
    "$CLIENT" certify "$d/assigned.json" "$3" "$d/cert.pem" "$d/certified.json" >>"$d/log" 2>&1
}
for k in "ec ECDSA $user" "rsa RSA $user" "bobs ECDSA bob" "raw ECDSA $user uncertified"; do
    # shellcheck disable=SC2086 # the fields, split on purpose
    set -- $k
    d=$work/$1
    shift
    checks=$((checks + 1))
    if ready_key "$d" "$@"; then
        ok "key pair $(basename "$d") ready ($*)"
    else
        fail "key pair $(basename "$d"): $(tail -n 5 "$d/log")"
        exit 1
    fi
done
openssl x509 -in "$work/ec/cert.pem" -outform DER -out "$work/ec/cert.der"
cat "$work/rsa/cert.pem" "$sb/pki/ca.pem" >"$work/rsa/chain.pem"
printf '%s\n' "$(openssl rand -hex 6)" >"$work/pin"

# --- bad inputs: a clear message, exit status 1 or 2, the store unchanged ---------------
before=$(store_snapshot)
ec="--config-dir $cfg --key-pair $work/ec/certified.json --certificates $work/ec/cert.der"
# bad STATUS DESCRIPTION MESSAGE ARGS...: credential add ARGS fails with MESSAGE on stderr.
bad() {
    st=$1 desc=$2 msg=$3
    shift 3
    expect "$st" "refused: $desc" admin credential add "$@" && stderr_has "$msg" &&
        echo "    $(head -n 1 "$work/err")"
}
# shellcheck disable=SC2086 # $ec: options, split on purpose
{
    bad 1 "unknown user" "no CSC user carol" $ec --user carol --pin-file "$work/pin"
    bad 1 "key pair assigned to another user" "not assigned to user $user" --config-dir "$cfg" \
        --user "$user" --key-pair "$work/bobs/certified.json" --certificates "$work/bobs/cert.pem"
    bad 1 "key pair not certified" "not certified" --config-dir "$cfg" --user "$user" \
        --key-pair "$work/raw/assigned.json" --certificates "$work/raw/cert.pem"
    bad 1 "certificate of another key" "does not certify the key pair's public key" \
        --config-dir "$cfg" --user "$user" --key-pair "$work/ec/certified.json" \
        --certificates "$work/rsa/cert.pem"
    bad 1 "missing PIN file" "$work/no-such-pin" $ec --user "$user" --pin-file "$work/no-such-pin"
    bad 2 "bad SCAL" "scal must be \"1\" or \"2\"" $ec --user "$user" --scal 3
    bad 2 "multisign 0" "--multisign must be 1 to 1000" $ec --user "$user" --multisign 0
    bad 2 "PIN on the command line" "never taken from the command line" $ec --user "$user" \
        --pin 1234
    bad 2 "PIN in implicit mode" "needs auth_mode \"explicit\"" $ec --user "$user" \
        --auth-mode implicit --pin-file "$work/pin"
    bad 2 "unknown auth mode" "auth_mode must be" $ec --user "$user" --auth-mode basic
    bad 2 "OTP parameters without a secret" "need an OTP secret" $ec --user "$user" --otp-digits 8
    bad 2 "no certificates" "are required" --config-dir "$cfg" --user "$user" \
        --key-pair "$work/ec/certified.json"
    bad 1 "not a key pair" "key pair $work/ec/cert.pem" --config-dir "$cfg" --user "$user" \
        --key-pair "$work/ec/cert.pem" --certificates "$work/ec/cert.der"
    bad 1 "not a certificate" "neither PEM certificates nor one DER certificate" \
        --config-dir "$cfg" --user "$user" --key-pair "$work/ec/certified.json" \
        --certificates "$work/ec/certified.json"
    { cat "$work/ec/cert.pem"; printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'; } \
        >"$work/broken-chain.pem"
    bad 1 "a PEM chain with a broken second certificate" "certificate 2 does not parse" \
        --config-dir "$cfg" --user "$user" --key-pair "$work/ec/certified.json" \
        --certificates "$work/broken-chain.pem"
    bad 1 "bad OTP secret" "base32" $ec --user "$user" --otp-secret-file "$work/pin"
}
check "the store is unchanged after the refusals" [ "$(store_snapshot)" = "$before" ]

# --- add -----------------------------------------------------------------------------------
# shellcheck disable=SC2086
expect 0 "add EC credential (DER certificate, PIN file, SCAL 2)" admin credential add $ec \
    --user "$user" --pin-file "$work/pin" --scal 2 --multisign 3 --description "EC by sam-admin"
ec_id=$(cat "$work/out")
check "add printed a credential id ($ec_id)" sh -c 'printf "%s" "$1" | grep -qxE "[0-9a-f]{32}"' sh "$ec_id"
expect 0 "add RSA credential (PEM chain, PIN from a descriptor, implicit)" admin credential add \
    --config-dir "$cfg" --user "$user" --key-pair "$work/rsa/certified.json" \
    --certificates "$work/rsa/chain.pem" --auth-mode implicit
rsa_id=$(cat "$work/out")
expect 2 "a PIN from a descriptor in implicit mode is refused" admin credential add \
    --config-dir "$cfg" --user "$user" --key-pair "$work/rsa/certified.json" \
    --certificates "$work/rsa/chain.pem" --auth-mode implicit --pin-fd 3 3<"$work/pin"
# shellcheck disable=SC2086
expect 0 "add a second EC credential with the PIN from a descriptor" admin credential add $ec \
    --user "$user" --pin-fd 3 3<"$work/pin"
ec2_id=$(cat "$work/out")
printf 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n' >"$work/otp-secret"
# shellcheck disable=SC2086
expect 0 "add an EC credential with PIN and OTP (SHA256, 8 digits, 60 s)" admin credential add \
    $ec --user "$user" --pin-file "$work/pin" --otp-secret-file "$work/otp-secret" \
    --otp-algorithm SHA256 --otp-digits 8 --otp-period 60
otp_id=$(cat "$work/out")
checks=$((checks + 1))
grep -qF "JBSWY3DPEHPK3PXP" "$db" && fail "the OTP secret is in the store in clear"
checks=$((checks + 1))
grep -qF "$(cat "$work/pin")" "$db" && fail "the PIN is in the store in clear"

# --- list ----------------------------------------------------------------------------------
ec_key=$(sed -n 's/.*"id" *: *"\([0-9a-f]\{32\}\)".*/\1/p' "$work/ec/certified.json" | head -n 1)
expect 0 "list" admin credential list --config-dir "$cfg" --user "$user"
cp "$work/out" "$work/list"
line_of() { grep "^$1	" "$work/list"; }
check "list: the EC credential's settings and key id" \
    sh -c '[ "$1" = "$(printf "%s\t%s\texplicit\t2\t3\t%s\tok\tnone" "$2" "$3" "$4")" ]' sh \
    "$(line_of "$ec_id")" "$ec_id" "$user" "$ec_key"
check "list: the RSA credential, implicit, no PIN" \
    sh -c 'printf "%s\n" "$1" | grep -qE "	implicit	1	1	[0-9a-f]{32}	none	none$"' sh \
    "$(line_of "$rsa_id")"
check "list: the sandbox's own credentials are there too" \
    grep -q "^$(sed -n 1p "$sb/csc/credential_ids")	" "$work/list"
check "list: the credential with an OTP" \
    sh -c 'printf "%s\n" "$1" | grep -qE "	explicit	1	1	[0-9a-f]{32}	ok	ok$"' sh "$(line_of "$otp_id")"
check "list: no PIN hash, no OTP record" sh -c '! grep -q -e scrypt -e totp: "$1"' sh "$work/list"
expect 1 "list of an unknown user" admin credential list --config-dir "$cfg" --user carol &&
    stderr_has "no CSC user carol"
expect 0 "list of bob: none" admin credential list --config-dir "$cfg" --user bob
check "list of bob has only the header" [ "$(wc -l <"$work/out")" -eq 1 ]

# --- over /csc/v1 ---------------------------------------------------------------------------
# csc METHOD BODY: POST /csc/v1/METHOD with the token; answer in $work/csc.json, status echoed.
csc() {
    curl -s --cacert "$sb/pki/ca.pem" -o "$work/csc.json" -w '%{http_code}' \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" \
        "$url/csc/v1/$1"
}
password=$(cat "$sb/csc/password")
status=$(curl -s --cacert "$sb/pki/ca.pem" -o "$work/login.json" -w '%{http_code}' -u "$user:$password" \
    -H 'Content-Type: application/json' -d '{}' "$url/csc/v1/auth/login")
token=$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' "$work/login.json")
check "auth/login ($status)" sh -c '[ "$1" = 200 ] && [ -n "$2" ]' sh "$status" "$token"
status=$(csc credentials/list '{"maxResults": 100}')
check "credentials/list ($status) lists the new credentials" \
    sh -c '[ "$1" = 200 ] && grep -q "\"$2\"" "$4" && grep -q "\"$3\"" "$4"' sh "$status" "$ec_id" "$rsa_id" "$work/csc.json"
status=$(csc credentials/info "{\"credentialID\": \"$ec_id\", \"certificates\": \"single\", \"authInfo\": true}")
cert_b64=$(openssl x509 -in "$work/ec/cert.pem" -outform DER | base64 -w 0)
check "credentials/info ($status): the certificate, SCAL 2, multisign 3, explicit with PIN" \
    sh -c '[ "$1" = 200 ] && grep -qF "$2" "$3" && grep -q "\"SCAL\" *: *\"2\"" "$3" &&
        grep -q "\"multisign\" *: *3" "$3" && grep -q "\"authMode\" *: *\"explicit\"" "$3" &&
        grep -q "\"PIN\"" "$3"' sh "$status" "$cert_b64" "$work/csc.json"
printf 'signed through a credential made by sam-admin\n' >"$work/doc"
openssl dgst -sha256 -binary "$work/doc" >"$work/doc.sha256"
hash=$(base64 -w 0 <"$work/doc.sha256")
status=$(csc credentials/authorize "{\"credentialID\": \"$ec_id\", \"numSignatures\": 1, \"hash\": [\"$hash\"], \"PIN\": \"$(cat "$work/pin")\"}")
sad=$(sed -n 's/.*"SAD" *: *"\([^"]*\)".*/\1/p' "$work/csc.json")
check "credentials/authorize with the PIN ($status)" sh -c '[ "$1" = 200 ] && [ -n "$2" ]' sh "$status" "$sad"
status=$(csc signatures/signHash "{\"credentialID\": \"$ec_id\", \"SAD\": \"$sad\", \"hash\": [\"$hash\"], \"signAlgo\": \"1.2.840.10045.4.3.2\"}")
sed -n 's/.*"signatures" *: *\[ *"\([^"]*\)".*/\1/p' "$work/csc.json" | base64 -d >"$work/doc.sig" 2>/dev/null
openssl x509 -in "$work/ec/cert.pem" -noout -pubkey >"$work/ec/pub.pem"
check "signatures/signHash ($status): the signature verifies with the certificate's key" \
    openssl pkeyutl -verify -pubin -inkey "$work/ec/pub.pem" -in "$work/doc.sha256" -sigfile "$work/doc.sig"
status=$(csc credentials/authorize "{\"credentialID\": \"$ec_id\", \"numSignatures\": 1, \"hash\": [\"$hash\"], \"PIN\": \"wrong\"}")
check "credentials/authorize with a wrong PIN: 400 ($status)" [ "$status" = 400 ]
expect 0 "list after a wrong PIN" admin credential list --config-dir "$cfg" --user "$user"
check "list shows the PIN failure" sh -c 'grep "^$1	" "$2" | grep -qE "	1/[0-9]+ failed	none$"' sh "$ec_id" "$work/out"

# --- delete ---------------------------------------------------------------------------------
expect 0 "delete" admin credential delete --config-dir "$cfg" "$ec_id"
expect 0 "list after delete" admin credential list --config-dir "$cfg" --user "$user"
check "list no longer shows it, still shows the others" \
    sh -c '! grep -q "^$1	" "$3" && grep -q "^$2	" "$3"' sh "$ec_id" "$ec2_id" "$work/out"
status=$(csc credentials/list '{"maxResults": 100}')
check "credentials/list ($status) no longer lists it" \
    sh -c '[ "$1" = 200 ] && ! grep -q "\"$2\"" "$3"' sh "$status" "$ec_id" "$work/csc.json"
status=$(csc credentials/info "{\"credentialID\": \"$ec_id\"}")
check "credentials/info of the deleted credential: 400 ($status)" [ "$status" = 400 ]
before=$(store_snapshot)
expect 1 "delete again" admin credential delete --config-dir "$cfg" "$ec_id" &&
    stderr_has "no credential $ec_id"
expect 2 "delete without an id" admin credential delete --config-dir "$cfg"
check "the store is unchanged after the refused deletes" [ "$(store_snapshot)" = "$before" ]
for id in "$rsa_id" "$ec2_id" "$otp_id"; do
    expect 0 "delete $id" admin credential delete --config-dir "$cfg" "$id"
done

# --- help, and the audit logs still verify ------------------------------------------------
expect 0 "credential --help" admin credential --help
for a in add delete list unlock; do
    check "credential --help covers $a" grep -q "Usage: sam-admin credential $a" "$work/out"
done
expect 2 "credential with an unknown action" admin credential frobnicate &&
    stderr_has "unknown action 'frobnicate'"
stop_server
for log in "$sb"/audit/*.log; do
    expect 0 "sam-audit verify $(basename "$log")" "$AUDIT" verify --infra "$cfg/sam_infrastructure.json" "$log"
done

echo "sam_admin_credential_test.sh: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
