#!/bin/sh
# A PDF signed end to end through /csc/v1 by a client that is not part of the
# server (examples/csc-pdf-sign, Node.js), checked by poppler's pdfsig:
#   - a sandbox (examples/sandbox/run-sandbox) in a temp dir on a free port,
#     with its CSC user and its RSA-2048 and EC P-256 credentials;
#   - the example signs a PDF made here with each credential (RSA also with PSS);
#   - pdfsig, with the sandbox CA trusted in a throwaway NSS database, reports
#     "Signature is Valid." and "Certificate is Trusted.", and the signer is
#     the credential's certificate (OpenSSL verifies the dumped CMS over the
#     signed byte ranges and names the signer certificate, whose serial must be
#     the credential's and the one credentials/info returned);
#   - a copy with one byte changed in a signed range is not valid;
#   - a wrong PIN fails with the server's invalid_pin.
#
# Usage: test_csc_pdf_sign.sh SOURCE_DIR BUILD_DIR
# Exit status: 0 all checks passed, 1 a check failed, 77 skipped (node or npm
# missing and CI unset; in CI a missing tool is a failure).
# The server is stopped and the temp directory removed on every exit.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 SOURCE_DIR BUILD_DIR" >&2
    exit 2
fi
root=$(cd "$1" && pwd) || exit 1
build=$(cd "$2" && pwd) || exit 1
example=$root/examples/csc-pdf-sign

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        if [ -n "${CI:-}" ]; then
            echo "FAIL: $tool is not installed (CI is set: .ci/install-deps must install it)" >&2
            exit 1
        fi
        echo "SKIP: $tool is not installed (.ci/install-deps installs Debian's nodejs and npm)"
        exit 77
    fi
done
for tool in pdfsig certutil openssl curl; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "FAIL: $tool is not installed (see .ci/debian-packages)" >&2; exit 1; }
done

# shellcheck source=tests/integration/sandbox_test_lib.sh
. "$(dirname "$0")/sandbox_test_lib.sh"
st_init opensam-csc-pdf

# --- the client's packages, in the build tree ------------------------------------
NODE_PATH=$("$example/install-deps" "$build") || { echo "FAIL: npm ci of csc-pdf-sign" >&2; exit 1; }
export NODE_PATH
sign() { node "$example/csc-pdf-sign.js" --sandbox "$sb/sandbox.json" "$@"; }

# --- the sandbox on a free port ------------------------------------------------------
st_start_sandbox 19000
ok "sandbox with CSC credentials on 127.0.0.1:$port"

# --- pdfsig trusts the sandbox CA for signatures (S/MIME trust bit) ----------------
nss=$work/nss
mkdir -p "$nss"
certutil -N -d "sql:$nss" --empty-password >/dev/null 2>&1 &&
    certutil -A -d "sql:$nss" -n opensam-sandbox-ca -t ",C," -i "$sb/pki/ca.pem" >/dev/null 2>&1 ||
    { echo "FAIL: could not make the NSS database" >&2; exit 1; }

node "$example/csc-pdf-sign.js" --quiet --make-test-pdf "$work/in.pdf" "OpenSAM csc-pdf-sign test" ||
    { echo "FAIL: no test PDF" >&2; exit 1; }
pdfinfo "$work/in.pdf" >/dev/null 2>&1 || fail "the test PDF is not readable by pdfinfo"

