/*
 * The JWS protected header, read with yajl's event parser: no tree, nothing
 * kept but alg and kid. The parser is strict where a lenient one would let
 * two readers see different headers: duplicate top-level members, "\u0000"
 * (which truncates strings elsewhere) and members that change how the token
 * is processed (crit, b64) are refused. Members the verifier does not use
 * (typ, cty, x5c, ...) are skipped; nested values are only bounded in depth.
 */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "jws_internal.h"
#include "sam/rc.h"

#define MAX_MEMBERS 32 /* top-level members of one header */
#define MAX_NAME 64    /* bytes of one top-level member name */
#define MAX_DEPTH 8    /* nesting inside the header */

typedef enum { M_OTHER, M_ALG, M_KID, M_B64 } member_kind;

typedef struct {
    jws_header_t *out;
    unsigned depth;      /* open containers; 1 inside the header object */
    member_kind current; /* member whose value comes next (depth 1) */
    int has_alg;
    size_t n_names;
    char names[MAX_MEMBERS][MAX_NAME + 1];
    const char *why; /* first refusal, a constant string */
} hdr_ctx_t;

static int refuse(hdr_ctx_t *c, const char *why)
{
    if (c->why == NULL)
        c->why = why;
    return 0; /* cancels the parse */
}

/* A value at the header's top level of a member we read must have the right type. */
static int scalar(hdr_ctx_t *c, int is_string, int is_true)
{
    if (c->depth == 0)
        return refuse(c, "SAD: header is not a JSON object");
    if (c->depth > 1)
        return 1;
    switch (c->current) {
    case M_ALG:
        if (!is_string)
            return refuse(c, "SAD: header alg must be a string");
        break;
    case M_KID:
        if (!is_string)
            return refuse(c, "SAD: header kid must be a string");
        break;
    case M_B64:
        if (!is_true)
            return refuse(c, "SAD: header b64 other than true is not supported");
        break;
    case M_OTHER:
        break;
    }
    return 1;
}

static int cb_null(void *ctx)
{
    return scalar(ctx, 0, 0);
}

static int cb_boolean(void *ctx, int b)
{
    return scalar(ctx, 0, b);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    (void)s;
    (void)len;
    return scalar(ctx, 0, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    hdr_ctx_t *c = ctx;

    if (memchr(s, '\0', len) != NULL)
        return refuse(c, "SAD: header contains \\u0000");
    if (!scalar(c, 1, 0))
        return 0;
    if (c->depth != 1)
        return 1;
    if (c->current == M_ALG) {
        /* An overlong alg is kept truncated: it matches no allowed name, and is never echoed. */
        size_t n = len < JWS_MAX_ALG ? len : JWS_MAX_ALG;
        memcpy(c->out->alg, s, n);
        c->out->alg[n] = '\0';
        c->out->alg_len = len;
        c->has_alg = 1;
    } else if (c->current == M_KID) {
        if (len > JWS_MAX_KID)
            return refuse(c, "SAD: header kid is too long");
        memcpy(c->out->kid, s, len);
        c->out->kid[len] = '\0';
        c->out->kid_len = len;
        c->out->has_kid = 1;
    }
    return 1;
}

static int open_container(hdr_ctx_t *c, int is_map)
{
    if (c->depth == 0 && !is_map)
        return refuse(c, "SAD: header is not a JSON object");
    if (c->depth == 1 && !scalar(c, 0, 0))
        return 0;
    if (++c->depth > MAX_DEPTH)
        return refuse(c, "SAD: header is nested too deeply");
    return 1;
}

static int cb_start_map(void *ctx)
{
    return open_container(ctx, 1);
}

static int cb_start_array(void *ctx)
{
    return open_container(ctx, 0);
}

static int cb_end(void *ctx)
{
    ((hdr_ctx_t *)ctx)->depth--;
    return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    hdr_ctx_t *c = ctx;

    if (memchr(s, '\0', len) != NULL)
        return refuse(c, "SAD: header contains \\u0000");
    if (c->depth != 1)
        return 1;
    if (len > MAX_NAME)
        return refuse(c, "SAD: header member name is too long");
    for (size_t i = 0; i < c->n_names; i++) {
        if (strlen(c->names[i]) == len && memcmp(c->names[i], s, len) == 0)
            return refuse(c, "SAD: header has a duplicate member");
    }
    if (c->n_names == MAX_MEMBERS)
        return refuse(c, "SAD: header has too many members");
    memcpy(c->names[c->n_names], s, len);
    c->names[c->n_names][len] = '\0';
    const char *name = c->names[c->n_names++];

    if (strcmp(name, "crit") == 0)
        return refuse(c, "SAD: header has a \"crit\" member (no extension is supported)");
    c->current = strcmp(name, "alg") == 0   ? M_ALG
                 : strcmp(name, "kid") == 0 ? M_KID
                 : strcmp(name, "b64") == 0 ? M_B64
                                            : M_OTHER;
    return 1;
}

/*
 * Strict UTF-8 (RFC 3629): yajl lets overlong forms, surrogates and code
 * points above U+10FFFF through, and a member name spelled with an overlong
 * form could read as "alg" to another parser.
 */
static int utf8_strict(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t b = s[i];
        size_t n;
        uint32_t cp, min;

        if (b < 0x80) {
            i++;
            continue;
        }
        if ((b & 0xE0) == 0xC0) {
            n = 1, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 2, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 3, cp = b & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number, /* raw text: no integer overflow error from yajl */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

int jws_header_parse(const sam_host_v1_t *host, const uint8_t *text, size_t len, jws_header_t *out)
{
    int rc = SAM_E_SAD_INVALID;
    hdr_ctx_t c;
    yajl_handle h = NULL;

    memset(&c, 0, sizeof(c));
    memset(out, 0, sizeof(*out));
    c.out = out;
    if (!utf8_strict(text, len)) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: header is not valid UTF-8");
        goto out;
    }
    if ((h = yajl_alloc(&callbacks, NULL, &c)) == NULL) {
        rc = host->set_error(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    /* yajl's defaults are the strict ones: no comments, one value, UTF-8 validated. */
    if (yajl_parse(h, text, len) != yajl_status_ok || yajl_complete_parse(h) != yajl_status_ok) {
        /* yajl's own message quotes the input: never echo it. */
        rc = host->set_error(SAM_E_SAD_INVALID, "%s",
                             c.why != NULL ? c.why : "SAD: header is not valid JSON");
        goto out;
    }
    if (!c.has_alg) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: header has no alg");
        goto out;
    }
    rc = SAM_OK;
out:
    if (h != NULL)
        yajl_free(h);
    return rc;
}
