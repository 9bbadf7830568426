/*
 * The audit writers: one thread per log. Callers queue a record and sleep;
 * the thread takes everything queued, signs the records in order, appends
 * them with one write(), syncs once and wakes all their callers (group
 * commit). A batch that cannot be written or synced fails as a whole: the
 * file is cut back to where the batch began, the chain stays where it was,
 * every caller gets SAM_E_AUDIT_UNAVAILABLE, and the next batch opens the
 * path anew (automatic recovery once it is writable again).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit_internal.h"
#include "sam/log.h"
#include "sam/rc.h"

typedef struct st_audit_pending_t {
    struct st_audit_pending_t *next;
    char *body; /* members "event" .. "peer" */
    size_t body_len;
    bool reopen; /* switch to a new file before this record */
    bool done;
    int rc;
    pthread_cond_t settled; /* its own: the writer wakes only the callers of a finished batch */
} audit_pending_t;

typedef struct st_audit_log_t {
    struct st_sam_audit_t *a;
    const char *name; /* "service" or "admin", the record's "log" */
    char *path;
    int fd; /* writer thread only (and open/close) */
    audit_chain_t chain; /* committed: the last record on stable storage */
    pthread_t tid;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t work; /* records queued, or stop */
    audit_pending_t *head, **tail;
    bool stop;
    atomic_bool broken; /* the last batch failed */
} audit_log_t;

struct st_sam_audit_t {
    audit_log_t logs[SAM_AUDIT_LOG_COUNT];
    sam_module_t *module;
    char *node, *sam_id;
    bool sync, syslog;
};

static int open_file(audit_log_t *l)
{
    l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (l->fd < 0)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "audit log %s: %s", l->path, strerror(errno));
    return SAM_OK;
}

