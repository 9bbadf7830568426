/*
 * The text of an audit record's members (docs/internals/audit.md, "Format"):
 * fixed order, fixed spelling, every member always present (null when not
 * known), so that records of one kind line up and the verifier needs no
 * canonicalization: the signed bytes are the line as written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_internal.h"
#include "sam/base64.h"
#include "sam/rc.h"

/* Cut s at SAM_AUDIT_MAX_FIELD bytes without splitting a UTF-8 sequence. */
static void put_string(sam_strbuf_t *b, const char *s)
{
    if (s == NULL) {
        sam_strbuf_puts(b, "null");
        return;
    }
    size_t len = strnlen(s, SAM_AUDIT_MAX_FIELD + 1);
    if (len > SAM_AUDIT_MAX_FIELD) {
        len = SAM_AUDIT_MAX_FIELD;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    sam_strbuf_json_string(b, s, len);
}

static void put_member(sam_strbuf_t *b, const char *name, const char *value)
{
    sam_strbuf_printf(b, ",\"%s\":", name);
    put_string(b, value);
}

int audit_body_format(const sam_audit_event_t *ev, sam_strbuf_t *out)
{
    if (ev->event == NULL || ev->outcome == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "audit record without event or outcome");
    sam_strbuf_puts(out, "\"event\":");
    put_string(out, ev->event);
    sam_strbuf_puts(out, ",\"caller\":{\"id\":");
    put_string(out, ev->caller_id);
    put_member(out, "role", ev->caller_role);
    put_member(out, "key", ev->client_key);
    sam_strbuf_puts(out, "}");
    put_member(out, "signer", ev->signer);
    put_member(out, "key_id", ev->key_id);
    if (ev->sad_jti == NULL && ev->sad_iss == NULL) {
        sam_strbuf_puts(out, ",\"sad\":null");
    } else {
        sam_strbuf_puts(out, ",\"sad\":{\"jti\":");
        put_string(out, ev->sad_jti);
        put_member(out, "iss", ev->sad_iss);
        sam_strbuf_puts(out, "}");
    }
    /* Built by sam_audit_hashes_json(): trusted JSON, bounded there. */
    sam_strbuf_puts(out, ",\"hashes\":");
    sam_strbuf_puts(out, ev->hashes != NULL ? ev->hashes : "null");
    put_member(out, "algorithm", ev->algorithm);
    put_member(out, "outcome", ev->outcome);
    if (ev->status > 0)
        sam_strbuf_printf(out, ",\"status\":%d", ev->status);
    else
        sam_strbuf_puts(out, ",\"status\":null");
    put_member(out, "error", ev->error);
    put_member(out, "reason", ev->reason);
    put_member(out, "request_id", ev->request_id);
    put_member(out, "peer", ev->peer);
    return sam_strbuf_finish(out);
}

void audit_time_now(const char *not_before, char out[AUDIT_TIME_LEN + 1])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char tmp[80];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
             (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, ts.tv_nsec / 1000000);
    memcpy(out, tmp, AUDIT_TIME_LEN);
    out[AUDIT_TIME_LEN] = '\0';
    /* The format sorts as text; a clock stepped back must not break time order. */
    if (not_before != NULL && strlen(not_before) == AUDIT_TIME_LEN && strcmp(out, not_before) < 0)
        memcpy(out, not_before, AUDIT_TIME_LEN + 1);
}

int sam_audit_hashes_json(const sam_bytes_t *hashes, size_t n, char **out)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    int rc;

    *out = NULL;
    if (n <= SAM_AUDIT_MAX_LISTED_HASHES) {
        sam_strbuf_puts(&b, "[");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                sam_strbuf_puts(&b, ",");
            sam_strbuf_json_base64(&b, hashes[i].ptr, hashes[i].len);
        }
        sam_strbuf_puts(&b, "]");
    } else {
        uint8_t digest[32];
        unsigned dlen = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
        for (size_t i = 0; i < n && ok; i++) {
            uint8_t len = (uint8_t)(hashes[i].len > 255 ? 255 : hashes[i].len);
            ok = EVP_DigestUpdate(ctx, &len, 1) == 1 && EVP_DigestUpdate(ctx, hashes[i].ptr, len) == 1;
        }
        ok = ok && EVP_DigestFinal_ex(ctx, digest, &dlen) == 1;
        EVP_MD_CTX_free(ctx);
        if (!ok)
            return sam_error_set(SAM_E_INTERNAL, "SHA-256 failed");
        sam_strbuf_printf(&b, "{\"count\":%zu,\"sha256\":", n);
        sam_strbuf_json_base64(&b, digest, sizeof(digest));
        sam_strbuf_puts(&b, "}");
    }
    if ((rc = sam_strbuf_finish(&b)) != SAM_OK) {
        sam_strbuf_free(&b);
        return rc;
    }
    *out = sam_strbuf_take(&b, NULL);
    return *out != NULL ? SAM_OK : sam_error_set(SAM_E_NOMEM, "out of memory");
}
