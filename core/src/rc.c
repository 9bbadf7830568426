#include "sam/rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SAM_ERROR_MAX 512

static const struct {
    sam_rc rc;
    const char *name;
    const char *text;
} rc_table[] = {
    {SAM_OK, "ok", "success"},
    {SAM_E_NOMEM, "out_of_memory", "out of memory"},
    {SAM_E_INVALID_ARG, "invalid_argument", "invalid argument"},
    {SAM_E_PARSE, "invalid_request", "malformed input"},
    {SAM_E_LIMIT, "limit_exceeded", "input over a configured limit"},
    {SAM_E_UNSUPPORTED_ALG, "unsupported_algorithm", "algorithm, size or curve not supported"},
    {SAM_E_INVALID_KEY_PAIR, "invalid_key_pair", "the key pair fails its integrity check"},
    {SAM_E_BACKEND_UNAVAILABLE, "backend_unavailable", "the cryptographic module cannot be reached"},
    {SAM_E_BACKEND, "backend_error", "the cryptographic module failed the operation"},
    {SAM_E_PIN, "pin_error", "wrong or locked PIN"},
    {SAM_E_NOT_FOUND, "not_found", "not found"},
    {SAM_E_EXISTS, "exists", "already exists"},
    {SAM_E_IO, "io_error", "input/output error"},
    {SAM_E_PLUGIN, "plugin_error", "plugin refused"},
    {SAM_E_MECHANISM, "mechanism_missing", "the cryptographic module lacks a required mechanism"},
    {SAM_E_CONFIG, "invalid_configuration", "invalid configuration"},
    {SAM_E_VERSION_CONFLICT, "version_conflict", "configuration version not greater than the current one"},
    {SAM_E_SAD_INVALID, "invalid_sad", "the SAD is not valid for this request"},
    {SAM_E_SAD_EXPIRED, "sad_expired", "the SAD is outside its validity window"},
    {SAM_E_SAD_EXHAUSTED, "sad_exhausted", "the SAD was already used as often as it allows"},
    {SAM_E_KEY_ALREADY_ASSIGNED, "key_already_assigned", "the key pair is assigned to another signer"},
    {SAM_E_KEY_NOT_USABLE, "key_not_usable", "the key pair is not usable for this signer"},
    {SAM_E_KEY_DELETED, "key_deleted", "the key pair was deleted"},
    {SAM_E_FORBIDDEN, "forbidden", "the caller's role may not call this function"},
    {SAM_E_UNAUTHORIZED, "unauthorized", "no registered client certificate"},
    {SAM_E_STORE_UNAVAILABLE, "store_unavailable", "the state store cannot be reached"},
    {SAM_E_AUDIT_UNAVAILABLE, "audit_unavailable", "the audit log cannot be written"},
    /* Unknown codes map to the last row. */
    {SAM_E_INTERNAL, "internal_error", "internal error"},
};

static __thread char error_message[SAM_ERROR_MAX];
static __thread sam_rc error_rc;

static size_t rc_index(sam_rc rc)
{
    for (size_t i = 0; i < sizeof(rc_table) / sizeof(rc_table[0]); i++) {
        if (rc_table[i].rc == rc)
            return i;
    }
    return sizeof(rc_table) / sizeof(rc_table[0]) - 1; /* unknown codes read as internal */
}

const char *sam_rc_name(sam_rc rc)
{
    return rc_table[rc_index(rc)].name;
}

const char *sam_strerror(sam_rc rc)
{
    return rc_table[rc_index(rc)].text;
}

sam_rc sam_error_set(sam_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof(error_message), fmt, ap);
    va_end(ap);
    error_rc = rc;
    return rc;
}

const char *sam_error_message(void)
{
    if (error_message[0] != '\0')
        return error_message;
    return sam_strerror(error_rc);
}

void sam_error_clear(void)
{
    error_message[0] = '\0';
    error_rc = SAM_OK;
}

void sam_error_prefix(const char *fmt, ...)
{
    char prefix[SAM_ERROR_MAX], old[SAM_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    snprintf(old, sizeof(old), "%s", sam_error_message());
    /* Truncation is fine: the message is for people, and bounded. */
    size_t n = strnlen(prefix, sizeof(prefix) - 1);
    memcpy(error_message, prefix, n);
    size_t room = sizeof(error_message) - n;
    if (room > 2) {
        error_message[n] = ':';
        error_message[n + 1] = ' ';
        size_t m = strnlen(old, room - 3);
        memcpy(error_message + n + 2, old, m);
        error_message[n + 2 + m] = '\0';
    } else {
        error_message[sizeof(error_message) - 1] = '\0';
    }
}
