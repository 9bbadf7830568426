/*
 * JSON parsing on yajl's event parser, building sam_json_t ourselves so that
 * every limit is enforced while parsing (yajl_tree has no depth limit and
 * recurses on free), duplicate keys and "\u0000" are refused, integers are
 * range-checked from their source text, and each value remembers where it
 * stood.
 *
 * Positions. The whole document goes to yajl in one yajl_parse() call, so
 * yajl_get_bytes_consumed() inside a callback is the offset just after the
 * token being reported. From it we step back to the first byte of the value
 * (or key): the recorded line/column point AT the value's first byte ('{',
 * '[', the opening quote, the sign or first digit, 't'/'f'/'n'). Offsets only
 * grow during a parse, so line/column are computed incrementally. Our own
 * refusals (limits, duplicates, "\u0000", UTF-8, int64 range) name the start
 * of the value or key at fault; syntax errors found by yajl name the last
 * byte yajl read (the offending character or the end of the token it was
 * looking at), and errors at the end of input the place just past the text.
 *
 * Strings. yajl checks UTF-8 only loosely (it accepts overlong forms such as
 * C0 80, encoded surrogates and code points above U+10FFFF) and mangles
 * "\uD800" without a low surrogate into "?": we check the decoded bytes
 * strictly (RFC 3629) and the raw escapes for unpaired surrogates.
 *
 * Recursion: only sam_json_free() recurses, to the depth of the tree, which
 * parsing bounds by limits->max_depth.
 */
#include "sam/json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "sam/rc.h"

const sam_json_limits_t sam_json_default_limits = {
    .max_bytes = 1024 * 1024,
    .max_depth = 16,
    .max_string = 256 * 1024,
    .max_items = 4096,
    .max_nodes = 65536,
};

/* A position worked out for a key, kept until its object is complete. */
typedef struct {
    unsigned line, column;
} json_pos_t;

/* An array or object being filled. */
typedef struct {
    sam_json_t *node;
    size_t cap;          /* allocated entries of items, or of keys/values/key_pos */
    json_pos_t *key_pos; /* object: where each key stood, for duplicate reports */
    char *key;           /* object: key read, value not yet */
    json_pos_t pending_pos;
} json_frame_t;

typedef struct {
    const char *text;
    size_t len;
    const sam_json_limits_t *lim;
    yajl_handle yh;
    int finishing; /* inside yajl_complete_parse: offsets are no longer ours */
    json_frame_t *stack;
    size_t depth, stack_cap;
    sam_json_t *root;
    size_t nodes;
    int rc; /* set by a callback that refused the input */
    /* incremental line counting */
    size_t at;         /* offset counted so far */
    size_t line_start; /* offset of the first byte of the current line */
    unsigned line;
} json_ctx_t;

void sam_json_free(sam_json_t *v)
{
    size_t i;

    if (v == NULL)
        return;
    switch (v->type) {
    case SAM_JSON_INTEGER:
    case SAM_JSON_NUMBER:
        free(v->u.num.text);
        break;
    case SAM_JSON_STRING:
        free(v->u.str.ptr);
        break;
    case SAM_JSON_ARRAY:
        for (i = 0; i < v->u.arr.count; i++)
            sam_json_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case SAM_JSON_OBJECT:
        for (i = 0; i < v->u.obj.count; i++) {
            free(v->u.obj.keys[i]);
            sam_json_free(v->u.obj.values[i]);
        }
        free(v->u.obj.keys);
        free(v->u.obj.values);
        break;
    default:
        break;
    }
    free(v);
}

/* Line and column (1-based, bytes) of offset off. */
static json_pos_t locate(json_ctx_t *c, size_t off)
{
    json_pos_t p;
    const char *nl;

    if (off > c->len)
        off = c->len;
    if (off < c->at) { /* not expected: offsets grow; recount from the start */
        c->at = 0;
        c->line_start = 0;
        c->line = 1;
    }
    while (c->at < off && (nl = memchr(c->text + c->at, '\n', off - c->at)) != NULL) {
        c->at = (size_t)(nl - c->text) + 1;
        c->line_start = c->at;
        if (c->line < UINT_MAX)
            c->line++;
    }
    c->at = off;
    p.line = c->line;
    p.column = off - c->line_start < UINT_MAX ? (unsigned)(off - c->line_start + 1) : UINT_MAX;
    return p;
}

