/*
 * The harness's HTTP client: libcurl, HTTP/2 over TLS (or HTTP/1.1), the
 * harness CA as the only trust anchor, a chosen client certificate, and
 * 127.0.0.1 only. Single requests use the easy interface; batches use one
 * multi handle so that their requests can share one HTTP/2 connection.
 */
#include "harness_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#define DEFAULT_TIMEOUT_MS 15000L
#define BODY_MAX (64u * 1024 * 1024)
#define BATCH_MAX 1024

typedef struct {
    samh_response_t *resp;
    size_t cap;
    struct curl_slist *headers;
    char url[256];
    char errbuf[CURL_ERROR_SIZE];
    bool done;
} xfer_t;

static int curl_ready(void)
{
    static bool done;
    if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "samharness: curl_global_init failed\n");
        return -1;
    }
    done = true;
    return 0;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
    xfer_t *x = ud;
    samh_response_t *r = x->resp;
    size_t len = size * n;
    if (len > BODY_MAX - r->body_len)
        return 0; /* aborts the transfer */
    if (r->body_len + len + 1 > x->cap) {
        size_t cap = x->cap == 0 ? 4096 : x->cap;
        while (cap < r->body_len + len + 1)
            cap *= 2;
        char *p = realloc(r->body, cap);
        if (p == NULL)
            return 0;
        r->body = p;
        x->cap = cap;
    }
    memcpy(r->body + r->body_len, ptr, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return len;
}

/* "Name: value\r\n" -> value into out when name matches (case-insensitive). */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return false;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t vlen = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return true;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
    xfer_t *x = ud;
    samh_response_t *r = x->resp;
    size_t len = size * n;
    char cl[32];
    (void)header_value(ptr, len, "content-type", r->content_type, sizeof(r->content_type));
    (void)header_value(ptr, len, "x-request-id", r->request_id, sizeof(r->request_id));
    (void)header_value(ptr, len, "www-authenticate", r->www_authenticate,
                       sizeof(r->www_authenticate));
    if (header_value(ptr, len, "content-length", cl, sizeof(cl)))
        r->content_length = strtol(cl, NULL, 10);
    return len;
}

static void response_init(samh_response_t *r)
{
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    r->curl_code = -1;
}

void samh_response_free(samh_response_t *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}

static int add_header(xfer_t *x, const char *name, const char *value)
{
    char line[20000];
    int n = snprintf(line, sizeof(line), "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    struct curl_slist *l = curl_slist_append(x->headers, line);
    if (l == NULL)
        return -1;
    x->headers = l;
    return 0;
}

static CURL *make_easy(samh_t *h, const samh_request_t *req, xfer_t *x, bool pipewait,
                       CURLSH *share)
{
    CURL *e = curl_easy_init();
    const samh_identity_t *id = &h->clients[req->client];
    if (e == NULL || req->client >= SAMH_CLIENT_COUNT)
        goto fail;
    snprintf(x->url, sizeof(x->url), "https://127.0.0.1:%u%s", (unsigned)h->port,
             req->path != NULL ? req->path : "/");
    const char *method = req->method != NULL ? req->method : req->body != NULL ? "POST" : "GET";
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, x->url);
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_HTTP_VERSION,
        req->http1 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_CAINFO, h->ca_cert);
    SET(CURLOPT_CAPATH, (char *)NULL);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    if (pipewait)
        SET(CURLOPT_PIPEWAIT, 1L);
    if (share != NULL)
        SET(CURLOPT_SHARE, share);
    if (req->fresh_connection)
        SET(CURLOPT_FRESH_CONNECT, 1L);
    if (req->tls_version != 0)
        SET(CURLOPT_SSLVERSION, req->tls_version);
    if (req->client != SAMH_NO_CERT) {
        SET(CURLOPT_SSLCERT, id->cert);
        SET(CURLOPT_SSLCERTTYPE, "PEM");
        SET(CURLOPT_SSLKEY, id->key);
        SET(CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (req->body != NULL) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_POSTFIELDS, req->body);
    }
    if (strcmp(method, "GET") != 0 && !(strcmp(method, "POST") == 0 && req->body != NULL))
        SET(CURLOPT_CUSTOMREQUEST, method);
    if (rc != CURLE_OK)
        goto fail;
#undef SET
    if (req->body != NULL &&
        add_header(x, "Content-Type",
                   req->content_type != NULL ? req->content_type : "application/json") != 0)
        goto fail;
    if ((req->sad != NULL && add_header(x, "SAD", req->sad) != 0) ||
        (req->authorization != NULL && add_header(x, "Authorization", req->authorization) != 0))
        goto fail;
    /* No "Expect: 100-continue" round trip. */
    struct curl_slist *l = curl_slist_append(x->headers, "Expect:");
    if (l == NULL)
        goto fail;
    x->headers = l;
    for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
        if ((l = curl_slist_append(x->headers, req->headers[i])) == NULL)
            goto fail;
        x->headers = l;
    }
    if (curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK)
        goto fail;
    return e;
fail:
    fprintf(stderr, "samharness: cannot set up a request\n");
    curl_easy_cleanup(e);
    return NULL;
}

static void finish(CURL *e, xfer_t *x, CURLcode rc)
{
    samh_response_t *r = x->resp;
    long v = 0;
    r->curl_code = (int)rc;
    if (rc != CURLE_OK)
        snprintf(r->error, sizeof(r->error), "%s",
                 x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc));
    if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status) != CURLE_OK)
        r->status = 0;
    if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v) == CURLE_OK)
        r->http_version = v;
    if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &v) == CURLE_OK)
        r->connects = v;
    if (r->body == NULL)
        r->body = calloc(1, 1);
    x->done = true;
}

