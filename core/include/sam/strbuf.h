/* A growable, NUL-terminated byte string with a hard cap, for building output. */
#ifndef SAM_STRBUF_H
#define SAM_STRBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_sam_strbuf_t {
    char *ptr;     /* NUL-terminated once anything was appended; may be NULL when empty */
    size_t len;
    size_t cap;
    size_t limit;  /* 0: SAM_STRBUF_DEFAULT_LIMIT */
    int failed;    /* sticky: 0, or the sam_rc of the first failed append (NOMEM, LIMIT, INTERNAL) */
} sam_strbuf_t;

#define SAM_STRBUF_DEFAULT_LIMIT (64u * 1024 * 1024)
#define SAM_STRBUF_INIT {NULL, 0, 0, 0, 0}

/* Appends never report errors one by one; check sam_strbuf_finish() once. */
void sam_strbuf_append(sam_strbuf_t *b, const void *data, size_t len);
void sam_strbuf_puts(sam_strbuf_t *b, const char *s);
void sam_strbuf_printf(sam_strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal with quotes; control characters and non-ASCII escaped as \uXXXX
 * only where JSON requires it (UTF-8 passes through). */
void sam_strbuf_json_string(sam_strbuf_t *b, const char *s, size_t len);
/* A JSON string literal holding the standard base64 of data. */
void sam_strbuf_json_base64(sam_strbuf_t *b, const uint8_t *data, size_t len);
/* SAM_OK, or the failure (SAM_E_NOMEM, SAM_E_LIMIT, SAM_E_INTERNAL) with a detail message. */
int sam_strbuf_finish(const sam_strbuf_t *b);
/* Release the buffer (not wiped: never put secrets in a strbuf). */
void sam_strbuf_free(sam_strbuf_t *b);
/* Hand the buffer to the caller (free() it); the strbuf is reset. A failed buffer is
 * freed and NULL returned; an empty one gives "". */
char *sam_strbuf_take(sam_strbuf_t *b, size_t *len);

#endif