static void close_file(audit_log_t *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

/* Write and sync buf; on failure cut the file back and close it. */
static int flush(audit_log_t *l, const sam_strbuf_t *buf)
{
    struct stat st;
    off_t start;
    size_t done = 0;
    const char *why = NULL;
    int err = 0;

    if (buf->len == 0)
        return SAM_OK;
    if (fstat(l->fd, &st) != 0) {
        why = "fstat";
        err = errno;
        goto fail;
    }
    start = st.st_size;
    while (done < buf->len) {
        ssize_t w = write(l->fd, buf->ptr + done, buf->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            why = "write";
            err = w < 0 ? errno : EIO;
            goto cut;
        }
        done += (size_t)w;
    }
    if (l->a->sync && fdatasync(l->fd) != 0) {
        why = "fdatasync";
        err = errno;
        goto cut;
    }
    /* Records written to a file nobody can reach any more are lost. */
    if (fstat(l->fd, &st) != 0 || st.st_nlink == 0) {
        why = "the file was removed";
        goto fail;
    }
    return SAM_OK;
cut:
    if (done > 0 && ftruncate(l->fd, start) != 0)
        sam_log(SAM_LOG_ERROR, "audit log %s: cannot cut back a failed batch: %s", l->path,
                strerror(errno));
fail:
    close_file(l);
    return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "audit log %s: %s%s%s", l->path, why,
                         err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
}

/* Settle the records [from, to) of a batch: rc for each; on success the chain advances. */
static void settle(audit_log_t *l, audit_pending_t *from, audit_pending_t *to, sam_strbuf_t *buf,
                   audit_chain_t *tentative)
{
    int rc = buf->len == 0 ? SAM_OK : (l->fd < 0 ? SAM_E_AUDIT_UNAVAILABLE : flush(l, buf));
    if (rc == SAM_OK) {
        if (buf->len > 0 && l->a->syslog)
            syslog(LOG_INFO, "%.*s", (int)(buf->len - 1), buf->ptr);
        l->chain = *tentative;
        if (buf->len > 0)
            atomic_store(&l->broken, false);
    } else {
        sam_log(SAM_LOG_ERROR, "%s; refusing operations until it can be written",
                sam_error_message());
        *tentative = l->chain;
        atomic_store(&l->broken, true);
    }
    for (audit_pending_t *p = from; p != to; p = p->next)
        if (p->rc == SAM_OK && rc != SAM_OK)
            p->rc = rc;
    buf->len = 0;
    buf->failed = 0;
}

/* Close the current file and open the path anew (SIGHUP after a rotation). */
static int switch_file(audit_log_t *l)
{
    close_file(l);
    if (audit_state_write(l->path, &l->chain) != SAM_OK)
        sam_log(SAM_LOG_WARNING, "audit log %s: chain state not saved: %s", l->path,
                sam_error_message());
    return open_file(l);
}

static void write_batch(audit_log_t *l, audit_pending_t *batch)
{
    sam_strbuf_t buf = SAM_STRBUF_INIT;
    audit_chain_t tentative = l->chain;
    audit_pending_t *seg = batch;
    sam_audit_t *a = l->a;

    for (audit_pending_t *p = batch; p != NULL; p = p->next) {
        p->rc = SAM_OK;
        if (p->reopen) {
            settle(l, seg, p, &buf, &tentative);
            seg = p;
            if (switch_file(l) != SAM_OK) {
                sam_log(SAM_LOG_ERROR, "%s", sam_error_message());
                atomic_store(&l->broken, true);
            }
        }
        if (l->fd < 0 && open_file(l) != SAM_OK) {
            p->rc = SAM_E_AUDIT_UNAVAILABLE;
            continue;
        }
        if (audit_line_build(a->module, l->name, a->node, a->sam_id, p->body, p->body_len,
                             &tentative, &buf) != SAM_OK) {
            sam_log(SAM_LOG_ERROR, "audit log %s: record not written: %s", l->path,
                    sam_error_message());
            p->rc = SAM_E_AUDIT_UNAVAILABLE;
        }
    }
    settle(l, seg, NULL, &buf, &tentative);
    sam_strbuf_free(&buf);
}

static void *writer_main(void *arg)
{
    audit_log_t *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (l->head == NULL && !l->stop)
            pthread_cond_wait(&l->work, &l->lock);
        if (l->head == NULL)
            break;
        audit_pending_t *batch = l->head;
        l->head = NULL;
        l->tail = &l->head;
        pthread_mutex_unlock(&l->lock);
        write_batch(l, batch);
        pthread_mutex_lock(&l->lock);
        for (audit_pending_t *p = batch; p != NULL;) {
            audit_pending_t *next = p->next; /* p belongs to its caller once done */
            p->done = true;
            /* Under the lock: the caller cannot see done, return and destroy
             * the condition before this signal. */
            pthread_cond_signal(&p->settled);
            p = next;
        }
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

static int submit(audit_log_t *l, audit_pending_t *p)
{
    int rc;
    if (pthread_cond_init(&p->settled, NULL) != 0)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "the audit log %s: no condition variable",
                             l->path);
    pthread_mutex_lock(&l->lock);
    if (l->stop) {
        pthread_mutex_unlock(&l->lock);
        pthread_cond_destroy(&p->settled);
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "the audit log is closed");
    }
    *l->tail = p;
    l->tail = &p->next;
    pthread_cond_signal(&l->work);
    while (!p->done)
        pthread_cond_wait(&p->settled, &l->lock);
    rc = p->rc;
    pthread_mutex_unlock(&l->lock);
    pthread_cond_destroy(&p->settled);
    if (rc != SAM_OK)
        sam_error_set(rc, "the audit log %s cannot be written", l->path);
    return rc;
}

static int record(sam_audit_t *a, sam_audit_log log, const sam_audit_event_t *ev, bool reopen)
{
    sam_strbuf_t body = SAM_STRBUF_INIT;
    audit_pending_t p = {.reopen = reopen};
    int rc;

    if (a == NULL || (unsigned)log >= SAM_AUDIT_LOG_COUNT)
        return sam_error_set(SAM_E_INVALID_ARG, "no such audit log");
    body.limit = SAM_AUDIT_MAX_LINE / 2;
    if ((rc = audit_body_format(ev, &body)) == SAM_OK) {
        p.body = body.ptr;
        p.body_len = body.len;
        rc = submit(&a->logs[log], &p);
    }
    sam_strbuf_free(&body);
    return rc;
}

