/*
 * The SQLite state store: the file, the pool of connections, and the
 * operations table. One connection per thread at a time; several processes
 * share the file through SQLite's WAL locking. See
 * docs/internals/state-store.md.
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sam/rc.h"
#include "sam/store.h"
#include "store_sqlite_internal.h"

struct st_sam_sqlite_t {
    char *path;
    pid_t pid; /* connections do not survive fork(): refuse use in a child */
    pthread_mutex_t lock;
    pthread_cond_t returned; /* a connection came back, or a slot freed */
    sam_sqlite_conn_t *idle;
    size_t n_open; /* open or being opened */
    sam_sqlite_group_t group; /* group commit of SAD reservations */
    sam_sqlite_t *next_abandoned;
};

sam_sqlite_group_t *sam_sqlite_group(sam_sqlite_t *st)
{
    return &st->group;
}

/*
 * Stores closed in a child after fork(). Their connections share the
 * parent's file state (descriptors, shared memory, SQLite's lock records):
 * closing them could checkpoint and delete the WAL under the parent. They
 * stay here, referenced and unused, until the child exits or execs.
 */
static sam_sqlite_t *abandoned;

/* A pthread call on our own mutex failing means memory corruption; carrying
 * on could hand one connection to two threads. */
static void pthread_must(int r)
{
    if (r != 0)
        abort();
}

static int check_file(const char *path, const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return sam_error_set(SAM_E_STORE_UNAVAILABLE, "state store %s is a directory", path);
    if (!S_ISREG(st->st_mode))
        return sam_error_set(SAM_E_STORE_UNAVAILABLE, "state store %s is not a regular file", path);
    /* Whoever can write the file can reset SAD counts and assignments. */
    if (st->st_mode & S_IWOTH)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE,
                             "state store %s is writable by everyone; make it mode 0600", path);
    return SAM_OK;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = SAM_OK;

    if (fd < 0 || fsync(fd) != 0)
        rc = sam_error_set(SAM_E_STORE_UNAVAILABLE, "cannot sync directory %s: %s", dir,
                           strerror(errno));
    if (fd >= 0 && close(fd) != 0 && rc == SAM_OK)
        rc = sam_error_set(SAM_E_STORE_UNAVAILABLE, "cannot close directory %s: %s", dir,
                           strerror(errno));
    return rc;
}

/*
 * Create the file with mode 0600, durably, if it does not exist. It is made
 * under a temporary name and linked into place, so that this process never
 * holds a descriptor of its own on the store file: closing one would drop
 * the POSIX locks that SQLite connections of this process hold on it.
 */
