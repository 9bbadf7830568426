/*
 * server_bench's load generator on libnghttp2 and OpenSSL; see sb_client.h for the contract.
 *
 * One thread, one epoll set, `connections` TLS connections each carrying one nghttp2 client
 * session. nghttp2 only frames: bytes move through SSL_read/SSL_write in 64 KiB batches, so a
 * request costs about one read and one write system call per wake-up, not per frame. The
 * client shares the CPUs with the samd it measures; every cycle spent here is one samd lacks.
 */
#include "sb_h2_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define SB_MAX_CONNECTIONS 64
#define SB_MAX_STREAMS 64
#define SB_EVENTS 128
#define SB_OPENS_PER_RUN 4 /* connection attempts per connection per run */
#define SB_TICK_S 0.05     /* how often request deadlines are checked */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool can_issue(const sb_client_t *c)
{
    return !c->failed && c->next < c->n && now() < c->stop_at;
}

static void note_first_error(sb_run_t *out, const char *prefix, const char *what)
{
    if (out->first_error[0] == '\0')
        snprintf(out->first_error, sizeof(out->first_error), "%s%.480s", prefix, what);
}

static void note_status(sb_run_t *out, long status, const char *body)
{
    char prefix[24];
    for (int i = 0; i < SB_STATUS_SLOTS; i++) {
        if (out->status_counts[i] == 0 || out->statuses[i] == status) {
            out->statuses[i] = status;
            out->status_counts[i]++;
            break;
        }
    }
    snprintf(prefix, sizeof(prefix), "%ld: ", status);
    note_first_error(out, prefix, body);
}

/* The request on s is over: a complete response (error NULL) or a transport error. */
void sb_req_finish(sb_client_t *c, slot_t *s, const char *error)
{
    sb_run_t *out = c->out;
    double t = now();
    const char *body = s->buf != NULL ? s->buf : "";

    s->stream_id = 0;
    s->conn->active--;
    c->inflight--;
    out->latency_ms[out->completed++] = (t - s->t_start) * 1000.0;
    c->last_done = t;
    if (error != NULL) {
        out->transport_errors++;
        note_first_error(out, "h2: ", error);
    } else if (s->status != 200) {
        out->non200++;
        note_status(out, s->status, body);
    } else {
        out->ok++;
        if (t <= c->stop_at)
            out->ok_in_window++;
        if (out->first_ok_body == NULL && (out->first_ok_body = malloc(s->len + 1)) != NULL) {
            memcpy(out->first_ok_body, body, s->len + 1);
            out->first_ok_len = s->len;
            out->first_ok_index = s->req_index;
        }
    }
}

/* The slot a callback is about, or NULL when its request was already given up. */
static slot_t *slot_of(nghttp2_session *h2, int32_t stream_id)
{
    slot_t *s = nghttp2_session_get_stream_user_data(h2, stream_id);
    return s != NULL && s->stream_id == stream_id ? s : NULL;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    slot_t *s = slot_of(h2, frame->hd.stream_id);
    (void)flags;
    (void)ud;
    /* nghttp2 has checked the pseudo-header: three digits, and only in a response block. */
    if (s != NULL && frame->hd.type == NGHTTP2_HEADERS && namelen == 7 &&
        memcmp(name, ":status", 7) == 0 && valuelen == 3)
        s->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
    return 0;
}

static int on_data(nghttp2_session *h2, uint8_t flags, int32_t stream_id, const uint8_t *data,
                   size_t len, void *ud)
{
    slot_t *s = slot_of(h2, stream_id);
    (void)flags;
    (void)ud;
    if (s == NULL || s->too_big)
        return 0;
    if (len > SB_BODY_MAX - s->len) {
        s->too_big = true;
        return nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL) == 0
                   ? 0
                   : NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap == 0 ? 8192 : s->cap;
        while (cap < s->len + len + 1)
            cap *= 2;
        char *p = realloc(s->buf, cap);
        if (p == NULL)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return 0;
}

static int on_frame(nghttp2_session *h2, const nghttp2_frame *frame, void *ud)
{
    (void)ud;
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        slot_t *s = slot_of(h2, frame->hd.stream_id);
        if (s != NULL)
            s->ended = true;
    }
    return 0;
}

