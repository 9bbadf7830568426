/*
 * Listening sockets and event loops. The main thread binds every static
 * "listen" address once (so that errors are reported before anything runs),
 * then each loop thread gets its own dup() of every listening socket, its
 * own h2o_evloop_t and h2o_context_t, and accepts on all of them (h2o's own
 * model; the kernel hands each connection to one loop).
 *
 * Stopping a loop (message from the main thread): close its listeners, ask
 * h2o to shut down (GOAWAY on HTTP/2, no more keep-alive on HTTP/1.1), let
 * requests in flight finish, close HTTP/1.1 connections that sit idle, and
 * once no connection and no job is left, dispose everything. Past
 * SAMD_DRAIN_SECONDS the remaining connections are cut; a loop whose jobs
 * are still running in the pool then is left undisposed (the process is
 * exiting) rather than freed under a worker's feet.
 */
#include "samd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sam/log.h"
#include "sam/rc.h"

#define POLL_MS 100

/* ---- binding -------------------------------------------------------------- */

static int bind_one(const sam_listen_t *l)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = -1, on = 1;
    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, l->address, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(l->port);
        len = sizeof(*in);
    } else if (inet_pton(AF_INET6, l->address, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(l->port);
        len = sizeof(*in6);
    } else {
        errno = EINVAL;
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* An IPv6 listener takes IPv6 only, so "::" and "0.0.0.0" can share a port. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
        bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int samd_listen(samd_server_t *server)
{
    const sam_static_config_t *cfg = server->cfg;
    server->listen_fds = calloc(cfg->listen_count, sizeof(int));
    if (server->listen_fds == NULL)
        return SAM_E_NOMEM;
    for (size_t i = 0; i < cfg->listen_count; i++) {
        const sam_listen_t *l = &cfg->listen[i];
        int fd = bind_one(l);
        if (fd < 0) {
            sam_log(SAM_LOG_ERROR, "samd: cannot listen on %s port %u (listen[%zu]): %s",
                    l->address, (unsigned)l->port, i, strerror(errno));
            return SAM_E_IO;
        }
        server->listen_fds[i] = fd;
        server->listen_count = i + 1;
        sam_log(SAM_LOG_INFO, "samd: listening on %s port %u", l->address, (unsigned)l->port);
    }
    return SAM_OK;
}

/* ---- accepting ------------------------------------------------------------ */

static void on_accept(h2o_socket_t *listener, const char *err)
{
    samd_loop_t *loop = listener->data;
    uint32_t max = loop->server->cfg->limits.max_connections;
    if (err != NULL)
        return;
    for (int i = 0; i < SAMD_ACCEPT_BURST; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        if (atomic_load(&loop->server->connections) >= max) {
            sam_log(SAM_LOG_DEBUG, "samd: limits.max_connections (%u) reached: connection refused",
                    max);
            h2o_socket_close(sock);
            continue;
        }
        if (samd_conn_attach(loop, sock) == NULL) {
            h2o_socket_close(sock);
            continue;
        }
        h2o_accept(&loop->accept_ctx, sock);
    }
}

/* ---- stop message --------------------------------------------------------- */

static void on_ctl(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    samd_loop_t *loop = H2O_STRUCT_FROM_MEMBER(samd_loop_t, ctl_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_linklist_t *m = messages->next;
        h2o_linklist_unlink(m);
    }
    loop->stop_requested = true;
}

void samd_loops_request_stop(samd_server_t *server)
{
    for (size_t i = 0; i < server->loop_count; i++) {
        samd_loop_t *loop = &server->loops[i];
        if (loop->thread_started)
            h2o_multithread_send_message(&loop->ctl_receiver, &loop->stop_msg);
    }
}

/* ---- draining ------------------------------------------------------------- */

static bool busy(const samd_loop_t *loop)
{
    return loop->conn_count > 0 || loop->jobs_outstanding > 0;
}

/*
 * HTTP/2 connections close themselves after h2o's GOAWAY. An HTTP/1.1
 * connection with nothing in the pool would wait for its next request until
 * the keep-alive timeout: make its next read see end of input. (A client
 * still uploading a body at that moment loses that request; it was not
 * started, so nothing changed.)
 */
static void shut_idle_connections(samd_loop_t *loop)
{
    for (h2o_linklist_t *n = loop->conns.next; n != &loop->conns; n = n->next) {
        samd_conn_t *conn = H2O_STRUCT_FROM_MEMBER(samd_conn_t, link, n);
        if ((!conn->handshake_done || !conn->http2) && conn->inflight == 0)
            samd_conn_shut_read(conn);
    }
}

static void kill_connections(samd_loop_t *loop)
{
    for (h2o_linklist_t *n = loop->conns.next; n != &loop->conns; n = n->next)
        samd_conn_kill(H2O_STRUCT_FROM_MEMBER(samd_conn_t, link, n), NULL);
}

static void run_until_idle(samd_loop_t *loop, uint64_t deadline, bool shut_idle)
{
    while (busy(loop) && samd_now_ms() < deadline) {
        if (shut_idle)
            shut_idle_connections(loop);
        h2o_evloop_run(loop->ctx.loop, POLL_MS);
    }
}

static void drain(samd_loop_t *loop)
{
    for (size_t i = 0; i < loop->listener_count; i++) {
        if (loop->listeners[i] == NULL)
            continue;
        h2o_socket_read_stop(loop->listeners[i]);
        h2o_socket_close(loop->listeners[i]);
        loop->listeners[i] = NULL;
    }
    h2o_context_request_shutdown(&loop->ctx);
    run_until_idle(loop, samd_now_ms() + SAMD_DRAIN_SECONDS * 1000u, true);
    if (busy(loop)) {
        sam_log(SAM_LOG_WARNING,
                "samd: loop %zu: %zu connections, %zu requests still open after %u s: closing",
                loop->index, loop->conn_count, loop->jobs_outstanding, SAMD_DRAIN_SECONDS);
        kill_connections(loop);
        run_until_idle(loop, samd_now_ms() + SAMD_FORCE_SECONDS * 1000u, false);
    }
    loop->clean = !busy(loop);
}

static void dispose(samd_loop_t *loop)
{
    h2o_evloop_t *ev = loop->ctx.loop;
    for (size_t i = 0; i < loop->listener_count; i++) {
        if (loop->listeners[i] != NULL) {
            h2o_socket_close(loop->listeners[i]);
            loop->listeners[i] = NULL;
        }
    }
    h2o_multithread_unregister_receiver(loop->ctx.queue, &loop->job_receiver);
    h2o_multithread_unregister_receiver(loop->ctx.queue, &loop->ctl_receiver);
    /* h2o 2.2.5 leaves its GOAWAY timer linked, and disposing a linked timer aborts. */
    if (h2o_timeout_is_linked(&loop->ctx.http2._graceful_shutdown_timeout))
        h2o_timeout_unlink(&loop->ctx.http2._graceful_shutdown_timeout);
    h2o_multithread_queue_t *queue = loop->ctx.queue;
    h2o_context_dispose(&loop->ctx);
#if H2O_VERSION_MAJOR == 2 && H2O_VERSION_MINOR == 2
    /* h2o 2.2's destroy_queue does not free the queue itself (fixed upstream in 2.3). */
    free(queue);
#else
    (void)queue;
#endif
    h2o_evloop_destroy(ev);
}

/* ---- the loop thread ------------------------------------------------------ */

/* h2o aborts on its own set-up failures, so a loop that gets here serves. */
static void report_ready(samd_loop_t *loop)
{
    samd_server_t *server = loop->server;
    pthread_mutex_lock(&server->ready_lock);
    server->loops_ready++;
    pthread_cond_broadcast(&server->ready_cond);
    pthread_mutex_unlock(&server->ready_lock);
}

static void *loop_main(void *arg)
{
    samd_loop_t *loop = arg;
    samd_server_t *server = loop->server;

    h2o_context_init(&loop->ctx, h2o_evloop_create(), &server->h2o);
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->job_receiver, samd_http_on_jobs_done);
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->ctl_receiver, on_ctl);
    loop->accept_ctx.ctx = &loop->ctx;
    loop->accept_ctx.hosts = server->h2o.hosts;
    loop->accept_ctx.ssl_ctx = server->ssl_ctx;
    for (size_t i = 0; i < loop->listener_count; i++) {
        loop->listeners[i] =
            h2o_evloop_socket_create(loop->ctx.loop, loop->fds[i], H2O_SOCKET_FLAG_DONT_READ);
        loop->fds[i] = -1; /* h2o owns it now */
        loop->listeners[i]->data = loop;
        h2o_socket_read_start(loop->listeners[i], on_accept);
    }
    report_ready(loop);

    while (!loop->stop_requested)
        h2o_evloop_run(loop->ctx.loop, INT32_MAX);
    drain(loop);
    if (loop->clean)
        dispose(loop);
    return NULL;
}

