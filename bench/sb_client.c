/* server_bench's load generator; see sb_client.h. */
#include "sb_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define SB_MAX_CONNECTIONS 64
#define SB_MAX_STREAMS 64
#define SB_BODY_MAX (1u << 20)
#define SB_EVENTS 128

typedef struct st_conn_t conn_t;

typedef struct {
    conn_t *conn;
    CURL *easy;
    struct curl_slist *headers;
    size_t req_index;
    double t_start;
    char *buf;
    size_t len, cap;
    char errbuf[CURL_ERROR_SIZE];
} slot_t;

struct st_conn_t {
    sb_client_t *client;
    uint32_t index;
    CURLM *multi;
    double deadline; /* curl's timer, < 0: none */
    slot_t *slots;
};

struct st_sb_client_t {
    sb_client_conf_t conf;
    char url[128];
    int ep;
    conn_t *conns;
    /* the current run */
    const sb_req_t *reqs;
    size_t n, next;
    double stop_at;
    size_t inflight;
    double first_issue, last_done;
    sb_run_t *out;
    bool failed;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    slot_t *s = ud;
    size_t len = size * nmemb;
    if (len > SB_BODY_MAX - s->len)
        return 0; /* aborts the transfer */
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap == 0 ? 8192 : s->cap;
        while (cap < s->len + len + 1)
            cap *= 2;
        char *p = realloc(s->buf, cap);
        if (p == NULL)
            return 0;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, ptr, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return len;
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    conn_t *cn = userp;
    int ep = cn->client->ep;
    struct epoll_event ev;
    (void)e;
    (void)socketp;

    if (what == CURL_POLL_REMOVE) {
        (void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); /* already gone when closed first */
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.u64 = ((uint64_t)cn->index << 32) | (uint32_t)fd;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0 &&
        (errno != ENOENT || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)) {
        fprintf(stderr, "server_bench: epoll_ctl: %s\n", strerror(errno));
        cn->client->failed = true;
        return -1;
    }
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    conn_t *cn = userp;
    (void)m;
    cn->deadline = timeout_ms < 0 ? -1.0 : now() + (double)timeout_ms / 1000.0;
    return 0;
}

static int setup_easy(sb_client_t *c, slot_t *s)
{
    CURLcode rc = CURLE_OK;
    s->easy = curl_easy_init();
    if (s->easy == NULL)
        return -1;
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(s->easy, opt, val)
    SET(CURLOPT_URL, c->url);
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_PIPEWAIT, 1L);
    SET(CURLOPT_CAINFO, c->conf.ca_cert);
    SET(CURLOPT_CAPATH, (char *)NULL);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLCERT, c->conf.client_cert);
    SET(CURLOPT_SSLCERTTYPE, "PEM");
    SET(CURLOPT_SSLKEY, c->conf.client_key);
    SET(CURLOPT_SSLKEYTYPE, "PEM");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, c->conf.timeout_ms);
    SET(CURLOPT_ERRORBUFFER, s->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, s);
    SET(CURLOPT_PRIVATE, s);
#undef SET
    return rc == CURLE_OK ? 0 : -1;
}

