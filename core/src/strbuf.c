/*
 * Growable output buffer with a hard cap and a sticky failure flag, so that
 * builders can append freely and check once (sam_strbuf_finish()).
 *
 * sam_strbuf_json_string() is also the string writer of the canonical JSON
 * serializer (json_canonical.c): one escaping rule for all JSON we emit.
 */
#include "sam/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/base64.h"
#include "sam/rc.h"

/* Smallest allocation: avoids a string of tiny reallocs for short outputs. */
#define STRBUF_MIN_CAP 64

static size_t strbuf_limit(const sam_strbuf_t *b)
{
    if (b->limit == 0)
        return SAM_STRBUF_DEFAULT_LIMIT;
    /* Leave room for the NUL so that limit + 1 never wraps. */
    return b->limit < SIZE_MAX - 1 ? b->limit : SIZE_MAX - 1;
}

/*
 * Make room for `extra` more bytes plus the terminating NUL. Sets the sticky
 * flag and returns 0 when over the limit or out of memory: 1 when ready.
 */
static int strbuf_reserve(sam_strbuf_t *b, size_t extra)
{
    size_t limit = strbuf_limit(b);
    size_t need, cap;
    char *p;

    if (b->failed)
        return 0;
    /* The limit bounds the content; checking against it first also rules out overflow below. */
    if (extra > limit || b->len > limit - extra) {
        b->failed = SAM_E_LIMIT;
        return 0;
    }
    need = b->len + extra + 1;
    if (b->ptr != NULL && need <= b->cap)
        return 1;
    cap = b->cap < STRBUF_MIN_CAP ? STRBUF_MIN_CAP : b->cap;
    while (cap < need)
        cap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
    if (cap > limit + 1)
        cap = limit + 1;
    p = realloc(b->ptr, cap);
    if (p == NULL) {
        b->failed = SAM_E_NOMEM;
        return 0;
    }
    b->ptr = p;
    b->cap = cap;
    return 1;
}

void sam_strbuf_append(sam_strbuf_t *b, const void *data, size_t len)
{
    if (len == 0 || !strbuf_reserve(b, len))
        return;
    memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void sam_strbuf_puts(sam_strbuf_t *b, const char *s)
{
    sam_strbuf_append(b, s, strlen(s));
}

void sam_strbuf_printf(sam_strbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t room;

    if (b->failed)
        return;
    /* First try in the space we already have; most calls fit. */
    room = b->ptr != NULL ? b->cap - b->len : 0;
    va_start(ap, fmt);
    n = vsnprintf(room != 0 ? b->ptr + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = SAM_E_INTERNAL;
        goto out;
    }
    if ((size_t)n < room) {
        b->len += (size_t)n;
        goto out;
    }
    if (!strbuf_reserve(b, (size_t)n))
        goto out;
    va_start(ap, fmt);
    n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        b->failed = SAM_E_INTERNAL;
        goto out;
    }
    b->len += (size_t)n;
out:
    /* vsnprintf may have written a partial result over the old terminator. */
    if (b->ptr != NULL)
        b->ptr[b->len] = '\0';
}

/*
 * Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) starting at s[0], or 0 when there is
 * none. s[0] is >= 0x80.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n, i;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return n;
}

void sam_strbuf_json_string(sam_strbuf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* p[run..i) is pending, to be copied verbatim */

    sam_strbuf_append(b, "\"", 1);
    if (len == 0)
        goto out; /* s may be NULL */
    while (i < len) {
        unsigned char c = p[i];
        const char *esc = NULL;
        char ubuf[7];
        size_t n;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            n = utf8_seq_len(p + i, len - i);
            if (n != 0) {
                i += n;
                continue;
            }
            /* Never emit invalid UTF-8 (it would make the whole document invalid). */
            esc = "\\ufffd";
        } else if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c == '\b') {
            esc = "\\b";
        } else if (c == '\f') {
            esc = "\\f";
        } else if (c == '\n') {
            esc = "\\n";
        } else if (c == '\r') {
            esc = "\\r";
        } else if (c == '\t') {
            esc = "\\t";
        } else {
            memcpy(ubuf, "\\u00", 4);
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 0x0F];
            ubuf[6] = '\0';
            esc = ubuf;
        }
        sam_strbuf_append(b, p + run, i - run);
        sam_strbuf_puts(b, esc);
        i++;
        run = i;
    }
    sam_strbuf_append(b, p + run, i - run);
out:
    sam_strbuf_append(b, "\"", 1);
}

void sam_strbuf_json_base64(sam_strbuf_t *b, const uint8_t *data, size_t len)
{
    size_t n = sam_base64_encoded_size(len); /* includes the NUL */

    sam_strbuf_append(b, "\"", 1);
    /* n - 1 encoded characters; reserve also covers the NUL the encoder writes. */
    if (n == 0 || n == SIZE_MAX || !strbuf_reserve(b, n - 1)) {
        b->failed = b->failed ? b->failed : SAM_E_LIMIT;
        return;
    }
    sam_base64_encode(data, len, b->ptr + b->len);
    b->len += n - 1;
    sam_strbuf_append(b, "\"", 1);
}

int sam_strbuf_finish(const sam_strbuf_t *b)
{
    if (b->failed == 0)
        return SAM_OK;
    if (b->failed == SAM_E_LIMIT)
        return sam_error_set(SAM_E_LIMIT, "output longer than %zu bytes", strbuf_limit(b));
    if (b->failed == SAM_E_INTERNAL) /* a defect, e.g. a malformed hand-built JSON tree */
        return sam_error_set(SAM_E_INTERNAL, "output could not be formatted");
    /* Any other failure (callers may set the flag to 1) reads as out of memory. */
    return sam_error_set(SAM_E_NOMEM, "out of memory building output");
}

void sam_strbuf_free(sam_strbuf_t *b)
{
    if (b == NULL)
        return;
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

/*
 * On a failed buffer, or when no memory is left for an empty string, returns
 * NULL (and *len = 0) after releasing everything: the caller cannot use a
 * truncated result by mistake.
 */
char *sam_strbuf_take(sam_strbuf_t *b, size_t *len)
{
    char *p = NULL;
    size_t n = 0;

    if (b->failed) {
        sam_strbuf_free(b);
        goto out;
    }
    if (b->ptr == NULL) {
        p = calloc(1, 1);
        goto out;
    }
    p = b->ptr;
    n = b->len;
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
out:
    if (len != NULL)
        *len = n;
    return p;
}