int samh_request(samh_t *h, const samh_request_t *req, samh_response_t *resp)
{
    xfer_t x;
    memset(&x, 0, sizeof(x));
    response_init(resp);
    x.resp = resp;
    if (curl_ready() != 0)
        return -1;
    CURL *e = make_easy(h, req, &x, false, NULL);
    if (e == NULL) {
        curl_slist_free_all(x.headers);
        return -1;
    }
    finish(e, &x, curl_easy_perform(e));
    curl_easy_cleanup(e);
    curl_slist_free_all(x.headers);
    return resp->curl_code == CURLE_OK ? 0 : -1;
}

int samh_get(samh_t *h, samh_client_t who, const char *path, samh_response_t *resp)
{
    samh_request_t req = {.path = path, .client = who};
    return samh_request(h, &req, resp);
}

/* ---- batches -------------------------------------------------------------- */

struct st_samh_batch_t {
    samh_t *h;
    CURLM *multi;
    CURLSH *share; /* TLS sessions: easy handles do not share them otherwise */
    bool one_connection;
    size_t count;
    CURL *easy[BATCH_MAX];
    xfer_t xfer[BATCH_MAX];
    samh_response_t resp[BATCH_MAX];
};

samh_batch_t *samh_batch_new(samh_t *h, bool one_connection)
{
    if (curl_ready() != 0)
        return NULL;
    samh_batch_t *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->h = h;
    b->one_connection = one_connection;
    b->multi = curl_multi_init();
    b->share = curl_share_init();
    if (b->multi == NULL || b->share == NULL ||
        curl_share_setopt(b->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        curl_multi_setopt(b->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
        (one_connection &&
         curl_multi_setopt(b->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L) != CURLM_OK)) {
        samh_batch_free(b);
        return NULL;
    }
    return b;
}

int samh_batch_add(samh_batch_t *b, const samh_request_t *req)
{
    if (b->count >= BATCH_MAX)
        return -1;
    size_t i = b->count;
    response_init(&b->resp[i]);
    b->xfer[i].resp = &b->resp[i];
    b->easy[i] = make_easy(b->h, req, &b->xfer[i], b->one_connection, b->share);
    if (b->easy[i] == NULL || curl_multi_add_handle(b->multi, b->easy[i]) != CURLM_OK) {
        curl_easy_cleanup(b->easy[i]);
        b->easy[i] = NULL;
        curl_slist_free_all(b->xfer[i].headers);
        b->xfer[i].headers = NULL;
        return -1;
    }
    b->count++;
    return (int)i;
}

static long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void collect(samh_batch_t *b)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(b->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        for (size_t i = 0; i < b->count; i++) {
            if (b->easy[i] == m->easy_handle && !b->xfer[i].done) {
                CURLcode rc = m->data.result;
                finish(b->easy[i], &b->xfer[i], rc);
                break;
            }
        }
    }
}

static int running_count(const samh_batch_t *b)
{
    int n = 0;
    for (size_t i = 0; i < b->count; i++)
        if (!b->xfer[i].done)
            n++;
    return n;
}

int samh_batch_pump(samh_batch_t *b, long ms)
{
    long deadline = ms_now() + ms;
    int running = 0;
    do {
        if (curl_multi_perform(b->multi, &running) != CURLM_OK)
            break;
        collect(b);
        if (running_count(b) == 0)
            break;
        long left = deadline - ms_now();
        if (left <= 0)
            break;
        (void)curl_multi_poll(b->multi, NULL, 0, (int)(left < 20 ? left : 20), NULL);
    } while (ms_now() < deadline);
    return running_count(b);
}

int samh_batch_cancel(samh_batch_t *b, size_t index)
{
    if (index >= b->count || b->xfer[index].done)
        return -1;
    /* Removing a running transfer makes curl reset its HTTP/2 stream. */
    if (curl_multi_remove_handle(b->multi, b->easy[index]) != CURLM_OK)
        return -1;
    samh_response_t *r = &b->resp[index];
    r->curl_code = CURLE_ABORTED_BY_CALLBACK;
    snprintf(r->error, sizeof(r->error), "cancelled by the test");
    if (r->body == NULL)
        r->body = calloc(1, 1);
    b->xfer[index].done = true;
    return 0;
}

int samh_batch_wait(samh_batch_t *b, long timeout_ms)
{
    long deadline = ms_now() + timeout_ms;
    while (running_count(b) > 0 && ms_now() < deadline)
        (void)samh_batch_pump(b, deadline - ms_now());
    return running_count(b) == 0 ? 0 : -1;
}

const samh_response_t *samh_batch_response(const samh_batch_t *b, size_t index)
{
    return index < b->count ? &b->resp[index] : NULL;
}

long samh_batch_connections(const samh_batch_t *b)
{
    long n = 0;
    for (size_t i = 0; i < b->count; i++)
        n += b->resp[i].connects;
    return n;
}

void samh_batch_free(samh_batch_t *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->count; i++) {
        if (b->multi != NULL && b->easy[i] != NULL)
            (void)curl_multi_remove_handle(b->multi, b->easy[i]);
        curl_slist_free_all(b->xfer[i].headers);
        samh_response_free(&b->resp[i]);
    }
    if (b->multi != NULL)
        curl_multi_cleanup(b->multi);
    for (size_t i = 0; i < b->count; i++)
        curl_easy_cleanup(b->easy[i]);
    if (b->share != NULL)
        curl_share_cleanup(b->share);
    free(b);
}