# verify_signed NAME PDF CERT: pdfsig and OpenSSL agree that PDF is signed by CERT.
verify_signed() {
    name=$1 pdf=$2 cert=$3
    pdfsig -nssdir "sql:$nss" "$pdf" >"$work/$name.pdfsig" 2>&1
    check "$name: pdfsig says Signature is Valid." grep -q 'Signature Validation: Signature is Valid\.$' "$work/$name.pdfsig"
    check "$name: pdfsig says Certificate is Trusted." grep -q 'Certificate Validation: Certificate is Trusted\.$' "$work/$name.pdfsig"
    check "$name: pdfsig says the whole document is signed" grep -q 'Total document signed' "$work/$name.pdfsig"
    cn=$(openssl x509 -in "$cert" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
    check "$name: pdfsig's signer common name is the certificate's ($cn)" \
        grep -qx "  - Signer Certificate Common Name: $cn" "$work/$name.pdfsig"
    # The CMS itself: OpenSSL verifies it over the signed ranges and names its signer.
    mkdir -p "$work/$name.dump"
    (cd "$work/$name.dump" && pdfsig -dump "$pdf" >/dev/null 2>&1)
    ranges=$(sed -n 's/.*Signed Ranges: \[0 - \([0-9]*\)\], \[\([0-9]*\) - \([0-9]*\)\].*/\1 \2 \3/p' "$work/$name.pdfsig")
    # shellcheck disable=SC2086 # three numbers, split on purpose
    set -- $ranges
    if [ $# -ne 3 ] || [ ! -s "$work/$name.dump/$(basename "$pdf").sig0" ]; then
        fail "$name: no signature dump or byte ranges from pdfsig"
        return
    fi
    { head -c "$1" "$pdf"; tail -c +"$(($2 + 1))" "$pdf"; } >"$work/$name.signed-bytes"
    checks=$((checks + 1))
    if openssl cms -verify -binary -inform DER -in "$work/$name.dump/$(basename "$pdf").sig0" \
        -content "$work/$name.signed-bytes" -CAfile "$sb/pki/ca.pem" -purpose any \
        -signer "$work/$name.signer.pem" -out /dev/null >"$work/$name.cms" 2>&1; then
        ok "$name: openssl cms -verify of the embedded CMS"
    else
        fail "$name: openssl cms -verify: $(cat "$work/$name.cms")"
        return
    fi
    want=$(openssl x509 -in "$cert" -noout -fingerprint -sha256)
    got=$(openssl x509 -in "$work/$name.signer.pem" -noout -fingerprint -sha256)
    check "$name: the CMS signer is the credential's certificate" [ "$want" = "$got" ]
}

for key in rsa ec rsa-pss; do
    case $key in
    rsa-pss) kdir=rsa flags="--key rsa --pss" ;;
    *) kdir=$key flags="--key $key" ;;
    esac
    cert=$sb/csc/$kdir/cert.pem
    # shellcheck disable=SC2086
    sign $flags "$work/in.pdf" "$work/$key.pdf" >"$work/$key.out" 2>&1
    status=$?
    sed 's/^/  /' "$work/$key.out"
    checks=$((checks + 1))
    if [ "$status" -ne 0 ] || [ ! -s "$work/$key.pdf" ]; then
        fail "$key: csc-pdf-sign exited with status $status"
        continue
    fi
    ok "$key: csc-pdf-sign signed the PDF"
    serial=$(openssl x509 -in "$cert" -noout -serial | sed 's/^serial=//')
    check "$key: credentials/info returned the credential's certificate (serial $serial)" \
        grep -q "signer certificate: .*, serial $serial\$" "$work/$key.out"
    verify_signed "$key" "$work/$key.pdf" "$cert"
done

# --- a tampered copy is not valid ------------------------------------------------------
if [ -s "$work/ec.pdf" ]; then
    cp "$work/ec.pdf" "$work/tampered.pdf"
    # Byte 200 lies in the first signed range (the original document).
    orig=$(dd if="$work/tampered.pdf" bs=1 skip=200 count=1 2>/dev/null)
    if [ "$orig" = X ]; then repl=Y; else repl=X; fi
    printf '%s' "$repl" | dd of="$work/tampered.pdf" bs=1 seek=200 conv=notrunc 2>/dev/null
    pdfsig -nssdir "sql:$nss" "$work/tampered.pdf" >"$work/tampered.pdfsig" 2>&1
    checks=$((checks + 1))
    if grep -q 'Signature is Valid' "$work/tampered.pdfsig" ||
        ! grep -q 'Signature Validation:' "$work/tampered.pdfsig"; then
        fail "tampered: pdfsig did not report an invalid signature: $(cat "$work/tampered.pdfsig")"
    else
        ok "tampered: $(sed -n 's/.*Signature Validation: //p' "$work/tampered.pdfsig")"
    fi
fi

# --- a wrong PIN: the client fails with the server's error ---------------------------
printf 'not-the-pin\n' >"$work/wrong-pin"
sign --key ec --pin-file "$work/wrong-pin" "$work/in.pdf" "$work/wrong.pdf" >"$work/wrong.out" 2>&1
status=$?
check "wrong PIN: exit status 1 (was $status)" [ "$status" -eq 1 ]
check "wrong PIN: the server's invalid_pin is reported" grep -q 'credentials/authorize: HTTP 400 invalid_pin' "$work/wrong.out"
check "wrong PIN: no output PDF" [ ! -e "$work/wrong.pdf" ]

# Nothing secret in what the client printed.
password=$(sed -n 's/.*"password": *"\([^"]*\)".*/\1/p' "$sb/sandbox.json")
pin=$(cat "$sb/csc/pin")
# shellcheck disable=SC2016 # expanded by the inner sh
check "the client printed neither the password nor the PIN" \
    sh -c '! cat "$1"/*.out | grep -qF -e "$2" -e "$3"' sh "$work" "$password" "$pin"

stop_server
echo "test_csc_pdf_sign.sh: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