sb_client_t *sb_client_new(const sb_client_conf_t *conf)
{
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
    snprintf(c->url, sizeof(c->url), "https://127.0.0.1:%u%s", conf->port, conf->path);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        goto fail;
    c->ep = epoll_create1(EPOLL_CLOEXEC);
    c->conns = calloc(conf->connections, sizeof(*c->conns));
    if (c->ep < 0 || c->conns == NULL)
        goto fail;
    for (uint32_t i = 0; i < conf->connections; i++) {
        conn_t *cn = &c->conns[i];
        cn->client = c;
        cn->index = i;
        cn->deadline = -1;
        cn->multi = curl_multi_init();
        cn->slots = calloc(conf->streams, sizeof(*cn->slots));
        if (cn->multi == NULL || cn->slots == NULL)
            goto fail;
        /* One connection per multi handle: its transfers are streams on it. */
        CURLMcode m = curl_multi_setopt(cn->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
        if (m == CURLM_OK)
            m = curl_multi_setopt(cn->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 1L);
        if (m == CURLM_OK)
            m = curl_multi_setopt(cn->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        if (m == CURLM_OK)
            m = curl_multi_setopt(cn->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        if (m == CURLM_OK)
            m = curl_multi_setopt(cn->multi, CURLMOPT_SOCKETDATA, cn);
        if (m == CURLM_OK)
            m = curl_multi_setopt(cn->multi, CURLMOPT_TIMERFUNCTION, on_timer);
        if (m == CURLM_OK)
            m = curl_multi_setopt(cn->multi, CURLMOPT_TIMERDATA, cn);
        if (m != CURLM_OK)
            goto fail;
        for (unsigned j = 0; j < conf->streams; j++) {
            cn->slots[j].conn = cn;
            if (setup_easy(c, &cn->slots[j]) != 0)
                goto fail;
        }
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
        for (unsigned j = 0; cn->slots != NULL && j < c->conf.streams; j++) {
            curl_easy_cleanup(cn->slots[j].easy);
            curl_slist_free_all(cn->slots[j].headers);
            free(cn->slots[j].buf);
        }
        free(cn->slots);
        if (cn->multi != NULL)
            curl_multi_cleanup(cn->multi);
    }
    free(c->conns);
    if (c->ep >= 0)
        close(c->ep);
    free(c);
}

void sb_run_free(sb_run_t *r)
{
    free(r->latency_ms);
    free(r->first_ok_body);
    r->latency_ms = NULL;
    r->first_ok_body = NULL;
}

static bool can_issue(const sb_client_t *c)
{
    return !c->failed && c->next < c->n && now() < c->stop_at;
}

static void issue(sb_client_t *c, slot_t *s)
{
    const sb_req_t *r = &c->reqs[c->next];
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (h != NULL && curl_slist_append(h, r->sad_header) != NULL &&
        curl_slist_append(h, "Expect:") != NULL) {
        s->headers = h;
        h = NULL;
    }
    curl_slist_free_all(h);
    if (s->headers == NULL ||
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len) !=
            CURLE_OK ||
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, r->body) != CURLE_OK ||
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers) != CURLE_OK) {
        c->failed = true;
        return;
    }
    s->req_index = c->next++;
    s->len = 0;
    s->errbuf[0] = '\0';
    s->t_start = now();
    if (c->out->issued == 0)
        c->first_issue = s->t_start;
    if (curl_multi_add_handle(s->conn->multi, s->easy) != CURLM_OK) {
        c->failed = true;
        return;
    }
    c->out->issued++;
    c->inflight++;
}

static void note_status(sb_run_t *out, long status, const char *what)
{
    for (int i = 0; i < SB_STATUS_SLOTS; i++) {
        if (out->status_counts[i] == 0 || out->statuses[i] == status) {
            out->statuses[i] = status;
            out->status_counts[i]++;
            break;
        }
    }
    if (out->first_error[0] == '\0')
        snprintf(out->first_error, sizeof(out->first_error), "%ld: %.480s", status, what);
}

static void finish(sb_client_t *c, slot_t *s, CURLcode result)
{
    sb_run_t *out = c->out;
    long status = 0, connects = 0, version = 0;
    double t = now();

    curl_multi_remove_handle(s->conn->multi, s->easy);
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    c->inflight--;
    (void)curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    (void)curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
    (void)curl_easy_getinfo(s->easy, CURLINFO_HTTP_VERSION, &version);
    out->connects += connects;
    out->latency_ms[out->completed++] = (t - s->t_start) * 1000.0;
    c->last_done = t;
    if (result != CURLE_OK) {
        out->transport_errors++;
        if (out->first_error[0] == '\0')
            snprintf(out->first_error, sizeof(out->first_error), "curl: %s",
                     s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(result));
    } else if (version != CURL_HTTP_VERSION_2_0) {
        out->transport_errors++;
        if (out->first_error[0] == '\0')
            snprintf(out->first_error, sizeof(out->first_error), "response not over HTTP/2");
    } else if (status != 200) {
        out->non200++;
        note_status(out, status, s->buf != NULL ? s->buf : "");
    } else {
        out->ok++;
        if (t <= c->stop_at)
            out->ok_in_window++;
        if (out->first_ok_body == NULL && s->buf != NULL) {
            out->first_ok_body = strdup(s->buf);
            out->first_ok_len = s->len;
            out->first_ok_index = s->req_index;
        }
    }
    if (can_issue(c))
        issue(c, s);
}

