/*
 * The one h2o handler, for every path. On the loop thread it bounds the
 * request, routes it, answers the cheap paths inline, and copies the rest
 * into a job for the worker pool: the worker sees plain data only
 * (sam_request_t), never h2o memory.
 *
 * Lifetime: the request may be disposed while its job is in the pool (the
 * client reset the stream or went away). A small object in the request's
 * pool points at the job; its dispose callback, run by h2o on this loop,
 * cuts the link both ways and marks the job cancelled. When the job comes
 * back, an unlinked job is dropped; nothing ever touches a freed request.
 */
#include "samd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "sam/log.h"
#include "sam/rc.h"
#include "sam/secmem.h"

typedef struct st_samd_handler_t {
    h2o_handler_t super;
    samd_server_t *server;
} samd_handler_t;

struct st_samd_req_ref_t {
    samd_job_t *job; /* NULL once answered or dropped */
};

static const char healthz_body[] = "{\"status\":\"ok\"}";

/* ---- small helpers -------------------------------------------------------- */

static void new_request_id(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    static _Thread_local uint64_t fallback;
    unsigned char r[16];
    if (RAND_bytes(r, sizeof(r)) != 1) {
        /* Only a correlation id: uniqueness matters, secrecy does not. */
        uint64_t a = samd_now_ms(), b = ++fallback ^ (uint64_t)(uintptr_t)&fallback;
        memcpy(r, &a, 8);
        memcpy(r + 8, &b, 8);
    }
    for (size_t i = 0; i < sizeof(r); i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[32] = '\0';
}

/* Everything the client sent before the body, roughly as HTTP/1.1 would spell it. */
static size_t header_bytes(const h2o_req_t *req)
{
    size_t n = req->method.len + req->path.len + req->authority.len + 16;
    for (size_t i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    return n;
}

/*
 * The one value of a header that may appear at most once. 0 with *out set
 * (base NULL when absent), -1 when repeated or holding a NUL byte.
 */
static int single_header(const h2o_req_t *req, const char *name, size_t name_len, h2o_iovec_t *out)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, name_len, -1);
    *out = (h2o_iovec_t){NULL, 0};
    if (i < 0)
        return 0;
    if (h2o_find_header_by_str(&req->headers, name, name_len, i) >= 0)
        return -1;
    *out = req->headers.entries[i].value;
    if (out->len > 0 && memchr(out->base, '\0', out->len) != NULL)
        return -1;
    return 0;
}

/* Copy len bytes and a NUL behind the job; returns the copy. */
static const char *put(samd_job_t *job, size_t *off, const char *s, size_t len)
{
    char *dst = job->data + *off;
    if (len > 0)
        memcpy(dst, s, len);
    dst[len] = '\0';
    *off += len + 1;
    return dst;
}

void samd_job_free(samd_job_t *job)
{
    if (job == NULL)
        return;
    sam_strbuf_free(&job->resp.body);
    sam_wipe(job->data, job->data_len);
    free(job);
}

/* ---- dispatch to the pool ------------------------------------------------- */

static void req_ref_dispose(void *p)
{
    struct st_samd_req_ref_t *ref = p;
    samd_job_t *job = ref->job;
    if (job == NULL)
        return;
    ref->job = NULL;
    job->ref = NULL;
    job->req = NULL;
    atomic_store(&job->cancelled, true);
    sam_log(SAM_LOG_DEBUG, "samd: request %s cancelled before its answer", job->sreq.request_id);
    if (job->conn != NULL) {
        samd_conn_t *conn = job->conn;
        job->conn = NULL;
        conn->inflight--;
        samd_conn_note_cancel(conn);
    }
}

typedef struct {
    h2o_iovec_t method, path, query, content_type, sad, authorization, body;
} req_parts_t;