/* Offset just after the token yajl is reporting. */
static size_t token_end(const json_ctx_t *c)
{
    /* yajl_complete_parse() feeds yajl a chunk of its own (" "): only a number
     * ending the document is reported then, and it ends at the end. */
    if (c->finishing)
        return c->len;
    return yajl_get_bytes_consumed(c->yh);
}

/* Offset of the opening quote of the string token ending at end. */
static size_t string_start(const json_ctx_t *c, size_t end)
{
    size_t i, bs;

    if (c->finishing || end < 2 || c->text[end - 1] != '"')
        return end; /* defensive: never expected */
    /* Inside a string every '"' is escaped by an odd run of backslashes;
     * the first one going back with an even run opens the string. */
    for (i = end - 1; i-- > 0;) {
        if (c->text[i] != '"')
            continue;
        for (bs = 0; bs < i && c->text[i - 1 - bs] == '\\'; bs++)
            ;
        if (bs % 2 == 0)
            return i;
    }
    return end;
}

/* Offset of a token of known source length ending at end. */
static size_t fixed_start(size_t end, size_t toklen)
{
    return end >= toklen ? end - toklen : 0;
}

/* Record a refusal at position p; the callback then stops yajl. */
static int refuse(json_ctx_t *c, int rc, json_pos_t p, const char *why)
{
    c->rc = sam_error_set(rc, "line %u, column %u: %s", p.line, p.column, why);
    return 0;
}

/* A key quoted for a message: JSON-escaped, truncated, never raw control bytes. */
static int refuse_key(json_ctx_t *c, int rc, json_pos_t p, const char *why, const char *key)
{
    enum { SHOWN = 64 };
    sam_strbuf_t b = SAM_STRBUF_INIT;
    size_t klen = strlen(key);

    sam_strbuf_json_string(&b, key, klen < SHOWN ? klen : SHOWN);
    if (klen > SHOWN && b.len > 0) {
        b.len--; /* drop the closing quote to mark the cut */
        sam_strbuf_puts(&b, "...\"");
    }
    if (sam_strbuf_finish(&b) != SAM_OK)
        c->rc = sam_error_set(rc, "line %u, column %u: %s", p.line, p.column, why);
    else
        c->rc = sam_error_set(rc, "line %u, column %u: %s %s", p.line, p.column, why, b.ptr);
    sam_strbuf_free(&b);
    return 0;
}

