# Shared by the shell tests that run the `make run` sandbox in the background
# (test_csc_pdf_sign.sh, sam_admin_credential_test.sh). Source it after
# setting root (the checkout) and build (the build directory), then:
#   st_init NAME          a temporary $work, counters, traps that stop the
#                         server and remove $work on every exit
#   st_start_sandbox BASE the sandbox ($sb) on a free port from BASE ($port),
#                         once /readyz answers and its CSC objects exist
# and use fail, ok and check to count checks.
# shellcheck shell=sh

st_init() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
    server_pid=
    failures=0
    checks=0
    trap st_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    n=0
    while kill -0 "$server_pid" 2>/dev/null && [ "$n" -lt 30 ]; do
        sleep 0.5
        n=$((n + 1))
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

st_cleanup() {
    status=$?
    trap - EXIT INT TERM
    stop_server
    if [ "$status" -ne 0 ] && [ -f "$work/sandbox.log" ]; then
        echo "---- the last lines of the sandbox and samd output" >&2
        tail -n 20 "$work/sandbox.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
check() { # DESCRIPTION COMMAND...: counts one check
    desc=$1
    shift
    checks=$((checks + 1))
    if "$@"; then ok "$desc"; else fail "$desc"; fi
}

st_port_free() { [ -z "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]; }

# One try on PORT: 0 once /readyz answers; 1 if the server exited first (port taken?).
st_try_sandbox() {
    SAM_SANDBOX_DIR=$sb SAM_PORT=$1 "$root/examples/sandbox/run-sandbox" "$build" \
        >>"$work/sandbox.log" 2>&1 &
    server_pid=$! # run-sandbox execs samd
    n=0
    while [ "$n" -lt 240 ]; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" 2>/dev/null || true
            server_pid=
            return 1
        fi
        if [ -s "$sb/sandbox.json" ] && grep -q '"csc"' "$sb/sandbox.json" &&
            curl -sf --max-time 2 --cacert "$sb/pki/ca.pem" "https://127.0.0.1:$1/readyz" \
                >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.25
        n=$((n + 1))
    done
    echo "FAIL: the sandbox did not answer /readyz within 60 s" >&2
    exit 1
}

st_start_sandbox() {
    sb=$work/sandbox
    port=$(($1 + $$ % 900))
    tries=0
    while :; do
        while ! st_port_free "$port"; do port=$((port + 1)); done
        st_try_sandbox "$port" && break
        tries=$((tries + 1))
        [ "$tries" -lt 3 ] || { echo "FAIL: the sandbox did not start" >&2; exit 1; }
        port=$((port + 1))
    done
}
