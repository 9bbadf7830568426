/*
 * Canonical JSON: the bytes that get hashed or sealed must not depend on how
 * a client ordered or spaced its members. Members are sorted bytewise by key
 * (strcmp compares as unsigned char), there is no whitespace, strings go
 * through sam_strbuf_json_string() (the one escaping rule), and numbers keep
 * their source text so that no float round trip can change them.
 *
 * Recursion is bounded by the depth of the tree, which parsing bounds.
 */
#include "sam/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

typedef struct {
    const char *key;
    const sam_json_t *value;
    size_t index; /* tie-break, so that even a hand-built tree with twins sorts one way */
} json_member_t;

static int member_cmp(const void *a, const void *b)
{
    const json_member_t *x = a, *y = b;
    int r = strcmp(x->key, y->key);

    if (r != 0)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void write_object(sam_strbuf_t *b, const sam_json_t *v)
{
    size_t n = v->u.obj.count, i;
    json_member_t *m;

    if (n == 0) {
        sam_strbuf_append(b, "{}", 2);
        return;
    }
    m = malloc(n * sizeof(*m));
    if (m == NULL) {
        b->failed = SAM_E_NOMEM;
        return;
    }
    for (i = 0; i < n; i++) {
        m[i].key = v->u.obj.keys[i];
        m[i].value = v->u.obj.values[i];
        m[i].index = i;
    }
    qsort(m, n, sizeof(*m), member_cmp);
    sam_strbuf_append(b, "{", 1);
    for (i = 0; i < n && !b->failed; i++) {
        if (i > 0)
            sam_strbuf_append(b, ",", 1);
        sam_strbuf_json_string(b, m[i].key, strlen(m[i].key));
        sam_strbuf_append(b, ":", 1);
        sam_json_write_canonical(b, m[i].value);
    }
    sam_strbuf_append(b, "}", 1);
    free(m);
}

void sam_json_write_canonical(sam_strbuf_t *b, const sam_json_t *v)
{
    size_t i;

    if (b->failed)
        return;
    if (v == NULL) {
        b->failed = SAM_E_INTERNAL; /* a hole in a hand-built tree: nothing sound to write */
        return;
    }
    switch (v->type) {
    case SAM_JSON_NULL:
        sam_strbuf_append(b, "null", 4);
        break;
    case SAM_JSON_BOOL:
        if (v->u.boolean)
            sam_strbuf_append(b, "true", 4);
        else
            sam_strbuf_append(b, "false", 5);
        break;
    case SAM_JSON_INTEGER:
        if (v->u.num.text != NULL)
            sam_strbuf_puts(b, v->u.num.text);
        else
            sam_strbuf_printf(b, "%" PRId64, v->u.num.integer);
        break;
    case SAM_JSON_NUMBER:
        if (v->u.num.text != NULL)
            sam_strbuf_puts(b, v->u.num.text);
        else
            b->failed = SAM_E_INTERNAL;
        break;
    case SAM_JSON_STRING:
        sam_strbuf_json_string(b, v->u.str.ptr, v->u.str.len);
        break;
    case SAM_JSON_ARRAY:
        sam_strbuf_append(b, "[", 1);
        for (i = 0; i < v->u.arr.count && !b->failed; i++) {
            if (i > 0)
                sam_strbuf_append(b, ",", 1);
            sam_json_write_canonical(b, v->u.arr.items[i]);
        }
        sam_strbuf_append(b, "]", 1);
        break;
    case SAM_JSON_OBJECT:
        write_object(b, v);
        break;
    default:
        b->failed = SAM_E_INTERNAL;
        break;
    }
}