static int nomem(json_ctx_t *c)
{
    c->rc = sam_error_set(SAM_E_NOMEM, "out of memory parsing JSON");
    return 0;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0, n, k;

    while (i < len) {
        unsigned char ch = s[i];
        unsigned char lo = 0x80, hi = 0xBF;

        if (ch < 0x80) {
            i++;
            continue;
        }
        if (ch >= 0xC2 && ch <= 0xDF) {
            n = 2;
        } else if (ch >= 0xE0 && ch <= 0xEF) {
            n = 3;
            lo = ch == 0xE0 ? 0xA0 : 0x80;
            hi = ch == 0xED ? 0x9F : 0xBF;
        } else if (ch >= 0xF0 && ch <= 0xF4) {
            n = 4;
            lo = ch == 0xF0 ? 0x90 : 0x80;
            hi = ch == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (k = 2; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        }
        i += n;
    }
    return 1;
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    int k;

    for (k = 0; k < 4; k++) {
        char h = p[k];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (unsigned)(h - 'A' + 10);
    }
    return v;
}

/*
 * Raw escapes of the string text[start + 1 .. end - 1): every \u high
 * surrogate must be followed by a \u low surrogate and no low surrogate may
 * stand alone (yajl would silently change such text). yajl's lexer already
 * checked that escapes are well formed.
 */
static int escapes_valid(const json_ctx_t *c, size_t start, size_t end)
{
    const char *s = c->text;
    size_t i;

    if (end < start + 2)
        return 1;
    for (i = start + 1; i + 1 < end - 1; i++) {
        unsigned u;

        if (s[i] != '\\')
            continue;
        if (s[i + 1] != 'u') {
            i++; /* skip the escaped character */
            continue;
        }
        if (end - 1 - i < 6)
            return 0;
        u = hex4(s + i + 2);
        if (u >= 0xDC00 && u <= 0xDFFF)
            return 0;
        if (u >= 0xD800 && u <= 0xDBFF) {
            unsigned low;
            if (end - 1 - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u')
                return 0;
            low = hex4(s + i + 8);
            if (low < 0xDC00 || low > 0xDFFF)
                return 0;
            i += 6;
        }
        i += 5;
    }
    return 1;
}

/* Checks common to string values and keys; p is where the string starts. */
static int check_string(json_ctx_t *c, const unsigned char *s, size_t len, size_t start,
                        json_pos_t p, const char *what)
{
    char why[96];

    if (len > c->lim->max_string) {
        (void)snprintf(why, sizeof(why), "%s longer than %zu bytes", what, c->lim->max_string);
        return refuse(c, SAM_E_LIMIT, p, why);
    }
    if (memchr(s, '\0', len) != NULL) {
        (void)snprintf(why, sizeof(why), "%s contains \"\\u0000\"", what);
        return refuse(c, SAM_E_PARSE, p, why);
    }
    if (!utf8_valid(s, len) || !escapes_valid(c, start, token_end(c))) {
        (void)snprintf(why, sizeof(why), "%s is not valid UTF-8", what);
        return refuse(c, SAM_E_PARSE, p, why);
    }
    return 1;
}

/* Grow an array of elem-sized entries to hold one more than count. */
static int grow(void **arr, size_t *cap, size_t count, size_t elem)
{
    size_t ncap;
    void *p;

    if (count < *cap)
        return 1;
    ncap = *cap < 4 ? 4 : *cap * 2;
    if (ncap > SIZE_MAX / elem)
        return 0;
    p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return 0;
    *arr = p;
    *cap = ncap;
    return 1;
}

/* A new value at position p, counted against max_nodes. NULL: refused. */
static sam_json_t *new_node(json_ctx_t *c, sam_json_type type, json_pos_t p)
{
    sam_json_t *v;
    char why[64];

    if (c->nodes >= c->lim->max_nodes) {
        (void)snprintf(why, sizeof(why), "more than %zu values in the document", c->lim->max_nodes);
        refuse(c, SAM_E_LIMIT, p, why);
        return NULL;
    }
    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        nomem(c);
        return NULL;
    }
    c->nodes++;
    v->type = type;
    v->line = p.line;
    v->column = p.column;
    return v;
}

/*
 * Hang v under the innermost open container (or make it the root). Takes v:
 * on failure it is freed here.
 */
static int attach(json_ctx_t *c, sam_json_t *v)
{
    json_frame_t *f;
    json_pos_t p = {v->line, v->column};
    char why[64];

    if (c->depth == 0) {
        c->root = v;
        return 1;
    }
    f = &c->stack[c->depth - 1];
    if (f->node->type == SAM_JSON_ARRAY) {
        sam_json_t *a = f->node;
        if (a->u.arr.count >= c->lim->max_items) {
            (void)snprintf(why, sizeof(why), "array has more than %zu items", c->lim->max_items);
            sam_json_free(v);
            return refuse(c, SAM_E_LIMIT, p, why);
        }
        if (!grow((void **)&a->u.arr.items, &f->cap, a->u.arr.count, sizeof(*a->u.arr.items))) {
            sam_json_free(v);
            return nomem(c);
        }
        a->u.arr.items[a->u.arr.count++] = v;
        return 1;
    }
    /* An object: yajl reported the key first (cb_map_key checked the count). */
    {
        sam_json_t *o = f->node;
        size_t cap = f->cap, n = o->u.obj.count;
        if (f->key == NULL) {
            sam_json_free(v);
            c->rc = sam_error_set(SAM_E_INTERNAL, "JSON parser: value without a key");
            return 0;
        }
        if (n >= cap) {
            /* Three parallel arrays grow together; cap changes only when all succeeded. */
            size_t c1 = cap, c2 = cap, c3 = cap;
            if (!grow((void **)&o->u.obj.keys, &c1, n, sizeof(*o->u.obj.keys)) ||
                !grow((void **)&o->u.obj.values, &c2, n, sizeof(*o->u.obj.values)) ||
                !grow((void **)&f->key_pos, &c3, n, sizeof(*f->key_pos))) {
                sam_json_free(v);
                return nomem(c);
            }
            f->cap = c1;
        }
        o->u.obj.keys[n] = f->key;
        o->u.obj.values[n] = v;
        f->key_pos[n] = f->pending_pos;
        o->u.obj.count = n + 1;
        f->key = NULL;
    }
    return 1;
}

static int add_scalar(json_ctx_t *c, sam_json_t *v)
{
    return v != NULL && attach(c, v);
}

static int cb_null(void *ctx)
{
    json_ctx_t *c = ctx;
    return add_scalar(c, new_node(c, SAM_JSON_NULL, locate(c, fixed_start(token_end(c), 4))));
}

static int cb_boolean(void *ctx, int b)
{
    json_ctx_t *c = ctx;
    sam_json_t *v = new_node(c, SAM_JSON_BOOL, locate(c, fixed_start(token_end(c), b ? 4 : 5)));

    if (v != NULL)
        v->u.boolean = b != 0;
    return add_scalar(c, v);
}

/* Integer value of decimal text (optional '-', digits), 0 when it does not fit int64_t. */
static int parse_int64(const char *s, size_t len, int64_t *out)
{
    int neg = 0;
    uint64_t acc = 0, bound;
    size_t i = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len)
        return 0;
    bound = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return 0;
        d = (unsigned)(s[i] - '0');
        if (acc > (bound - d) / 10)
            return 0;
        acc = acc * 10 + d;
    }
    if (neg)
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        *out = (int64_t)acc;
    return 1;
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    json_ctx_t *c = ctx;
    json_pos_t p = locate(c, fixed_start(token_end(c), len));
    int is_int =
        memchr(s, '.', len) == NULL && memchr(s, 'e', len) == NULL && memchr(s, 'E', len) == NULL;
    sam_json_t *v;
    char why[96];

    /* No number needs to be longer than a string may be: keeps "1e" + a megabyte of digits out. */
    if (len > c->lim->max_string) {
        (void)snprintf(why, sizeof(why), "number longer than %zu bytes", c->lim->max_string);
        return refuse(c, SAM_E_LIMIT, p, why);
    }
    v = new_node(c, is_int ? SAM_JSON_INTEGER : SAM_JSON_NUMBER, p);
    if (v == NULL)
        return 0;
    v->u.num.text = malloc(len + 1);
    if (v->u.num.text == NULL) {
        sam_json_free(v);
        return nomem(c);
    }
    memcpy(v->u.num.text, s, len);
    v->u.num.text[len] = '\0';
    if (is_int && !parse_int64(s, len, &v->u.num.integer)) {
        sam_json_free(v);
        return refuse(c, SAM_E_PARSE, p, "integer out of the 64-bit range");
    }
    return attach(c, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    json_ctx_t *c = ctx;
    size_t start = string_start(c, token_end(c));
    json_pos_t p = locate(c, start);
    sam_json_t *v;

    if (!check_string(c, s, len, start, p, "string"))
        return 0;
    v = new_node(c, SAM_JSON_STRING, p);
    if (v == NULL)
        return 0;
    v->u.str.ptr = malloc(len + 1);
    if (v->u.str.ptr == NULL) {
        sam_json_free(v);
        return nomem(c);
    }
    memcpy(v->u.str.ptr, s, len);
    v->u.str.ptr[len] = '\0';
    v->u.str.len = len;
    return attach(c, v);
}

