/*
 * CSC users and credentials in SQLite (store.h). Each call is one
 * transaction; "not found" on an update is told by the rows it changed.
 */
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "store_sqlite_internal.h"

#define MAX_TEXT (16u * 64 * 1024) /* any column we read back (certificates joined) */

/* A malloc'd copy of text column i, or NULL for SQL NULL (*rc set on failure). */
static char *column_dup(sam_sqlite_conn_t *c, sqlite3_stmt *st, int i, int *rc)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    char *d;

    if (t == NULL) {
        if (sqlite3_column_type(st, i) != SQLITE_NULL)
            *rc = sam_sqlite_fail(c, sqlite3_errcode(c->db), "reading a column");
        return NULL;
    }
    d = strndup((const char *)t, MAX_TEXT);
    if (d == NULL)
        *rc = sam_error_set(SAM_E_NOMEM, "out of memory reading the state store");
    return d;
}

typedef struct {
    const char *user_id;
    const char *text;
    int64_t flag;
    char *hash_out;
    bool disabled;
} user_ctx_t;

static int user_add_txn(sam_sqlite_conn_t *c, void *arg)
{
    user_ctx_t *x = arg;
    int rc = sam_sqlite_exec(c, SAM_SQ_USER_INSERT, "tt", x->user_id, x->text);

    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        rc = sam_error_set(SAM_E_EXISTS, "user %s exists", x->user_id);
    return rc;
}

int sam_sqlite_user_add(void *impl, const char *user_id, const char *password_hash)
{
    user_ctx_t x = {.user_id = user_id, .text = password_hash};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, user_add_txn, &x);
}

static int user_pw_txn(sam_sqlite_conn_t *c, void *arg)
{
    user_ctx_t *x = arg;
    int rc = sam_sqlite_exec(c, SAM_SQ_USER_SET_PASSWORD, "tt", x->user_id, x->text);

    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        rc = sam_error_set(SAM_E_NOT_FOUND, "no user %s", x->user_id);
    return rc;
}

int sam_sqlite_user_set_password(void *impl, const char *user_id, const char *password_hash)
{
    user_ctx_t x = {.user_id = user_id, .text = password_hash};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, user_pw_txn, &x);
}

static int user_dis_txn(sam_sqlite_conn_t *c, void *arg)
{
    user_ctx_t *x = arg;
    int rc = sam_sqlite_exec(c, SAM_SQ_USER_SET_DISABLED, "ti", x->user_id, x->flag);

    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        rc = sam_error_set(SAM_E_NOT_FOUND, "no user %s", x->user_id);
    return rc;
}

int sam_sqlite_user_set_disabled(void *impl, const char *user_id, bool disabled)
{
    user_ctx_t x = {.user_id = user_id, .flag = disabled ? 1 : 0};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, user_dis_txn, &x);
}

static int user_get_txn(sam_sqlite_conn_t *c, void *arg)
{
    user_ctx_t *x = arg;
    sqlite3_stmt *st = c->stmt[SAM_SQ_USER_GET];
    bool row;
    int rc;

    free(x->hash_out);
    x->hash_out = NULL;
    if ((rc = sam_sqlite_query(c, SAM_SQ_USER_GET, &row, "t", x->user_id)) != SAM_OK)
        return rc;
    if (!row)
        return sam_error_set(SAM_E_NOT_FOUND, "no user %s", x->user_id);
    x->hash_out = column_dup(c, st, 0, &rc);
    if (rc == SAM_OK && x->hash_out == NULL)
        rc = sam_sqlite_fail(c, SQLITE_CORRUPT, "reading a user");
    x->disabled = sqlite3_column_int64(st, 1) != 0;
    sam_sqlite_reset(c, SAM_SQ_USER_GET);
    return rc;
}

int sam_sqlite_user_get(void *impl, const char *user_id, char **password_hash, bool *disabled)
{
    user_ctx_t x = {.user_id = user_id};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, user_get_txn, &x);

    if (rc == SAM_OK) {
        if (disabled != NULL)
            *disabled = x.disabled;
        if (password_hash != NULL) {
            *password_hash = x.hash_out;
            x.hash_out = NULL;
        }
    }
    free(x.hash_out);
    return rc;
}

/* ---- credentials ---- */

typedef struct {
    const sam_store_credential_t *in;
    const char *id;
    const char *user_id;
    const char *after;
    int64_t limit;
    char *joined;
    sam_store_credential_t *out;
    char **ids;
    size_t n;
    int64_t kind, op;
    uint32_t count;
} cred_ctx_t;

