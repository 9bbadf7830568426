/*
 * Which path goes where. /healthz is answered inline (the process is up);
 * /readyz, /sam/v1 and /csc/v1/ run on the worker pool because they touch the module
 * and the store. Everything else is 404. Paths are matched as received
 * (not percent-decoded), exactly.
 */
#include "samd.h"

#include <string.h>
#include <time.h>

#include "sam/log.h"
#include "sam/rc.h"
#include "samapi.h"
#include "samcsc.h"

#define SAM_API_PREFIX "/sam/v1"
#define CSC_API_PREFIX "/csc/v1/"
/* Upper bound of the test-only /readyz delay. */
#define READYZ_DELAY_MAX_MS 5000u

static bool is(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && memcmp(s, lit, n) == 0;
}

samd_route_t samd_route(const char *method, size_t method_len, const char *path, size_t path_len)
{
    size_t prefix = sizeof(SAM_API_PREFIX) - 1;
    bool get = is(method, method_len, "GET");

    if (is(path, path_len, "/healthz"))
        return get ? SAMD_ROUTE_HEALTHZ : SAMD_ROUTE_BAD_METHOD;
    if (is(path, path_len, "/readyz"))
        return get ? SAMD_ROUTE_READYZ : SAMD_ROUTE_BAD_METHOD;
    /* "/sam/v1" itself or below it; not "/sam/v10". The API layer answers methods. */
    if (path_len >= prefix && memcmp(path, SAM_API_PREFIX, prefix) == 0 &&
        (path_len == prefix || path[prefix] == '/'))
        return SAMD_ROUTE_SAM_API;
    /* Below /csc/v1/: the CSC layer answers methods (no client certificate needed). */
    if (path_len > sizeof(CSC_API_PREFIX) - 1 &&
        memcmp(path, CSC_API_PREFIX, sizeof(CSC_API_PREFIX) - 1) == 0)
        return SAMD_ROUTE_CSC_API;
    return SAMD_ROUTE_NOT_FOUND;
}

static void test_delay(uint32_t ms)
{
    if (ms == 0)
        return;
    if (ms > READYZ_DELAY_MAX_MS)
        ms = READYZ_DELAY_MAX_MS;
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void run_readyz(samd_server_t *server, sam_response_t *resp)
{
    test_delay(server->test_readyz_delay_ms);
    int rc = sam_service_ready(server->svc);
    if (rc == SAM_OK) {
        resp->status = 200;
        sam_strbuf_puts(&resp->body, "{\"status\":\"ready\"}");
        return;
    }
    /* The detail may name internals: log it, answer in general terms. */
    sam_log(SAM_LOG_WARNING, "samd: not ready: %s", sam_error_message());
    samd_response_error(resp, 503, "backend_unavailable",
                        "the cryptographic module or the state store does not answer");
}

void samd_route_run(samd_server_t *server, samd_job_t *job)
{
    sam_error_clear();
    switch (job->route) {
    case SAMD_ROUTE_READYZ:
        run_readyz(server, &job->resp);
        break;
    case SAMD_ROUTE_SAM_API:
        samapi_handle(server->svc, &job->sreq, &job->resp);
        break;
    case SAMD_ROUTE_CSC_API:
        csc_handle(server->svc, &job->sreq, &job->resp);
        break;
    default:
        samd_response_error(&job->resp, 500, "internal_error", "no handler for this route");
        break;
    }
}