static int open_container(json_ctx_t *c, sam_json_type type)
{
    json_pos_t p = locate(c, fixed_start(token_end(c), 1));
    json_frame_t *f;
    sam_json_t *v;
    char why[64];

    if (c->depth >= c->lim->max_depth) {
        (void)snprintf(why, sizeof(why), "nesting deeper than %zu", c->lim->max_depth);
        return refuse(c, SAM_E_LIMIT, p, why);
    }
    if (!grow((void **)&c->stack, &c->stack_cap, c->depth, sizeof(*c->stack)))
        return nomem(c);
    v = new_node(c, type, p);
    if (v == NULL || !attach(c, v))
        return 0;
    f = &c->stack[c->depth++];
    memset(f, 0, sizeof(*f));
    f->node = v;
    return 1;
}

static int cb_start_map(void *ctx)
{
    return open_container(ctx, SAM_JSON_OBJECT);
}

static int cb_start_array(void *ctx)
{
    return open_container(ctx, SAM_JSON_ARRAY);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    json_ctx_t *c = ctx;
    size_t start = string_start(c, token_end(c));
    json_pos_t p = locate(c, start);
    json_frame_t *f = &c->stack[c->depth - 1];
    char why[64];

    if (f->node->u.obj.count >= c->lim->max_items) {
        (void)snprintf(why, sizeof(why), "object has more than %zu members", c->lim->max_items);
        return refuse(c, SAM_E_LIMIT, p, why);
    }
    if (!check_string(c, s, len, start, p, "key"))
        return 0;
    free(f->key); /* not expected: yajl alternates keys and values */
    f->key = malloc(len + 1);
    if (f->key == NULL)
        return nomem(c);
    memcpy(f->key, s, len);
    f->key[len] = '\0';
    f->pending_pos = p;
    return 1;
}