static int on_close(nghttp2_session *h2, int32_t stream_id, uint32_t code, void *ud)
{
    conn_t *cn = ud;
    slot_t *s = slot_of(h2, stream_id);
    char why[128];
    if (s == NULL)
        return 0;
    if (s->too_big) {
        sb_req_finish(cn->client, s, "response body over 1 MiB");
    } else if (s->ended && s->status != 0) {
        sb_req_finish(cn->client, s, NULL);
    } else {
        snprintf(why, sizeof(why), "stream closed before its response ended (%s)",
                 nghttp2_http2_strerror(code));
        sb_req_finish(cn->client, s, why);
    }
    return 0;
}

static ssize_t read_body(nghttp2_session *h2, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *ud)
{
    slot_t *s = source->ptr;
    (void)h2;
    (void)ud;
    if (s->stream_id != stream_id)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* a request given up: reset it */
    size_t left = s->req->body_len - s->body_sent;
    size_t take = left < length ? left : length;
    memcpy(buf, s->req->body + s->body_sent, take);
    s->body_sent += take;
    if (s->body_sent == s->req->body_len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)take;
}

static void connect_failed(sb_client_t *c, const char *err)
{
    if (c->connect_failures++ == 0) /* the first says it; the others would repeat it */
        fprintf(stderr, "server_bench: %s\n", err);
    note_first_error(c->out, "", err);
}

static nghttp2_nv field(const char *name, const char *value, uint8_t flags)
{
    nghttp2_nv nv = {(uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value), flags};
    return nv;
}