static int make_file(const char *path)
{
    struct stat st;
    char *dir = NULL, *tmp = NULL, *slash;
    size_t len = strlen(path);
    bool made = false; /* tmp exists and must be removed */
    int fd = -1, rc = SAM_E_STORE_UNAVAILABLE;

    if (stat(path, &st) == 0)
        return check_file(path, &st);
    if (errno != ENOENT)
        return sam_error_set(rc, "cannot access state store %s: %s", path, strerror(errno));
    dir = strdup(path);
    tmp = malloc(len + sizeof(".new-XXXXXX"));
    if (dir == NULL || tmp == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory opening state store %s", path);
        goto out;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL)
        memcpy(dir, ".", 2);
    else
        slash[slash == dir ? 1 : 0] = '\0';
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sam_error_set(rc, "cannot create state store %s: directory %s does not exist", path, dir);
        goto out;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".new-XXXXXX", sizeof(".new-XXXXXX"));
    fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
    if (fd < 0) {
        sam_error_set(rc, "cannot create state store %s: %s", path, strerror(errno));
        goto out;
    }
    made = true;
    if (fsync(fd) != 0) {
        sam_error_set(rc, "cannot sync state store %s: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        sam_error_set(rc, "cannot close state store %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    /* EEXIST: another process created it meanwhile; use theirs. */
    if (link(tmp, path) != 0 && errno != EEXIST) {
        sam_error_set(rc, "cannot create state store %s: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = sync_dir(dir)) != SAM_OK)
        goto out;
    if (stat(path, &st) != 0) {
        rc = sam_error_set(SAM_E_STORE_UNAVAILABLE, "cannot access state store %s: %s", path,
                           strerror(errno));
        goto out;
    }
    rc = check_file(path, &st);
out:
    if (fd >= 0)
        (void)close(fd); /* already failing; the error above says why */
    if (made && unlink(tmp) != 0 && rc == SAM_OK)
        rc = sam_error_set(SAM_E_STORE_UNAVAILABLE, "cannot remove %s: %s", tmp, strerror(errno));
    free(dir);
    free(tmp);
    return rc;
}

static int acquire(sam_sqlite_t *st, sam_sqlite_conn_t **out)
{
    sam_sqlite_conn_t *c = NULL;
    int rc;

    *out = NULL;
    if (getpid() != st->pid)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE,
                             "state store %s was opened before fork(); open it in this process",
                             st->path);
    pthread_must(pthread_mutex_lock(&st->lock));
    while (st->idle == NULL && st->n_open >= SAM_SQLITE_POOL_MAX)
        pthread_must(pthread_cond_wait(&st->returned, &st->lock));
    if (st->idle != NULL) {
        c = st->idle;
        st->idle = c->next;
        c->next = NULL;
    } else {
        st->n_open++;
    }
    pthread_must(pthread_mutex_unlock(&st->lock));
    if (c != NULL) {
        *out = c;
        return SAM_OK;
    }
    /* Opened outside the lock: it may wait for another process's lock. */
    rc = sam_sqlite_conn_open(st->path, &c);
    if (rc != SAM_OK) {
        pthread_must(pthread_mutex_lock(&st->lock));
        st->n_open--;
        pthread_must(pthread_cond_signal(&st->returned));
        pthread_must(pthread_mutex_unlock(&st->lock));
        return rc;
    }
    *out = c;
    return SAM_OK;
}

static void give_back(sam_sqlite_t *st, sam_sqlite_conn_t *c)
{
    if (c->broken)
        sam_sqlite_conn_close(c);
    pthread_must(pthread_mutex_lock(&st->lock));
    if (c->broken) {
        st->n_open--;
    } else {
        c->next = st->idle;
        st->idle = c;
    }
    pthread_must(pthread_cond_signal(&st->returned));
    pthread_must(pthread_mutex_unlock(&st->lock));
}

int sam_sqlite_run(sam_sqlite_t *st, sam_sqlite_txn mode, sam_sqlite_fn fn, void *arg)
{
    sam_sqlite_conn_t *c;
    int rc = acquire(st, &c);

    if (rc != SAM_OK)
        return rc;
    rc = sam_sqlite_retry(c, mode, fn, arg);
    give_back(st, c);
    return rc;
}

static void sqlite_store_close(void *impl)
{
    sam_sqlite_t *st = impl;
    sam_sqlite_conn_t *c;

    if (getpid() != st->pid) {
        st->next_abandoned = __atomic_load_n(&abandoned, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&abandoned, &st->next_abandoned, st, false,
                                            __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            ;
        return;
    }
    while ((c = st->idle) != NULL) {
        st->idle = c->next;
        sam_sqlite_conn_close(c);
    }
    sam_sqlite_group_destroy(&st->group);
    /* Only EBUSY is possible, for a call still in flight: a caller's defect. */
    (void)pthread_cond_destroy(&st->returned);
    (void)pthread_mutex_destroy(&st->lock);
    free(st->path);
    free(st);
}

static const sam_store_ops_t sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_store_close,
    .sad_reserve = sam_sqlite_sad_reserve,
    .sad_release = sam_sqlite_sad_release,
    .assign_key = sam_sqlite_assign_key,
    .key_assignee = sam_sqlite_key_assignee,
    .delete_key = sam_sqlite_delete_key,
    .key_deleted = sam_sqlite_key_deleted,
    .key_state = sam_sqlite_key_state,
    .key_revision_advance = sam_sqlite_key_revision_advance,
    .purge_expired = sam_sqlite_purge_expired,
    .user_add = sam_sqlite_user_add,
    .user_set_password = sam_sqlite_user_set_password,
    .user_set_disabled = sam_sqlite_user_set_disabled,
    .user_get = sam_sqlite_user_get,
    .credential_add = sam_sqlite_credential_add,
    .credential_delete = sam_sqlite_credential_delete,
    .credential_get = sam_sqlite_credential_get,
    .credential_list = sam_sqlite_credential_list,
    .credential_failure = sam_sqlite_credential_failure,
    .credential_otp_step = sam_sqlite_credential_otp_step,
    .token_add = sam_sqlite_token_add,
    .token_get = sam_sqlite_token_get,
    .token_revoke = sam_sqlite_token_revoke,
};

int sam_store_open_sqlite(const char *path, sam_store_t **out)
{
    sam_sqlite_t *st = NULL;
    sam_sqlite_conn_t *c = NULL;
    size_t len;
    int rc;

    if (out == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: output missing");
    *out = NULL;
    len = path != NULL ? strnlen(path, SAM_STORE_MAX_PATH_LEN + 1) : 0;
    if (len == 0 || len > SAM_STORE_MAX_PATH_LEN)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: path must be 1 to %d bytes",
                             SAM_STORE_MAX_PATH_LEN);
    if (sqlite3_libversion_number() < SAM_SQLITE_MIN_VERSION || sqlite3_threadsafe() == 0)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE,
                             "SQLite %s is too old or built without thread safety",
                             sqlite3_libversion());
    if ((rc = make_file(path)) != SAM_OK)
        return rc;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory opening state store %s", path);
    /* Absolute: connections opened later must find the same file after a chdir(). */
    st->path = realpath(path, NULL);
    if (st->path == NULL) {
        rc = sam_error_set(errno == ENOMEM ? SAM_E_NOMEM : SAM_E_STORE_UNAVAILABLE,
                           "cannot resolve state store %s: %s", path, strerror(errno));
        free(st);
        return rc;
    }
    st->pid = getpid();
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st->path);
        free(st);
        return sam_error_set(SAM_E_NOMEM, "cannot create a mutex for state store %s", path);
    }
    if (pthread_cond_init(&st->returned, NULL) != 0) {
        (void)pthread_mutex_destroy(&st->lock); /* unused, cannot be busy */
        free(st->path);
        free(st);
        return sam_error_set(SAM_E_NOMEM, "cannot create a condition for state store %s", path);
    }
    /* The first connection proves the file is a usable store and migrates it. */
    if ((rc = sam_sqlite_group_init(&st->group)) != SAM_OK ||
        (rc = sam_sqlite_conn_open(st->path, &c)) != SAM_OK) {
        sqlite_store_close(st);
        return rc;
    }
    st->idle = c;
    st->n_open = 1;
    return sam_store_wrap(&sqlite_ops, st, out);
}