typedef struct {
    const char *key;
    size_t index;
} json_key_ref_t;

static int key_ref_cmp(const void *a, const void *b)
{
    const json_key_ref_t *x = a, *y = b;
    int r = strcmp(x->key, y->key);

    if (r != 0)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Refuse an object with a repeated key. Sorting (n log n) rather than
 * comparing pairs keeps a 4096-member object cheap. The report names the
 * repeat that comes first in the text.
 */
static int check_duplicates(json_ctx_t *c, const json_frame_t *f)
{
    const sam_json_t *o = f->node;
    size_t n = o->u.obj.count, i, dup = SIZE_MAX;
    json_key_ref_t *refs;

    if (n < 2)
        return 1;
    refs = malloc(n * sizeof(*refs));
    if (refs == NULL)
        return nomem(c);
    for (i = 0; i < n; i++) {
        refs[i].key = o->u.obj.keys[i];
        refs[i].index = i;
    }
    qsort(refs, n, sizeof(*refs), key_ref_cmp);
    for (i = 1; i < n; i++) {
        if (strcmp(refs[i - 1].key, refs[i].key) == 0 && refs[i].index < dup)
            dup = refs[i].index;
    }
    free(refs);
    if (dup == SIZE_MAX)
        return 1;
    return refuse_key(c, SAM_E_PARSE, f->key_pos[dup], "duplicate key", o->u.obj.keys[dup]);
}

static int close_container(json_ctx_t *c)
{
    json_frame_t *f;
    int ok = 1;

    if (c->depth == 0) {
        c->rc = sam_error_set(SAM_E_INTERNAL, "JSON parser: unbalanced close");
        return 0;
    }
    f = &c->stack[c->depth - 1];
    if (f->node->type == SAM_JSON_OBJECT)
        ok = check_duplicates(c, f);
    /* The node already hangs in the tree; only the frame's own memory goes. */
    free(f->key_pos);
    free(f->key);
    c->depth--;
    return ok;
}

static int cb_end_map(void *ctx)
{
    return close_container(ctx);
}

static int cb_end_array(void *ctx)
{
    return close_container(ctx);
}

static const yajl_callbacks json_callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number, /* raw text: we range-check integers ourselves */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

/* yajl's one-line error, e.g. "parse error: trailing garbage", as our wording. */
static int report_yajl_error(json_ctx_t *c)
{
    static const char utf8_msg[] = "invalid bytes in UTF8 string";
    size_t off = token_end(c);
    json_pos_t p;
    unsigned char *msg = yajl_get_error(c->yh, 0, NULL, 0);
    const char *why = msg != NULL ? (const char *)msg : "";
    size_t n;

    if (strncmp(why, "parse error: ", 13) == 0)
        why += 13;
    else if (strncmp(why, "lexical error: ", 15) == 0)
        why += 15;
    n = strcspn(why, "\n");
    while (n > 0 && (why[n - 1] == '.' || why[n - 1] == ' '))
        n--;
    /* The offset is just past the offending token; point at its last byte. */
    p = locate(c, off > 0 && !c->finishing ? off - 1 : off);
    if (n == strlen(utf8_msg) && strncmp(why, utf8_msg, n) == 0)
        c->rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: string is not valid UTF-8", p.line,
                              p.column);
    else if (n > 0)
        c->rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: malformed JSON (%.*s)", p.line,
                              p.column, (int)(n < 120 ? n : 120), why);
    else
        c->rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: malformed JSON", p.line, p.column);
    if (msg != NULL)
        yajl_free_error(c->yh, msg);
    return c->rc;
}