static char *join_certs(const sam_store_credential_t *c)
{
    size_t len = 1;
    char *j, *w;

    for (size_t i = 0; i < c->certificate_count; i++)
        len += strlen(c->certificates[i]) + 1;
    if ((j = malloc(len)) == NULL)
        return NULL;
    w = j;
    for (size_t i = 0; i < c->certificate_count; i++) {
        size_t n = strlen(c->certificates[i]);
        if (i > 0)
            *w++ = ',';
        memcpy(w, c->certificates[i], n);
        w += n;
    }
    *w = '\0';
    return j;
}

static int split_certs(const char *joined, sam_store_credential_t *c)
{
    size_t n = 0;

    if (*joined == '\0')
        return SAM_OK;
    for (const char *p = joined; p != NULL; p = strchr(p, ','), p = p != NULL ? p + 1 : NULL)
        n++;
    if (n > SAM_STORE_MAX_CERTIFICATES)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE, "state store: too many certificates");
    if ((c->certificates = calloc(n, sizeof(char *))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory reading a credential");
    for (const char *p = joined; c->certificate_count < n;) {
        size_t len = strcspn(p, ",");
        if ((c->certificates[c->certificate_count] = strndup(p, len)) == NULL)
            return sam_error_set(SAM_E_NOMEM, "out of memory reading a credential");
        c->certificate_count++;
        p += len + 1;
    }
    return SAM_OK;
}

static int cred_add_txn(sam_sqlite_conn_t *c, void *arg)
{
    cred_ctx_t *x = arg;
    const sam_store_credential_t *k = x->in;
    bool row;
    int rc;

    if ((rc = sam_sqlite_query(c, SAM_SQ_USER_GET, &row, "t", k->user_id)) != SAM_OK)
        return rc;
    if (!row)
        return sam_error_set(SAM_E_NOT_FOUND, "no user %s", k->user_id);
    sam_sqlite_reset(c, SAM_SQ_USER_GET);
    rc = sam_sqlite_exec(c, SAM_SQ_CRED_INSERT, "tttttnnitn", k->id, k->user_id, k->key_pair,
                         x->joined, k->auth_mode, k->pin_hash, k->otp_secret, (int64_t)k->multisign,
                         k->scal, k->description);
    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        rc = sam_error_set(SAM_E_EXISTS, "credential %s exists", k->id);
    return rc;
}

int sam_sqlite_credential_add(void *impl, const sam_store_credential_t *c)
{
    cred_ctx_t x = {.in = c};
    int rc;

    if ((x.joined = join_certs(c)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory adding a credential");
    rc = sam_sqlite_run(impl, SAM_SQLITE_WRITE, cred_add_txn, &x);
    free(x.joined);
    return rc;
}

static int cred_del_txn(sam_sqlite_conn_t *c, void *arg)
{
    cred_ctx_t *x = arg;
    int rc = sam_sqlite_exec(c, SAM_SQ_CRED_DELETE, "t", x->id);

    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        rc = sam_error_set(SAM_E_NOT_FOUND, "no credential %s", x->id);
    return rc;
}

int sam_sqlite_credential_delete(void *impl, const char *id)
{
    cred_ctx_t x = {.id = id};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, cred_del_txn, &x);
}

static int cred_get_txn(sam_sqlite_conn_t *c, void *arg)
{
    cred_ctx_t *x = arg;
    sqlite3_stmt *st = c->stmt[SAM_SQ_CRED_GET];
    sam_store_credential_t *k;
    char *joined = NULL;
    bool row;
    int rc;

    sam_store_credential_free(x->out);
    x->out = NULL;
    if ((rc = sam_sqlite_query(c, SAM_SQ_CRED_GET, &row, "t", x->id)) != SAM_OK)
        return rc;
    if (!row)
        return sam_error_set(SAM_E_NOT_FOUND, "no credential %s", x->id);
    if ((k = calloc(1, sizeof(*k))) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory reading a credential");
        goto out;
    }
    x->out = k;
    k->id = column_dup(c, st, 0, &rc);
    k->user_id = column_dup(c, st, 1, &rc);
    k->key_pair = column_dup(c, st, 2, &rc);
    joined = column_dup(c, st, 3, &rc);
    k->auth_mode = column_dup(c, st, 4, &rc);
    k->pin_hash = column_dup(c, st, 5, &rc);
    k->otp_secret = column_dup(c, st, 6, &rc);
    k->multisign = (uint32_t)sqlite3_column_int64(st, 7);
    k->scal = column_dup(c, st, 8, &rc);
    k->description = column_dup(c, st, 9, &rc);
    k->created = sqlite3_column_int64(st, 10);
    k->otp_last_step = sqlite3_column_int64(st, 11);
    if (rc != SAM_OK)
        goto out;
    if (k->id == NULL || k->user_id == NULL || k->key_pair == NULL || joined == NULL ||
        k->auth_mode == NULL || k->scal == NULL) {
        rc = sam_sqlite_fail(c, SQLITE_CORRUPT, "reading a credential");
        goto out;
    }
    rc = split_certs(joined, k);
out:
    free(joined);
    sam_sqlite_reset(c, SAM_SQ_CRED_GET);
    return rc;
}

int sam_sqlite_credential_get(void *impl, const char *id, sam_store_credential_t **out)
{
    cred_ctx_t x = {.id = id};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, cred_get_txn, &x);

    if (rc != SAM_OK) {
        sam_store_credential_free(x.out);
        return rc;
    }
    *out = x.out;
    return SAM_OK;
}

static int cred_list_txn(sam_sqlite_conn_t *c, void *arg)
{
    cred_ctx_t *x = arg;
    sqlite3_stmt *st = c->stmt[SAM_SQ_CRED_LIST];
    bool row;
    int rc;

    sam_store_ids_free(x->ids, x->n);
    x->n = 0;
    if ((x->ids = calloc((size_t)x->limit, sizeof(char *))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory listing credentials");
    rc = sam_sqlite_query(c, SAM_SQ_CRED_LIST, &row, "tti", x->user_id, x->after, x->limit);
    while (rc == SAM_OK && row) {
        char *id = column_dup(c, st, 0, &rc);
        if (id == NULL && rc == SAM_OK)
            rc = sam_sqlite_fail(c, SQLITE_CORRUPT, "listing credentials");
        if (rc != SAM_OK || x->n >= (size_t)x->limit) {
            free(id);
            sam_sqlite_reset(c, SAM_SQ_CRED_LIST);
            break;
        }
        x->ids[x->n++] = id;
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE) {
            sam_sqlite_reset(c, SAM_SQ_CRED_LIST);
            row = false;
        } else if (src != SQLITE_ROW) {
            rc = sam_sqlite_fail(c, src, "listing credentials");
            sam_sqlite_reset(c, SAM_SQ_CRED_LIST);
        }
    }
    return rc;
}

int sam_sqlite_credential_list(void *impl, const char *user_id, const char *after, size_t max,
                               char ***ids, size_t *n)
{
    cred_ctx_t x = {.user_id = user_id, .after = after != NULL ? after : "", .limit = (int64_t)max};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, cred_list_txn, &x);

    if (rc != SAM_OK) {
        sam_store_ids_free(x.ids, x.n);
        return rc;
    }
    *ids = x.ids;
    *n = x.n;
    return SAM_OK;
}

static int cred_fail_txn(sam_sqlite_conn_t *c, void *arg)
{
    cred_ctx_t *x = arg;
    sam_sq_id q = x->op == SAM_STORE_FAILURE_RESET ? SAM_SQ_CRED_RESET : SAM_SQ_CRED_FAIL;
    int64_t add = x->op == SAM_STORE_FAILURE_ADD ? 1 : 0;
    bool row;
    int rc;

    if (q == SAM_SQ_CRED_RESET)
        rc = sam_sqlite_query(c, q, &row, "ti", x->id, x->kind);
    else
        rc = sam_sqlite_query(c, q, &row, "tii", x->id, x->kind, add);
    if (rc != SAM_OK)
        return rc;
    if (!row)
        return sam_error_set(SAM_E_NOT_FOUND, "no credential %s", x->id);
    x->count = (uint32_t)sqlite3_column_int64(c->stmt[q], 0);
    /* Step to the end so that the UPDATE ... RETURNING completes. */
    int src = sqlite3_step(c->stmt[q]);
    sam_sqlite_reset(c, q);
    if (src != SQLITE_DONE)
        return sam_sqlite_fail(c, src, "counting a failure");
    return SAM_OK;
}

int sam_sqlite_credential_failure(void *impl, const char *id, sam_store_failure_kind kind,
                                  sam_store_failure_op op, uint32_t *count)
{
    cred_ctx_t x = {.id = id, .kind = (int64_t)kind, .op = (int64_t)op};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_WRITE, cred_fail_txn, &x);

    if (rc == SAM_OK)
        *count = x.count;
    return rc;
}

typedef struct {
    const char *id;
    int64_t step;
} otp_step_ctx_t;

static int cred_otp_step_txn(sam_sqlite_conn_t *c, void *arg)
{
    otp_step_ctx_t *x = arg;
    int rc = sam_sqlite_exec(c, SAM_SQ_CRED_OTP_STEP, "ti", x->id, x->step);

    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        rc = sam_error_set(SAM_E_EXISTS, "credential %s: OTP time step already used", x->id);
    return rc;
}

int sam_sqlite_credential_otp_step(void *impl, const char *id, int64_t step)
{
    otp_step_ctx_t x = {id, step};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, cred_otp_step_txn, &x);
}
