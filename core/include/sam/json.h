/*
 * Bounded JSON parsing over yajl's event parser, into a small tree that
 * remembers where each value stood in the text (line and column), so that
 * errors can name the place.
 *
 * Refused, with a message naming line and column: malformed JSON, nesting
 * deeper than the limit, strings/arrays/objects/documents over their limits,
 * duplicate keys in any object, "\u0000" in any string or key, invalid UTF-8,
 * integers that do not fit in int64_t.
 */
#ifndef SAM_JSON_H
#define SAM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/strbuf.h"

typedef enum {
    SAM_JSON_NULL,
    SAM_JSON_BOOL,
    SAM_JSON_INTEGER, /* fits int64_t; u.num.text holds the text too */
    SAM_JSON_NUMBER,  /* has a fraction or exponent; only u.num.text */
    SAM_JSON_STRING,
    SAM_JSON_ARRAY,
    SAM_JSON_OBJECT,
} sam_json_type;

typedef struct st_sam_json_t sam_json_t;

struct st_sam_json_t {
    sam_json_type type;
    unsigned line;   /* 1-based position of the value in the source text */
    unsigned column; /* 1-based, in bytes */
    union {
        bool boolean;
        struct {
            int64_t integer;
            char *text; /* NUL-terminated, as written in the source */
        } num;
        struct {
            char *ptr; /* NUL-terminated; contains no NUL byte */
            size_t len;
        } str;
        struct {
            sam_json_t **items;
            size_t count;
        } arr;
        struct {
            char **keys; /* NUL-terminated, no NUL inside */
            sam_json_t **values;
            size_t count;
        } obj;
    } u;
};

typedef struct st_sam_json_limits_t {
    size_t max_bytes;  /* whole document */
    size_t max_depth;  /* nesting of arrays and objects; top level value is depth 1 */
    size_t max_string; /* bytes of one string or key */
    size_t max_items;  /* members of one array or object */
    size_t max_nodes;  /* values in the whole document */
} sam_json_limits_t;

/* Limits suited to request bodies of 1 MiB: depth 16, strings 256 KiB, 4096 items, 65536 nodes. */
extern const sam_json_limits_t sam_json_default_limits;

/*
 * Parse text[0..len) (need not be NUL-terminated). On success *out is a tree
 * to release with sam_json_free(). On failure returns SAM_E_PARSE or
 * SAM_E_LIMIT and sets the detail message ("line L, column C: why").
 */
int sam_json_parse(const char *text, size_t len, const sam_json_limits_t *limits,
                   sam_json_t **out);
void sam_json_free(sam_json_t *v);

/* Member of an object, or NULL (also when obj is not an object). */
const sam_json_t *sam_json_get(const sam_json_t *obj, const char *key);
const char *sam_json_type_name(sam_json_type t);

/*
 * Typed field access for validators. Each returns SAM_OK, or SAM_E_PARSE with
 * the detail "line L, column C: field "PATH" must be ..." (or "is required").
 * `path` is what the message calls the field, e.g. "key_template.size".
 * The _opt variants return SAM_OK and leave *out untouched when the member is
 * absent (or, for strings and objects, null).
 */
int sam_json_need_object(const sam_json_t *obj, const char *key, const char *path,
                         const sam_json_t **out);
int sam_json_need_array(const sam_json_t *obj, const char *key, const char *path,
                        const sam_json_t **out);
int sam_json_need_string(const sam_json_t *obj, const char *key, const char *path,
                         const char **out, size_t *len);
int sam_json_opt_string(const sam_json_t *obj, const char *key, const char *path,
                        const char **out, size_t *len);
int sam_json_need_int(const sam_json_t *obj, const char *key, const char *path, int64_t *out);
int sam_json_opt_int(const sam_json_t *obj, const char *key, const char *path, int64_t *out);
int sam_json_need_bool(const sam_json_t *obj, const char *key, const char *path, bool *out);
int sam_json_opt_bool(const sam_json_t *obj, const char *key, const char *path, bool *out);
/* Refuse members whose names are not in allowed (NULL-terminated), naming the first. */
int sam_json_only_keys(const sam_json_t *obj, const char *path, const char *const *allowed);

/*
 * Canonical serialization: no whitespace, object members sorted by key
 * (bytewise), strings escaped minimally and deterministically, numbers as
 * written in the source. Equal trees give equal bytes.
 */
void sam_json_write_canonical(sam_strbuf_t *b, const sam_json_t *v);

#endif
