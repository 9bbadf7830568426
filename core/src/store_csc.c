/*
 * The state store's CSC functions (store.h): check and bound every argument,
 * then dispatch to the implementation. Nothing here knows the database.
 */
#include <stdlib.h>
#include <string.h>

#include "sam/password.h"
#include "sam/rc.h"
#include "sam/store.h"
#include "store_internal.h"

#define LIST_MAX 1000

static int check_text(const char *what, const char *v, size_t max, bool optional)
{
    size_t len;

    if (v == NULL)
        return optional ? SAM_OK
                        : sam_error_set(SAM_E_INVALID_ARG, "state store: %s missing", what);
    len = strnlen(v, max + 1);
    if (len == 0 || len > max)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: %s must be 1 to %zu bytes", what,
                             max);
    return SAM_OK;
}

static int check_id(const char *what, const char *v)
{
    return check_text(what, v, SAM_STORE_MAX_ID_LEN, false);
}

static int store_ok(sam_store_t *s)
{
    return s == NULL ? sam_error_set(SAM_E_INVALID_ARG, "state store: store missing") : SAM_OK;
}

int sam_store_user_add(sam_store_t *s, const char *user_id, const char *password_hash)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("user id", user_id)) != SAM_OK ||
        (rc = check_text("password hash", password_hash, SAM_PASSWORD_HASH_MAX_LEN, false)) !=
            SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->user_add(impl, user_id, password_hash);
}

int sam_store_user_set_password(sam_store_t *s, const char *user_id, const char *password_hash)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("user id", user_id)) != SAM_OK ||
        (rc = check_text("password hash", password_hash, SAM_PASSWORD_HASH_MAX_LEN, false)) !=
            SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->user_set_password(impl, user_id, password_hash);
}

int sam_store_user_set_disabled(sam_store_t *s, const char *user_id, bool disabled)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("user id", user_id)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->user_set_disabled(impl, user_id, disabled);
}

int sam_store_user_get(sam_store_t *s, const char *user_id, char **password_hash, bool *disabled)
{
    int rc;

    if (password_hash != NULL)
        *password_hash = NULL;
    if (disabled != NULL)
        *disabled = true; /* fail closed */
    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("user id", user_id)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->user_get(impl, user_id, password_hash, disabled);
}

static int check_credential(const sam_store_credential_t *c)
{
    int rc;

    if (c == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: credential missing");
    if ((rc = check_id("credential id", c->id)) != SAM_OK ||
        (rc = check_id("user id", c->user_id)) != SAM_OK ||
        (rc = check_text("key pair", c->key_pair, SAM_STORE_MAX_KEY_PAIR_LEN, false)) != SAM_OK ||
        (rc = check_id("auth mode", c->auth_mode)) != SAM_OK ||
        (rc = check_text("PIN hash", c->pin_hash, SAM_PASSWORD_HASH_MAX_LEN, true)) != SAM_OK ||
        (rc = check_text("OTP secret", c->otp_secret, 1024, true)) != SAM_OK ||
        (rc = check_id("SCAL", c->scal)) != SAM_OK ||
        (rc = check_text("description", c->description, 1024, true)) != SAM_OK)
        return rc;
    if (c->multisign < 1)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: multisign must be at least 1");
    if (c->certificate_count > SAM_STORE_MAX_CERTIFICATES ||
        (c->certificate_count > 0 && c->certificates == NULL))
        return sam_error_set(SAM_E_INVALID_ARG, "state store: at most %d certificates",
                             SAM_STORE_MAX_CERTIFICATES);
    for (size_t i = 0; i < c->certificate_count; i++) {
        const char *cert = c->certificates[i];
        if ((rc = check_text("certificate", cert, SAM_STORE_MAX_KEY_PAIR_LEN, false)) != SAM_OK)
            return rc;
        /* They are stored joined by ','; base64 never contains one. */
        if (strchr(cert, ',') != NULL)
            return sam_error_set(SAM_E_INVALID_ARG, "state store: a certificate is not base64");
    }
    return SAM_OK;
}

int sam_store_credential_add(sam_store_t *s, const sam_store_credential_t *c)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_credential(c)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->credential_add(impl, c);
}