static samd_job_t *job_new(const req_parts_t *p)
{
    const h2o_iovec_t *parts[] = {&p->method, &p->path,          &p->query, &p->content_type,
                                  &p->sad,    &p->authorization, &p->body};
    size_t total = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        total += parts[i]->len + 1;
    samd_job_t *job = calloc(1, sizeof(*job) + total);
    if (job == NULL)
        return NULL;
    job->data_len = total;
    atomic_init(&job->cancelled, false);

    size_t off = 0;
    sam_request_t *r = &job->sreq;
    r->method = put(job, &off, p->method.base, p->method.len);
    r->path = put(job, &off, p->path.base, p->path.len);
    r->query = put(job, &off, p->query.base, p->query.len);
    if (p->query.base == NULL)
        r->query = NULL;
    r->content_type = put(job, &off, p->content_type.base, p->content_type.len);
    if (p->content_type.base == NULL)
        r->content_type = NULL;
    r->sad = put(job, &off, p->sad.base, p->sad.len);
    r->sad_len = p->sad.len;
    if (p->sad.base == NULL)
        r->sad = NULL;
    r->authorization = put(job, &off, p->authorization.base, p->authorization.len);
    if (p->authorization.base == NULL)
        r->authorization = NULL;
    r->body = put(job, &off, p->body.base, p->body.len);
    r->body_len = p->body.len;
    return job;
}

static void dispatch(samd_loop_t *loop, h2o_req_t *req, samd_route_t route, size_t path_len,
                     const char *rid)
{
    req_parts_t p = {0};
    samd_conn_t *conn = samd_conn_of_req(req);

    p.method = req->method;
    p.path = h2o_iovec_init(req->path.base, path_len);
    if (req->query_at != SIZE_MAX && req->query_at < req->path.len)
        p.query =
            h2o_iovec_init(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    p.body = req->entity.base != NULL ? req->entity : h2o_iovec_init("", 0);
    if (single_header(req, H2O_STRLIT("content-type"), &p.content_type) != 0 ||
        single_header(req, H2O_STRLIT("sad"), &p.sad) != 0 ||
        single_header(req, H2O_STRLIT("authorization"), &p.authorization) != 0) {
        samd_respond_error(req, 400, "invalid_request",
                           "the Content-Type, SAD and Authorization headers may each appear "
                           "once, without NUL bytes",
                           rid);
        return;
    }

    samd_job_t *job = job_new(&p);
    if (job == NULL) {
        samd_respond_error(req, 503, "backend_unavailable", "server busy: out of memory", rid);
        return;
    }
    sam_request_t *r = &job->sreq;
    memcpy(r->request_id, rid, sizeof(r->request_id));
    r->http2 = req->version >= 0x200;
    if (conn != NULL && conn->has_client_cert) {
        r->has_client_cert = true;
        memcpy(r->client_spki_sha256, conn->client_spki_sha256, 32);
    }
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    samd_format_peer(sl == 0 ? NULL : (struct sockaddr *)&ss, sl, r->peer, sizeof(r->peer));

    job->loop = loop;
    job->route = route;
    if (samd_pool_submit(loop->server->pool, job) != SAM_OK) {
        samd_job_free(job);
        samd_respond_error(req, 503, "backend_unavailable", "server busy", rid);
        return;
    }
    /*
     * The worker touches only sreq, route, resp and cancelled. The links below
     * are the loop's alone, and the job cannot come back before this returns:
     * its answer is delivered by this very loop.
     */
    struct st_samd_req_ref_t *ref = h2o_mem_alloc_shared(&req->pool, sizeof(*ref), req_ref_dispose);
    ref->job = job;
    job->ref = ref;
    job->req = req;
    job->conn = conn;
    loop->jobs_outstanding++;
    if (conn != NULL)
        conn->inflight++;
}

/* ---- the handler ---------------------------------------------------------- */

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    samd_server_t *server = ((samd_handler_t *)self)->server;
    samd_loop_t *loop = H2O_STRUCT_FROM_MEMBER(samd_loop_t, ctx, req->conn->ctx);
    const sam_limits_t *lim = &server->cfg->limits;
    char rid[33], msg[128];
    new_request_id(rid);

    if (header_bytes(req) > lim->max_header_bytes) {
        snprintf(msg, sizeof(msg), "the request line and headers exceed %u bytes",
                 lim->max_header_bytes);
        samd_respond_error(req, 431, "invalid_request", msg, rid);
        return 0;
    }
    /*
     * h2o has read the whole body already (2.2.5 does not stream request bodies)
     * and consumed Content-Length; it refuses bodies over its own hard limit
     * (twice ours) by itself. See samd_http_register().
     */
    if (req->entity.len > lim->max_body_bytes) {
        snprintf(msg, sizeof(msg), "the body exceeds %u bytes", lim->max_body_bytes);
        samd_respond_error(req, 413, "payload_too_large", msg, rid);
        return 0;
    }
    size_t path_len =
        req->query_at != SIZE_MAX && req->query_at < req->path.len ? req->query_at : req->path.len;
    samd_route_t route = samd_route(req->method.base, req->method.len, req->path.base, path_len);
    switch (route) {
    case SAMD_ROUTE_HEALTHZ:
        samd_respond(req, 200, healthz_body, sizeof(healthz_body) - 1, rid, NULL);
        break;
    case SAMD_ROUTE_BAD_METHOD:
        samd_respond_error(req, 405, "method_not_allowed", "this path accepts GET only", rid);
        break;
    case SAMD_ROUTE_READYZ:
    case SAMD_ROUTE_SAM_API:
    case SAMD_ROUTE_CSC_API:
        dispatch(loop, req, route, path_len, rid);
        break;
    case SAMD_ROUTE_NOT_FOUND:
    default:
        samd_respond_error(req, 404, "not_found", "no such path", rid);
        break;
    }
    return 0;
}