static int loop_prepare(samd_server_t *server, samd_loop_t *loop, size_t index)
{
    loop->server = server;
    loop->index = index;
    h2o_linklist_init_anchor(&loop->conns);
    loop->listener_count = server->listen_count;
    loop->fds = calloc(server->listen_count, sizeof(int));
    loop->listeners = calloc(server->listen_count, sizeof(h2o_socket_t *));
    if (loop->fds == NULL || loop->listeners == NULL)
        return SAM_E_NOMEM;
    for (size_t i = 0; i < server->listen_count; i++)
        loop->fds[i] = -1;
    for (size_t i = 0; i < server->listen_count; i++) {
        loop->fds[i] = fcntl(server->listen_fds[i], F_DUPFD_CLOEXEC, 0);
        if (loop->fds[i] < 0) {
            sam_log(SAM_LOG_ERROR, "samd: cannot duplicate a listening socket: %s",
                    strerror(errno));
            return SAM_E_IO;
        }
    }
    return SAM_OK;
}

int samd_loops_start(samd_server_t *server)
{
    size_t n = server->cfg->threads;
    server->loops = calloc(n, sizeof(*server->loops));
    if (server->loops == NULL)
        return SAM_E_NOMEM;
    server->loop_count = n;
    for (size_t i = 0; i < n; i++) {
        int rc = loop_prepare(server, &server->loops[i], i);
        if (rc != SAM_OK)
            return rc;
    }
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        samd_loop_t *loop = &server->loops[i];
        int err = pthread_create(&loop->tid, NULL, loop_main, loop);
        if (err != 0) {
            sam_log(SAM_LOG_ERROR, "samd: cannot start event loop thread: %s", strerror(err));
            break;
        }
        loop->thread_started = true;
        started++;
    }
    pthread_mutex_lock(&server->ready_lock);
    while (server->loops_ready < started)
        pthread_cond_wait(&server->ready_cond, &server->ready_lock);
    pthread_mutex_unlock(&server->ready_lock);
    if (started != n)
        return SAM_E_INTERNAL;
    /* The loops hold their own copies: once they close theirs, the port is closed. */
    for (size_t i = 0; i < server->listen_count; i++) {
        close(server->listen_fds[i]);
        server->listen_fds[i] = -1;
    }
    sam_log(SAM_LOG_INFO, "samd: serving with %zu event loops and %u workers", n,
            server->cfg->workers);
    return SAM_OK;
}

bool samd_loops_join(samd_server_t *server)
{
    bool clean = true;
    for (size_t i = 0; i < server->loop_count; i++) {
        samd_loop_t *loop = &server->loops[i];
        if (!loop->thread_started)
            continue;
        pthread_join(loop->tid, NULL);
        loop->thread_started = false;
        if (!loop->clean)
            clean = false;
    }
    return clean;
}

void samd_listen_close(samd_server_t *server)
{
    for (size_t i = 0; i < server->listen_count; i++)
        if (server->listen_fds[i] >= 0)
            close(server->listen_fds[i]);
    free(server->listen_fds);
    server->listen_fds = NULL;
    server->listen_count = 0;
    for (size_t i = 0; i < server->loop_count; i++) {
        samd_loop_t *loop = &server->loops[i];
        for (size_t j = 0; loop->fds != NULL && j < loop->listener_count; j++)
            if (loop->fds[j] >= 0)
                close(loop->fds[j]);
        free(loop->fds);
        free(loop->listeners);
    }
    free(server->loops);
    server->loops = NULL;
    server->loop_count = 0;
}