int sam_store_credential_delete(sam_store_t *s, const char *id)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("credential id", id)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->credential_delete(impl, id);
}

int sam_store_credential_get(sam_store_t *s, const char *id, sam_store_credential_t **out)
{
    int rc;

    if (out != NULL)
        *out = NULL;
    if (out == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: output missing");
    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("credential id", id)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->credential_get(impl, id, out);
}

void sam_store_credential_free(sam_store_credential_t *c)
{
    if (c == NULL)
        return;
    free(c->id);
    free(c->user_id);
    free(c->key_pair);
    for (size_t i = 0; i < c->certificate_count; i++)
        free(c->certificates[i]);
    free(c->certificates);
    free(c->auth_mode);
    free(c->pin_hash);
    free(c->otp_secret);
    free(c->scal);
    free(c->description);
    free(c);
}

int sam_store_credential_list(sam_store_t *s, const char *user_id, const char *after, size_t max,
                              char ***ids, size_t *n)
{
    int rc;

    if (ids != NULL)
        *ids = NULL;
    if (n != NULL)
        *n = 0;
    if (ids == NULL || n == NULL || max < 1 || max > LIST_MAX)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: list output missing or max not 1..%d",
                             LIST_MAX);
    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("user id", user_id)) != SAM_OK ||
        (rc = check_text("page start", after, SAM_STORE_MAX_ID_LEN, true)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->credential_list(impl, user_id, after, max, ids, n);
}

void sam_store_ids_free(char **ids, size_t n)
{
    if (ids == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

static int failure(sam_store_t *s, const char *id, sam_store_failure_kind kind,
                   sam_store_failure_op op, uint32_t *count)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("credential id", id)) != SAM_OK)
        return rc;
    if (kind != SAM_STORE_PIN_FAILURES && kind != SAM_STORE_OTP_FAILURES)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: unknown failure counter");
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->credential_failure(impl, id, kind, op, count);
}

int sam_store_credential_failure(sam_store_t *s, const char *id, sam_store_failure_kind kind,
                                 uint32_t *count)
{
    uint32_t dummy;
    return failure(s, id, kind, SAM_STORE_FAILURE_ADD, count != NULL ? count : &dummy);
}

int sam_store_credential_failure_reset(sam_store_t *s, const char *id, sam_store_failure_kind kind)
{
    uint32_t dummy;
    return failure(s, id, kind, SAM_STORE_FAILURE_RESET, &dummy);
}

int sam_store_credential_failures(sam_store_t *s, const char *id, sam_store_failure_kind kind,
                                  uint32_t *count)
{
    if (count == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: output missing");
    return failure(s, id, kind, SAM_STORE_FAILURE_READ, count);
}

int sam_store_credential_otp_step(sam_store_t *s, const char *id, int64_t step)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK || (rc = check_id("credential id", id)) != SAM_OK)
        return rc;
    if (step < 0)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: negative OTP time step");
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->credential_otp_step(impl, id, step);
}

int sam_store_token_add(sam_store_t *s, const sam_store_token_t *t)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK)
        return rc;
    if (t == NULL || t->hash == NULL ||
        (t->kind != SAM_STORE_TOKEN_ACCESS && t->kind != SAM_STORE_TOKEN_REFRESH))
        return sam_error_set(SAM_E_INVALID_ARG, "state store: token missing or of unknown kind");
    if ((rc = check_id("user id", t->user_id)) != SAM_OK)
        return rc;
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->token_add(impl, t);
}

int sam_store_token_get(sam_store_t *s, const uint8_t *hash, sam_store_token_kind kind, int64_t now,
                        char **user_id)
{
    int rc;

    if (user_id != NULL)
        *user_id = NULL;
    if ((rc = store_ok(s)) != SAM_OK)
        return rc;
    if (hash == NULL || user_id == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: token hash or output missing");
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->token_get(impl, hash, kind, now, user_id);
}

int sam_store_token_revoke(sam_store_t *s, const uint8_t *hash)
{
    int rc;

    if ((rc = store_ok(s)) != SAM_OK)
        return rc;
    if (hash == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: token hash missing");
    void *impl = NULL;
    const sam_store_ops_t *ops = sam_store_ops_of(s, &impl);
    return ops->token_revoke(impl, hash);
}