/* ---- back from the pool --------------------------------------------------- */

static void answer(samd_job_t *job)
{
    h2o_req_t *req = job->req;
    if (req == NULL)
        return; /* the client is gone: drop the answer */
    job->ref->job = NULL;
    job->ref = NULL;
    job->req = NULL;
    if (job->conn != NULL) {
        job->conn->inflight--;
        job->conn = NULL;
    }
    const char *rid = job->sreq.request_id;
    sam_response_t *resp = &job->resp;
    if (resp->status == 0) {
        samd_respond_error(req, 404, "not_found", "no such path", rid);
        return;
    }
    if (sam_strbuf_finish(&resp->body) != SAM_OK) {
        sam_log(SAM_LOG_ERROR, "samd: request %s: response body could not be built", rid);
        samd_respond_error(req, 500, "internal_error", "the response could not be built", rid);
        return;
    }
    samd_respond(req, resp->status, resp->body.ptr != NULL ? resp->body.ptr : "", resp->body.len,
                 rid, resp->www_authenticate);
}

void samd_http_on_jobs_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    samd_loop_t *loop = H2O_STRUCT_FROM_MEMBER(samd_loop_t, job_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        samd_job_t *job = H2O_STRUCT_FROM_MEMBER(samd_job_t, msg.link, messages->next);
        h2o_linklist_unlink(&job->msg.link);
        loop->jobs_outstanding--;
        answer(job);
        samd_job_free(job);
    }
}

/* ---- configuration -------------------------------------------------------- */

int samd_http_register(samd_server_t *server)
{
    const sam_limits_t *lim = &server->cfg->limits;
    h2o_globalconf_t *g = &server->h2o;
    uint32_t http1_idle = lim->request_timeout_seconds < lim->idle_timeout_seconds
                              ? lim->request_timeout_seconds
                              : lim->idle_timeout_seconds;

    g->server_name = h2o_iovec_init(H2O_STRLIT(SAMD_NAME));
    /*
     * h2o reads the whole body before calling us. Letting it buffer up to
     * twice our limit lets us answer 413 with a JSON body for near misses;
     * beyond that h2o refuses on its own (HTTP/1.1: 413 before reading when
     * Content-Length says so; HTTP/2: the stream is reset).
     */
    server->entity_hard_limit = (size_t)lim->max_body_bytes * 2;
    g->max_request_entity_size = server->entity_hard_limit;
    g->handshake_timeout = (uint64_t)lim->request_timeout_seconds * 1000u;
    g->http1.req_timeout = (uint64_t)http1_idle * 1000u;
    g->http1.upgrade_to_http2 = 0;
    g->http2.idle_timeout = (uint64_t)lim->idle_timeout_seconds * 1000u;
    g->http2.graceful_shutdown_timeout = (uint64_t)SAMD_DRAIN_SECONDS * 1000u;
    g->http2.max_concurrent_requests_per_connection = lim->max_streams_per_connection;

    h2o_hostconf_t *host =
        h2o_config_register_host(g, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    samd_handler_t *handler = (samd_handler_t *)h2o_create_handler(path, sizeof(*handler));
    if (handler == NULL)
        return SAM_E_NOMEM;
    handler->super.on_req = on_req;
    handler->server = server;
    return SAM_OK;
}
