/*
 * Sending a JSON response from the loop thread. h2o_send_inline() would set
 * no Content-Length, so the body goes through h2o_send() with the length
 * set. The body is copied into the request's pool: h2o may still read it
 * after this returns, and the caller frees its own copy right away.
 */
#include "samd.h"

#include <stdio.h>
#include <string.h>

#include "sam/rc.h"
#include "sam/strbuf.h"

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {410, "Gone"},
    {413, "Payload Too Large"},
    {415, "Unsupported Media Type"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {503, "Service Unavailable"},
};

/* Only HTTP/1.1 shows it. */
static const char *reason_phrase(int status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return status < 400 ? "OK" : "Error";
}

void samd_respond(h2o_req_t *req, int status, const char *body, size_t len, const char *request_id,
                  const char *www_authenticate)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_iovec_t buf = {NULL, 0};

    if (status < 100 || status > 599)
        status = 500;
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    if (status == 204 || status == 304)
        len = 0;
    if (len > 0) {
        buf.base = h2o_mem_alloc_pool(&req->pool, len);
        memcpy(buf.base, body, len);
        buf.len = len;
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json"));
    }
    /* A 204 carries no Content-Length at all (RFC 9110 8.6); h2o then sends no body. */
    req->res.content_length = status == 204 || status == 304 ? SIZE_MAX : len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    if (request_id != NULL && request_id[0] != '\0')
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                              request_id, strlen(request_id));
    if (www_authenticate != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       www_authenticate, strlen(www_authenticate));
    h2o_start_response(req, &generator);
    h2o_send(req, &buf, buf.len != 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
}

void samd_response_error(sam_response_t *resp, int status, const char *code,
                         const char *description)
{
    sam_response_error(resp, status, code, description);
    resp->www_authenticate = NULL;
}

void samd_respond_error(h2o_req_t *req, int status, const char *code, const char *description,
                        const char *request_id)
{
    static const char fallback[] =
        "{\"error\":\"internal_error\",\"error_description\":\"out of memory\"}";
    sam_response_t resp = {0, SAM_STRBUF_INIT, NULL};
    sam_response_error(&resp, status, code, description);
    if (sam_strbuf_finish(&resp.body) == SAM_OK && resp.body.ptr != NULL)
        samd_respond(req, status, resp.body.ptr, resp.body.len, request_id, NULL);
    else
        samd_respond(req, 500, fallback, sizeof(fallback) - 1, request_id, NULL);
    sam_strbuf_free(&resp.body);
}