int sam_audit_record(sam_audit_t *a, sam_audit_log log, const sam_audit_event_t *ev)
{
    return record(a, log, ev, false);
}

bool sam_audit_usable(sam_audit_t *a, sam_audit_log log)
{
    return a != NULL && (unsigned)log < SAM_AUDIT_LOG_COUNT && !atomic_load(&a->logs[log].broken);
}

int sam_audit_reopen(sam_audit_t *a)
{
    int rc = SAM_OK;
    for (int i = 0; i < SAM_AUDIT_LOG_COUNT; i++) {
        sam_audit_event_t ev = {.event = "log_reopened", .outcome = "success"};
        int r = record(a, (sam_audit_log)i, &ev, true);
        if (r != SAM_OK && rc == SAM_OK)
            rc = r;
    }
    return rc;
}

static int log_start(sam_audit_t *a, audit_log_t *l, const char *path, const char *name,
                     EVP_PKEY *key)
{
    int rc;
    l->a = a;
    l->name = name;
    l->fd = -1;
    l->tail = &l->head;
    atomic_init(&l->broken, false);
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->work, NULL);
    if ((l->path = strdup(path)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    if ((rc = audit_tail_recover(path, key, &l->chain)) != SAM_OK ||
        (rc = open_file(l)) != SAM_OK)
        return rc;
    if (pthread_create(&l->tid, NULL, writer_main, l) != 0)
        return sam_error_set(SAM_E_INTERNAL, "cannot start the audit writer");
    l->started = true;
    return SAM_OK;
}

static void log_stop(audit_log_t *l)
{
    if (l->a == NULL)
        return;
    if (l->started) {
        pthread_mutex_lock(&l->lock);
        l->stop = true;
        pthread_cond_signal(&l->work);
        pthread_mutex_unlock(&l->lock);
        pthread_join(l->tid, NULL);
        if (l->fd >= 0 && audit_state_write(l->path, &l->chain) != SAM_OK)
            sam_log(SAM_LOG_WARNING, "audit log %s: chain state not saved: %s", l->path,
                    sam_error_message());
    }
    close_file(l);
    pthread_cond_destroy(&l->work);
    pthread_mutex_destroy(&l->lock);
    free(l->path);
}

int sam_audit_open(const sam_audit_options_t *o, sam_audit_t **out)
{
    static const char *const names[SAM_AUDIT_LOG_COUNT] = {"service", "admin"};
    uint8_t spki[SAM_MAX_SPKI_LEN];
    sam_outbuf_t so = {spki, sizeof(spki), 0};
    EVP_PKEY *key = NULL;
    int rc;
    sam_audit_t *a = calloc(1, sizeof(*a));

    *out = NULL;
    if (a == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    a->module = o->module;
    a->sync = o->sync;
    a->syslog = o->syslog;
    if ((a->node = strdup(o->node)) == NULL || (a->sam_id = strdup(o->sam_id)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = sam_module_public_key(o->module, SAM_MODULE_KEY_AUDIT, &so)) != SAM_OK ||
        (rc = audit_key_from_spki(spki, so.len, &key)) != SAM_OK) {
        sam_error_prefix("audit key");
        goto out;
    }
    if (a->syslog)
        openlog("opensam-audit", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
    for (int i = 0; i < SAM_AUDIT_LOG_COUNT; i++)
        if ((rc = log_start(a, &a->logs[i], o->path[i], names[i], key)) != SAM_OK)
            goto out;
    *out = a;
    a = NULL;
out:
    EVP_PKEY_free(key);
    sam_audit_close(a);
    return rc;
}

void sam_audit_close(sam_audit_t *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < SAM_AUDIT_LOG_COUNT; i++)
        log_stop(&a->logs[i]);
    if (a->syslog)
        closelog();
    free(a->node);
    free(a->sam_id);
    free(a);
}