/* Starts the next request on a free slot of cn, if the run and the server allow one. */
static bool issue_one(sb_client_t *c, conn_t *cn)
{
    if (cn->h2 == NULL || cn->no_new_streams || !can_issue(c))
        return false;
    uint32_t peer_max =
        nghttp2_session_get_remote_settings(cn->h2, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    if (cn->active >= c->conf.streams || cn->active >= peer_max)
        return false;
    slot_t *s = NULL;
    for (unsigned j = 0; j < c->conf.streams && s == NULL; j++)
        if (cn->slots[j].stream_id == 0)
            s = &cn->slots[j];
    if (s == NULL)
        return false; /* cannot happen while active counts the busy slots */
    const sb_req_t *r = &c->reqs[c->next];
    const char *sep = strstr(r->sad_header, ": ");
    size_t name_len = sep != NULL ? (size_t)(sep - r->sad_header) : 0;
    if (name_len == 0 || name_len >= sizeof(s->sad_name)) {
        fprintf(stderr, "server_bench: request %zu: bad SAD header\n", c->next);
        c->failed = true;
        return false;
    }
    for (size_t k = 0; k < name_len; k++) { /* HTTP/2 field names are lower case */
        char ch = r->sad_header[k];
        s->sad_name[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    s->sad_name[name_len] = '\0';
    snprintf(s->clen, sizeof(s->clen), "%zu", r->body_len);
    /* Pointers into the client and the requests outlive the stream; the slot's do not. The
     * SAD is a credential, unique per request: never indexed in HPACK (RFC 7541, 7.1.3), which
     * also spares both sides a dynamic-table insertion that no later request could use. */
    const uint8_t keep = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
    const nghttp2_nv nva[] = {
        field(":method", "POST", keep),
        field(":scheme", "https", keep),
        field(":authority", c->authority, keep),
        field(":path", c->conf.path, keep),
        field("content-type", "application/json", keep),
        field("content-length", s->clen, NGHTTP2_NV_FLAG_NO_COPY_NAME),
        field(s->sad_name, sep + 2, NGHTTP2_NV_FLAG_NO_COPY_VALUE | NGHTTP2_NV_FLAG_NO_INDEX),
    };
    nghttp2_data_provider body = {.source.ptr = s, .read_callback = read_body};
    int32_t id = nghttp2_submit_request(cn->h2, NULL, nva, sizeof(nva) / sizeof(nva[0]), &body, s);
    if (id == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED || id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
        /* GOAWAY received or stream ids used up: drain this connection, then reopen. */
        cn->no_new_streams = true;
        return false;
    }
    if (id < 0) {
        fprintf(stderr, "server_bench: request %zu: %s\n", c->next, nghttp2_strerror(id));
        c->failed = true;
        return false;
    }
    s->stream_id = id;
    s->req = r;
    s->req_index = c->next++;
    s->body_sent = s->len = 0;
    s->status = 0;
    s->ended = s->too_big = false;
    s->t_start = now();
    if (c->out->issued == 0)
        c->first_issue = s->t_start;
    c->out->issued++;
    c->inflight++;
    cn->active++;
    return true;
}

/*
 * Reads, issues and writes on cn, as far as it can without blocking; reopens it (a bounded
 * number of times per run) when it is closed and there is still work to issue.
 */
static void conn_service(sb_client_t *c, conn_t *cn)
{
    char err[256];
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *why = NULL;
        if (cn->h2 == NULL) {
            if (!can_issue(c) || cn->opens >= SB_OPENS_PER_RUN)
                return;
            if (sb_conn_open(c, cn, err, sizeof(err)) != 0) {
                connect_failed(c, err);
                return;
            }
        }
        if (sb_conn_recv(c, cn, &why) == 0) {
            while (issue_one(c, cn))
                ;
            if (sb_conn_send(cn, &why) == 0) {
                if (!nghttp2_session_want_read(cn->h2) && !nghttp2_session_want_write(cn->h2))
                    why = "the server ended the connection (GOAWAY)";
                else if (cn->no_new_streams && cn->active == 0)
                    why = "connection drained after GOAWAY";
            }
        }
        if (why == NULL) {
            (void)sb_conn_watch(c, cn);
            return;
        }
        sb_conn_close(c, cn, why);
    }
}

/* Gives up the requests past their deadline: transport errors, their streams reset. */
static void expire(sb_client_t *c, double t)
{
    double limit = (double)c->conf.timeout_ms / 1000.0;
    for (unsigned i = 0; i < c->conf.connections; i++) {
        conn_t *cn = &c->conns[i];
        bool any = false;
        for (unsigned j = 0; j < c->conf.streams && cn->active > 0; j++) {
            slot_t *s = &cn->slots[j];
            if (s->stream_id == 0 || t - s->t_start < limit)
                continue;
            /* Best effort: the slot is free either way (callbacks match its stream id) and
             * the connection is closed after the run. */
            (void)nghttp2_submit_rst_stream(cn->h2, NGHTTP2_FLAG_NONE, s->stream_id,
                                            NGHTTP2_CANCEL);
            sb_req_finish(c, s, "no response within the transfer timeout");
            cn->timed_out = any = true;
        }
        if (any)
            conn_service(c, cn);
    }
}

/* ---- the client ---------------------------------------------------------------- */

static int h2_setup(sb_client_t *c)
{
    if (nghttp2_session_callbacks_new(&c->cbs) != 0)
        return -1;
    nghttp2_session_callbacks_set_on_header_callback(c->cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c->cbs, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c->cbs, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(c->cbs, on_close);
    return 0;
}

sb_client_t *sb_client_new(const sb_client_conf_t *conf)
{
    struct sigaction sa;
    sb_client_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->ep = -1;
    if (conf->connections == 0 || conf->connections > SB_MAX_CONNECTIONS || conf->streams == 0 ||
        conf->streams > SB_MAX_STREAMS) {
        fprintf(stderr, "server_bench: 1..%d connections and 1..%d streams\n", SB_MAX_CONNECTIONS,
                SB_MAX_STREAMS);
        goto fail;
    }
    c->conf = *conf;
    snprintf(c->authority, sizeof(c->authority), "127.0.0.1:%u", conf->port);
    /* OpenSSL writes with write(2): a server gone mid-run must be an error, not a SIGPIPE. */
    if (sigaction(SIGPIPE, NULL, &sa) != 0 ||
        (sa.sa_handler == SIG_DFL && signal(SIGPIPE, SIG_IGN) == SIG_ERR))
        goto fail;
    if (sb_conn_tls_setup(c) != 0 || h2_setup(c) != 0)
        goto fail;
    c->ep = epoll_create1(EPOLL_CLOEXEC);
    c->conns = calloc(conf->connections, sizeof(*c->conns));
    if (c->ep < 0 || c->conns == NULL)
        goto fail;
    for (unsigned i = 0; i < conf->connections; i++) {
        conn_t *cn = &c->conns[i];
        cn->client = c;
        cn->fd = -1;
        cn->slots = calloc(conf->streams, sizeof(*cn->slots));
        if (cn->slots == NULL)
            goto fail;
        for (unsigned j = 0; j < conf->streams; j++)
            cn->slots[j].conn = cn;
    }
    return c;
fail:
    fprintf(stderr, "server_bench: cannot set up the client\n");
    sb_client_free(c);
    return NULL;
}

void sb_client_free(sb_client_t *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; c->conns != NULL && i < c->conf.connections; i++) {
        conn_t *cn = &c->conns[i];
        if (cn->slots == NULL)
            continue;
        cn->active = 0; /* no run is active: nothing to count */
        sb_conn_close(c, cn, NULL);
        for (unsigned j = 0; j < c->conf.streams; j++)
            free(cn->slots[j].buf);
        free(cn->slots);
        free(cn->out);
    }
    free(c->conns);
    if (c->ep >= 0)
        close(c->ep);
    nghttp2_session_callbacks_del(c->cbs);
    SSL_CTX_free(c->tls);
    free(c);
}

void sb_run_free(sb_run_t *r)
{
    free(r->latency_ms);
    free(r->first_ok_body);
    r->latency_ms = NULL;
    r->first_ok_body = NULL;
}

/* Before a run: take in what arrived while idle, drop dead connections, open the closed. */
static int settle(sb_client_t *c)
{
    char err[256];
    unsigned open = 0;
    for (unsigned i = 0; i < c->conf.connections; i++) {
        conn_t *cn = &c->conns[i];
        const char *why = NULL;
        cn->opens = 0;
        if (cn->h2 != NULL && (sb_conn_recv(c, cn, &why) != 0 || sb_conn_send(cn, &why) != 0 ||
                               cn->no_new_streams || !nghttp2_session_want_read(cn->h2)))
            sb_conn_close(c, cn, why);
        if (cn->h2 == NULL && sb_conn_open(c, cn, err, sizeof(err)) != 0)
            connect_failed(c, err);
        open += cn->h2 != NULL;
    }
    return open > 0 ? 0 : -1;
}

int sb_client_run(sb_client_t *c, const sb_req_t *reqs, size_t n, double max_seconds, sb_run_t *out)
{
    struct epoll_event evs[SB_EVENTS];

    memset(out, 0, sizeof(*out));
    out->latency_ms = calloc(n > 0 ? n : 1, sizeof(double));
    if (out->latency_ms == NULL)
        return -1;
    c->reqs = reqs;
    c->n = n;
    c->next = 0;
    c->inflight = 0;
    c->out = out;
    c->connect_failures = 0;
    c->failed = settle(c) != 0;
    c->first_issue = c->last_done = now();
    c->stop_at = now() + max_seconds;
    double hard_stop = c->stop_at + (double)c->conf.timeout_ms / 1000.0 + 5.0;
    double next_tick = now() + SB_TICK_S;

    /* Spread the first requests over the connections, then send them all. */
    for (unsigned j = 0; j < c->conf.streams; j++)
        for (unsigned i = 0; i < c->conf.connections; i++)
            (void)issue_one(c, &c->conns[i]);
    for (unsigned i = 0; i < c->conf.connections; i++)
        conn_service(c, &c->conns[i]);
    while (c->inflight > 0 && !c->failed) {
        double t = now();
        bool again = false;
        if (t > hard_stop) {
            fprintf(stderr, "server_bench: requests still in flight after the hard stop\n");
            c->failed = true;
            break;
        }
        for (unsigned i = 0; i < c->conf.connections; i++)
            again = again || c->conns[i].read_again;
        int timeout = again || next_tick <= t ? 0 : (int)((next_tick - t) * 1000.0) + 1;
        int k = epoll_wait(c->ep, evs, SB_EVENTS, timeout);
        if (k < 0 && errno != EINTR) {
            fprintf(stderr, "server_bench: epoll_wait: %s\n", strerror(errno));
            c->failed = true;
            break;
        }
        for (int e = 0; e < k; e++)
            conn_service(c, evs[e].data.ptr);
        for (unsigned i = 0; again && i < c->conf.connections; i++)
            if (c->conns[i].read_again)
                conn_service(c, &c->conns[i]);
        t = now();
        if (t >= next_tick) {
            expire(c, t);
            next_tick = t + SB_TICK_S;
        }
    }
    for (unsigned i = 0; i < c->conf.connections; i++) {
        conn_t *cn = &c->conns[i];
        if (c->failed && cn->active > 0) {
            /* Abandoned, not completed: counted as failed transfers. */
            out->transport_errors += cn->active;
            for (unsigned j = 0; j < c->conf.streams; j++)
                cn->slots[j].stream_id = 0;
            c->inflight -= cn->active;
            cn->active = 0;
        }
        /* Reset or abandoned streams may still point at reqs, which the caller frees. */
        if (cn->h2 != NULL && (c->failed || cn->timed_out))
            sb_conn_close(c, cn, NULL);
    }
    out->elapsed = c->last_done - c->first_issue;
    out->window = (c->last_done < c->stop_at ? c->last_done : c->stop_at) - c->first_issue;
    return c->failed ? -1 : 0;
}