static int only_whitespace(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    }
    return 1;
}

int sam_json_parse(const char *text, size_t len, const sam_json_limits_t *limits, sam_json_t **out)
{
    json_ctx_t c;
    yajl_status st;
    int rc = SAM_E_PARSE;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.text = text;
    c.len = len;
    c.lim = limits != NULL ? limits : &sam_json_default_limits;
    c.line = 1;

    if (len > c.lim->max_bytes) {
        json_pos_t p = locate(&c, c.lim->max_bytes); /* the first byte over */
        rc = sam_error_set(SAM_E_LIMIT, "line %u, column %u: document longer than %zu bytes",
                           p.line, p.column, c.lim->max_bytes);
        goto out;
    }
    if (only_whitespace(text, len)) {
        json_pos_t p = locate(&c, len);
        rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: empty document", p.line, p.column);
        goto out;
    }
    c.yh = yajl_alloc(&json_callbacks, NULL, &c);
    if (c.yh == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory parsing JSON");
        goto out;
    }
    /* yajl's defaults, stated: the strict grammar is what we want. */
    if (!yajl_config(c.yh, yajl_allow_comments, 0) ||
        !yajl_config(c.yh, yajl_dont_validate_strings, 0) ||
        !yajl_config(c.yh, yajl_allow_trailing_garbage, 0) ||
        !yajl_config(c.yh, yajl_allow_multiple_values, 0) ||
        !yajl_config(c.yh, yajl_allow_partial_values, 0)) {
        rc = sam_error_set(SAM_E_INTERNAL, "cannot configure the JSON parser");
        goto out;
    }
    /* One chunk: yajl's offsets are then offsets into text (see the top). */
    st = yajl_parse(c.yh, (const unsigned char *)text, len);
    if (st == yajl_status_ok) {
        c.finishing = 1;
        st = yajl_complete_parse(c.yh);
    }
    if (st == yajl_status_client_canceled || c.rc != 0) {
        rc = c.rc != 0 ? c.rc : sam_error_set(SAM_E_INTERNAL, "JSON parser stopped");
        goto out;
    }
    if (st != yajl_status_ok) {
        rc = report_yajl_error(&c);
        goto out;
    }
    if (c.root == NULL || c.depth != 0) {
        rc = sam_error_set(SAM_E_INTERNAL, "JSON parser: incomplete document accepted");
        goto out;
    }
    *out = c.root;
    c.root = NULL;
    rc = SAM_OK;
out:
    while (c.depth > 0) {
        json_frame_t *f = &c.stack[--c.depth];
        free(f->key_pos);
        free(f->key);
    }
    free(c.stack);
    sam_json_free(c.root);
    if (c.yh != NULL)
        yajl_free(c.yh);
    return rc;
}