static void drain_messages(sb_client_t *c, conn_t *cn)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(cn->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        slot_t *s = NULL;
        CURLcode result = m->data.result;
        (void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        finish(c, s, result);
    }
}

int sb_client_run(sb_client_t *c, const sb_req_t *reqs, size_t n, double max_seconds,
                  sb_run_t *out)
{
    struct epoll_event evs[SB_EVENTS];
    int running;

    memset(out, 0, sizeof(*out));
    out->latency_ms = calloc(n > 0 ? n : 1, sizeof(double));
    if (out->latency_ms == NULL)
        return -1;
    c->reqs = reqs;
    c->n = n;
    c->next = 0;
    c->inflight = 0;
    c->out = out;
    c->failed = false;
    c->first_issue = c->last_done = now();
    c->stop_at = now() + max_seconds;
    double hard_stop = c->stop_at + (double)c->conf.timeout_ms / 1000.0 + 5.0;

    for (unsigned j = 0; j < c->conf.streams; j++)
        for (unsigned i = 0; i < c->conf.connections && can_issue(c); i++)
            issue(c, &c->conns[i].slots[j]);
    while (c->inflight > 0 && !c->failed) {
        double t = now(), wait = 0.05;
        if (t > hard_stop) {
            fprintf(stderr, "server_bench: transfers still running after the hard stop\n");
            c->failed = true;
            break;
        }
        for (unsigned i = 0; i < c->conf.connections; i++) {
            double d = c->conns[i].deadline;
            if (d >= 0 && d - t < wait)
                wait = d - t;
        }
        int timeout = wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;
        int k = epoll_wait(c->ep, evs, SB_EVENTS, timeout);
        if (k < 0 && errno != EINTR) {
            fprintf(stderr, "server_bench: epoll_wait: %s\n", strerror(errno));
            c->failed = true;
            break;
        }
        for (int e = 0; e < k; e++) {
            conn_t *cn = &c->conns[evs[e].data.u64 >> 32];
            curl_socket_t fd = (curl_socket_t)(evs[e].data.u64 & 0xffffffffu);
            int mask = ((evs[e].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                       ((evs[e].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                       ((evs[e].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(cn->multi, fd, mask, &running);
        }
        t = now();
        for (unsigned i = 0; i < c->conf.connections; i++) {
            conn_t *cn = &c->conns[i];
            if (cn->deadline >= 0 && cn->deadline <= t) {
                cn->deadline = -1;
                curl_multi_socket_action(cn->multi, CURL_SOCKET_TIMEOUT, 0, &running);
            }
        }
        for (unsigned i = 0; i < c->conf.connections; i++)
            drain_messages(c, &c->conns[i]);
    }
    if (c->failed) {
        /* Abandon what still runs; it counts as failed transfers. */
        for (unsigned i = 0; i < c->conf.connections; i++) {
            for (unsigned j = 0; j < c->conf.streams; j++) {
                slot_t *s = &c->conns[i].slots[j];
                if (s->headers != NULL) {
                    curl_multi_remove_handle(c->conns[i].multi, s->easy);
                    curl_slist_free_all(s->headers);
                    s->headers = NULL;
                    out->transport_errors++;
                }
            }
        }
        c->inflight = 0;
    }
    out->elapsed = c->last_done - c->first_issue;
    out->window = (c->last_done < c->stop_at ? c->last_done : c->stop_at) - c->first_issue;
    return c->failed ? -1 : 0;
}
