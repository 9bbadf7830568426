/* sam/json.h: bounded parsing, positions, refusals, typed access, canonical form. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sam/json.h"
#include "sam/rc.h"
#include "sam/strbuf.h"

/* Parse a copy of s held in a buffer of exactly its length (no NUL after it),
 * so that a read past the end shows under valgrind and ASan. */
static int parse_exact(const char *s, size_t len, const sam_json_limits_t *lim, sam_json_t **out)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    cr_assert_not_null(copy);
    memcpy(copy, s, len);
    rc = sam_json_parse(copy, len, lim, out);
    free(copy);
    return rc;
}

static sam_json_t *parse_ok(const char *s)
{
    sam_json_t *v = NULL;
    int rc = parse_exact(s, strlen(s), NULL, &v);

    cr_assert_eq(rc, SAM_OK, "parse of %s failed: %s", s, sam_error_message());
    cr_assert_not_null(v);
    return v;
}

/* Expect refusal rc with exactly the message msg. */
static void parse_fails(const char *s, size_t len, const sam_json_limits_t *lim, int rc,
                        const char *msg)
{
    sam_json_t *v = (sam_json_t *)0x1;
    int got;

    sam_error_clear();
    got = parse_exact(s, len, lim, &v);
    cr_assert_eq(got, rc, "parse of [%.60s] gave %d (%s), expected %d", s, got, sam_error_message(),
                 rc);
    cr_assert_null(v, "output must be NULL on failure");
    if (msg != NULL)
        cr_assert_str_eq(sam_error_message(), msg);
}

static void fails(const char *s, int rc, const char *msg)
{
    parse_fails(s, strlen(s), NULL, rc, msg);
}

static char *canonical(const char *s)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_json_t *v = parse_ok(s);
    char *out;

    sam_json_write_canonical(&b, v);
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    out = sam_strbuf_take(&b, NULL);
    cr_assert_not_null(out);
    sam_json_free(v);
    return out;
}

static void assert_canonical(const char *in, const char *expected)
{
    char *out = canonical(in);

    cr_assert_str_eq(out, expected, "canonical of %s", in);
    free(out);
}

Test(json, default_limits)
{
    cr_assert_eq(sam_json_default_limits.max_bytes, 1024 * 1024);
    cr_assert_eq(sam_json_default_limits.max_depth, 16);
    cr_assert_eq(sam_json_default_limits.max_string, 256 * 1024);
    cr_assert_eq(sam_json_default_limits.max_items, 4096);
    cr_assert_eq(sam_json_default_limits.max_nodes, 65536);
}

Test(json, types_values_and_positions)
{
    const char *s = "{\"s\": \"h\\u00e9\", \"i\": -42, \"n\": 1.5e3,\n"
                    "  \"a\": [true, false, null],\n"
                    " \"o\": {}}";
    sam_json_t *v = parse_ok(s);
    const sam_json_t *m;

    cr_assert_eq(v->type, SAM_JSON_OBJECT);
    cr_assert_eq(v->u.obj.count, 5);
    cr_assert_eq(v->line, 1);
    cr_assert_eq(v->column, 1);
    /* members keep source order */
    cr_assert_str_eq(v->u.obj.keys[0], "s");
    cr_assert_str_eq(v->u.obj.keys[4], "o");

    m = sam_json_get(v, "s");
    cr_assert_eq(m->type, SAM_JSON_STRING);
    cr_assert_eq(m->u.str.len, 3);
    cr_assert_str_eq(m->u.str.ptr, "h\xc3\xa9");
    cr_assert_eq(m->line, 1);
    cr_assert_eq(m->column, 7);

    m = sam_json_get(v, "i");
    cr_assert_eq(m->type, SAM_JSON_INTEGER);
    cr_assert_eq(m->u.num.integer, -42);
    cr_assert_str_eq(m->u.num.text, "-42");
    cr_assert_eq(m->column, 23);

    m = sam_json_get(v, "n");
    cr_assert_eq(m->type, SAM_JSON_NUMBER);
    cr_assert_str_eq(m->u.num.text, "1.5e3");
    cr_assert_eq(m->column, 33);

    m = sam_json_get(v, "a");
    cr_assert_eq(m->type, SAM_JSON_ARRAY);
    cr_assert_eq(m->line, 2);
    cr_assert_eq(m->column, 8);
    cr_assert_eq(m->u.arr.count, 3);
    cr_assert_eq(m->u.arr.items[0]->type, SAM_JSON_BOOL);
    cr_assert(m->u.arr.items[0]->u.boolean);
    cr_assert_not(m->u.arr.items[1]->u.boolean);
    cr_assert_eq(m->u.arr.items[1]->column, 15);
    cr_assert_eq(m->u.arr.items[2]->type, SAM_JSON_NULL);
    cr_assert_eq(m->u.arr.items[2]->column, 22);

    m = sam_json_get(v, "o");
    cr_assert_eq(m->type, SAM_JSON_OBJECT);
    cr_assert_eq(m->u.obj.count, 0);
    cr_assert_eq(m->line, 3);
    cr_assert_eq(m->column, 7);

    cr_assert_null(sam_json_get(v, "missing"));
    cr_assert_null(sam_json_get(sam_json_get(v, "a"), "s"), "not an object");
    cr_assert_null(sam_json_get(NULL, "s"));
    sam_json_free(v);
}

Test(json, string_position_with_escaped_quotes)
{
    sam_json_t *v = parse_ok("[\"a\\\\\", \"\\\"x\\\\\\\"\", 7]");

    cr_assert_eq(v->u.arr.items[0]->column, 2);
    cr_assert_str_eq(v->u.arr.items[0]->u.str.ptr, "a\\");
    cr_assert_eq(v->u.arr.items[1]->column, 9);
    cr_assert_str_eq(v->u.arr.items[1]->u.str.ptr, "\"x\\\"");
    cr_assert_eq(v->u.arr.items[2]->column, 20);
    sam_json_free(v);
}

Test(json, top_level_scalars)
{
    sam_json_t *v = parse_ok("42");

    cr_assert_eq(v->type, SAM_JSON_INTEGER);
    cr_assert_eq(v->u.num.integer, 42);
    cr_assert_eq(v->line, 1);
    cr_assert_eq(v->column, 1);
    sam_json_free(v);

    v = parse_ok("\n  -7");
    cr_assert_eq(v->u.num.integer, -7);
    cr_assert_eq(v->line, 2);
    cr_assert_eq(v->column, 3);
    sam_json_free(v);

    v = parse_ok(" \"s\" \n");
    cr_assert_eq(v->type, SAM_JSON_STRING);
    cr_assert_eq(v->column, 2);
    sam_json_free(v);

    v = parse_ok("null");
    cr_assert_eq(v->type, SAM_JSON_NULL);
    sam_json_free(v);
}

Test(json, integer_range)
{
    sam_json_t *v = parse_ok("[9223372036854775807, -9223372036854775808, -0, 0]");

    cr_assert_eq(v->u.arr.items[0]->type, SAM_JSON_INTEGER);
    cr_assert_eq(v->u.arr.items[0]->u.num.integer, INT64_MAX);
    cr_assert_eq(v->u.arr.items[1]->type, SAM_JSON_INTEGER);
    cr_assert_eq(v->u.arr.items[1]->u.num.integer, INT64_MIN);
    cr_assert_str_eq(v->u.arr.items[1]->u.num.text, "-9223372036854775808");
    cr_assert_eq(v->u.arr.items[2]->type, SAM_JSON_INTEGER);
    cr_assert_eq(v->u.arr.items[2]->u.num.integer, 0);
    cr_assert_str_eq(v->u.arr.items[2]->u.num.text, "-0");
    sam_json_free(v);

    fails("9223372036854775808", SAM_E_PARSE, "line 1, column 1: integer out of the 64-bit range");
    fails("[1, -9223372036854775809]", SAM_E_PARSE,
          "line 1, column 5: integer out of the 64-bit range");
    fails("{\"a\":\n 123456789012345678901234567890}", SAM_E_PARSE,
          "line 2, column 2: integer out of the 64-bit range");
}

Test(json, numbers_keep_their_text)
{
    sam_json_t *v = parse_ok("[1.5e3, 1E2, -0.25, 1e-7, 99999999999999999999.0]");
    const char *texts[] = {"1.5e3", "1E2", "-0.25", "1e-7", "99999999999999999999.0"};

    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(v->u.arr.items[i]->type, SAM_JSON_NUMBER, "item %zu", i);
        cr_assert_str_eq(v->u.arr.items[i]->u.num.text, texts[i]);
    }
    sam_json_free(v);
}

Test(json, depth_limit)
{
    char buf[64];
    size_t i;
    sam_json_t *v;

    /* 16 nested arrays: allowed */
    for (i = 0; i < 16; i++) {
        buf[i] = '[';
        buf[16 + i] = ']';
    }
    cr_assert_eq(parse_exact(buf, 32, NULL, &v), SAM_OK, "%s", sam_error_message());
    sam_json_free(v);
    /* 17: refused at the 17th '[' */
    for (i = 0; i < 17; i++) {
        buf[i] = '[';
        buf[17 + i] = ']';
    }
    parse_fails(buf, 34, NULL, SAM_E_LIMIT, "line 1, column 17: nesting deeper than 16");

    sam_json_limits_t lim = sam_json_default_limits;
    lim.max_depth = 2;
    parse_fails("{\"a\":\n {\"b\": [1]}}", 18, &lim, SAM_E_LIMIT,
                "line 2, column 8: nesting deeper than 2");
}

Test(json, very_deep_nesting_refused_without_crash)
{
    size_t n = 100000, i;
    char *s = malloc(2 * n);

    cr_assert_not_null(s);
    for (i = 0; i < n; i++) {
        s[i] = '[';
        s[n + i] = ']';
    }
    parse_fails(s, 2 * n, NULL, SAM_E_LIMIT, "line 1, column 17: nesting deeper than 16");
    /* objects too, and also when the nesting is not closed */
    for (i = 0; i + 5 <= 2 * n; i += 5)
        memcpy(s + i, "{\"a\":", 5);
    parse_fails(s, 2 * n, NULL, SAM_E_LIMIT, "line 1, column 81: nesting deeper than 16");
    free(s);
}

Test(json, string_and_key_limits)
{
    sam_json_limits_t lim = sam_json_default_limits;
    sam_json_t *v;

    lim.max_string = 8;
    cr_assert_eq(parse_exact("{\"k\":\"12345678\"}", 16, &lim, &v), SAM_OK);
    sam_json_free(v);
    parse_fails("{\"k\":\"123456789\"}", 17, &lim, SAM_E_LIMIT,
                "line 1, column 6: string longer than 8 bytes");
    parse_fails("{\n \"123456789\":1}", 17, &lim, SAM_E_LIMIT,
                "line 2, column 2: key longer than 8 bytes");
    parse_fails("[123456789]", 11, &lim, SAM_E_LIMIT,
                "line 1, column 2: number longer than 8 bytes");
    /* the limit is on decoded bytes: 4 escapes of 6 characters are 8 bytes */
    cr_assert_eq(parse_exact("\"\\u00e9\\u00e9\\u00e9\\u00e9\"", 26, &lim, &v), SAM_OK);
    sam_json_free(v);
}

Test(json, item_limits)
{
    sam_json_limits_t lim = sam_json_default_limits;
    sam_json_t *v;

    lim.max_items = 3;
    cr_assert_eq(parse_exact("[1,2,3]", 7, &lim, &v), SAM_OK);
    sam_json_free(v);
    parse_fails("[1,2,3,4]", 9, &lim, SAM_E_LIMIT, "line 1, column 8: array has more than 3 items");
    parse_fails("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", 25, &lim, SAM_E_LIMIT,
                "line 1, column 20: object has more than 3 members");
}

Test(json, node_limit_counts_every_value)
{
    sam_json_limits_t lim = sam_json_default_limits;
    sam_json_t *v;

    lim.max_nodes = 5;
    /* array, 1, inner array, 2, 3: five values */
    cr_assert_eq(parse_exact("[1,[2],3]", 9, &lim, &v), SAM_OK);
    sam_json_free(v);
    lim.max_nodes = 4;
    parse_fails("[1,[2],3]", 9, &lim, SAM_E_LIMIT,
                "line 1, column 8: more than 4 values in the document");
    lim.max_nodes = 3;
    parse_fails("{\"a\":1,\"b\":{\"c\":{}}}", 20, &lim, SAM_E_LIMIT,
                "line 1, column 17: more than 3 values in the document");
}

Test(json, document_size_limit)
{
    sam_json_limits_t lim = sam_json_default_limits;
    sam_json_t *v;

    lim.max_bytes = 10;
    cr_assert_eq(parse_exact("[1,2,3,45]", 10, &lim, &v), SAM_OK);
    sam_json_free(v);
    parse_fails("[1,2,3,4,5,6]", 13, &lim, SAM_E_LIMIT,
                "line 1, column 11: document longer than 10 bytes");
    lim.max_bytes = 4;
    parse_fails("[\n1,\n2]", 7, &lim, SAM_E_LIMIT,
                "line 2, column 3: document longer than 4 bytes");
}

Test(json, duplicate_keys)
{
    fails("{\"a\":{\"b\":{\"id\":1,\"x\":2,\"id\":3}}}", SAM_E_PARSE,
          "line 1, column 25: duplicate key \"id\"");
    fails("{\"id\": 1,\n \"y\": 0,\n   \"x\": 1, \"id\": 2}", SAM_E_PARSE,
          "line 3, column 12: duplicate key \"id\"");
    /* the same key written two ways is still the same key */
    fails("[{\"a\":1},{\"a\":1,\"\\u0061\":2}]", SAM_E_PARSE,
          "line 1, column 17: duplicate key \"a\"");
    /* the first repeat in the text is named, whatever the sort order */
    fails("{\"z\":1,\"a\":1,\"a\":2,\"z\":3}", SAM_E_PARSE,
          "line 1, column 14: duplicate key \"a\"");
    /* keys are quoted safely in the message */
    fails("{\"\\n\\\"\":1,\"\\n\\\"\":2}", SAM_E_PARSE,
          "line 1, column 11: duplicate key \"\\n\\\"\"");
    /* same keys in different objects are fine */
    sam_json_free(parse_ok("{\"a\":{\"a\":1},\"b\":{\"a\":2}}"));
}

Test(json, nul_refused)
{
    fails("{\"k\":\"a\\u0000b\"}", SAM_E_PARSE, "line 1, column 6: string contains \"\\u0000\"");
    fails("{\"a\\u0000b\":1}", SAM_E_PARSE, "line 1, column 2: key contains \"\\u0000\"");
    fails("[\"\\u0000\"]", SAM_E_PARSE, "line 1, column 2: string contains \"\\u0000\"");
    /* a raw NUL byte is not JSON at all */
    parse_fails("[\"a\0\"]", 6, NULL, SAM_E_PARSE, NULL);
    cr_assert(strncmp(sam_error_message(), "line 1, column ", 15) == 0, "%s", sam_error_message());
}

Test(json, invalid_utf8_refused)
{
    static const char *const bad[] = {
        "[\"\xff\"]",             /* not a lead byte */
        "[\"\xc3\"]",             /* truncated */
        "[\"\xe2\x82\"]",         /* truncated */
        "[\"\xc0\x80\"]",         /* overlong NUL */
        "[\"\xe0\x80\xaf\"]",     /* overlong '/' */
        "[\"\xed\xa0\x80\"]",     /* encoded surrogate */
        "[\"\xf4\x90\x80\x80\"]", /* above U+10FFFF */
        "[\"\\ud800\"]",          /* lone high surrogate */
        "[\"\\ud800x\"]",         /* lone high surrogate */
        "[\"\\udc00\"]",          /* lone low surrogate */
        "[\"\\ud800\\u0041\"]",   /* high surrogate without its low half */
        "[\"\\ud800\\ud800\"]",
        "{\"\xc0\x80\":1}", /* in a key */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sam_json_t *v = NULL;
        int rc = parse_exact(bad[i], strlen(bad[i]), NULL, &v);
        cr_assert_eq(rc, SAM_E_PARSE, "case %zu accepted", i);
        cr_assert_null(v);
        cr_assert(strstr(sam_error_message(), "not valid UTF-8") != NULL, "case %zu: %s", i,
                  sam_error_message());
        cr_assert(strncmp(sam_error_message(), "line 1, column ", 15) == 0);
    }
    fails("[\"\\ud800\"]", SAM_E_PARSE, "line 1, column 2: string is not valid UTF-8");
    fails("{\"\xc0\x80\":1}", SAM_E_PARSE, "line 1, column 2: key is not valid UTF-8");

    /* valid: a pair, raw multi-byte characters, U+10FFFF */
    sam_json_t *v =
        parse_ok("[\"\\ud83d\\ude00\", \"\xf0\x9f\x98\x80\xc3\xa9\", \"\xf4\x8f\xbf\xbf\"]");
    cr_assert_str_eq(v->u.arr.items[0]->u.str.ptr, "\xf0\x9f\x98\x80");
    sam_json_free(v);
}

Test(json, trailing_garbage_refused)
{
    fails("{\"a\":1} x", SAM_E_PARSE, "line 1, column 9: malformed JSON (trailing garbage)");
    fails("{\"a\":1}\n{}", SAM_E_PARSE, "line 2, column 1: malformed JSON (trailing garbage)");
    fails("1 2", SAM_E_PARSE, NULL);
    fails("[1] ]", SAM_E_PARSE, NULL);
    sam_json_free(parse_ok("{\"a\":1} \r\n\t "));
}

Test(json, empty_document)
{
    fails("", SAM_E_PARSE, "line 1, column 1: empty document");
    fails(" \n  ", SAM_E_PARSE, "line 2, column 3: empty document");
}

Test(json, malformed_messages_are_one_line)
{
    static const char *const bad[] = {
        "{\"a\" 1}",   "[1,2",      "{\"a\":}",        "[1,]", "{a:1}", "[01]",
        "[1 /* c */]", "[.5]",      "[\"tab\there\"]", "'x'",  "[tru]", "\xef\xbb\xbf[]",
        "{\"a\":1,}",  "[\"\\x\"]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sam_json_t *v = NULL;
        int rc = parse_exact(bad[i], strlen(bad[i]), NULL, &v);
        const char *m = sam_error_message();
        cr_assert_eq(rc, SAM_E_PARSE, "case %zu (%s) accepted", i, bad[i]);
        cr_assert_null(v);
        cr_assert(strncmp(m, "line ", 5) == 0, "case %zu: %s", i, m);
        cr_assert(strchr(m, '\n') == NULL, "case %zu: multi-line message %s", i, m);
    }
    fails("[1,2", SAM_E_PARSE, "line 1, column 5: malformed JSON (premature EOF)");
    fails("{\"a\":1,\n  \"b\" 2}", SAM_E_PARSE, NULL);
    cr_assert(strncmp(sam_error_message(), "line 2, column ", 15) == 0, "%s", sam_error_message());
    cr_assert(strstr(sam_error_message(), ": malformed JSON (") != NULL);
}

/* The document used by the typed-getter tests; line and column below refer to it. */
static const char getter_doc[] = "{\n"
                                 "  \"key_template\": {\n"
                                 "    \"alg\": \"RSA\",\n"
                                 "    \"size\": \"2048\",\n"
                                 "    \"flag\": 1,\n"
                                 "    \"n\": null,\n"
                                 "    \"bits\": 2048,\n"
                                 "    \"ok\": true\n"
                                 "  },\n"
                                 "  \"list\": [1.5],\n"
                                 "  \"count\": 5\n"
                                 "}";

Test(json, typed_getters)
{
    sam_json_t *root = parse_ok(getter_doc);
    const sam_json_t *kt = NULL, *list = NULL;
    const char *s = "untouched";
    size_t len = 99;
    int64_t i = 7;
    bool b = false;

    cr_assert_eq(sam_json_need_object(root, "key_template", "key_template", &kt), SAM_OK);
    cr_assert_not_null(kt);
    cr_assert_eq(sam_json_need_string(kt, "alg", "key_template.alg", &s, &len), SAM_OK);
    cr_assert_str_eq(s, "RSA");
    cr_assert_eq(len, 3);
    cr_assert_eq(sam_json_need_int(kt, "bits", "key_template.bits", &i), SAM_OK);
    cr_assert_eq(i, 2048);
    cr_assert_eq(sam_json_need_bool(kt, "ok", "key_template.ok", &b), SAM_OK);
    cr_assert(b);
    cr_assert_eq(sam_json_need_array(root, "list", "list", &list), SAM_OK);
    cr_assert_eq(list->u.arr.count, 1);

    /* _opt: absent (and null, for strings) leaves *out alone */
    s = "untouched";
    cr_assert_eq(sam_json_opt_string(kt, "n", "key_template.n", &s, &len), SAM_OK);
    cr_assert_str_eq(s, "untouched");
    cr_assert_eq(sam_json_opt_string(kt, "zz", "key_template.zz", &s, NULL), SAM_OK);
    cr_assert_str_eq(s, "untouched");
    i = 7;
    cr_assert_eq(sam_json_opt_int(kt, "zz", "key_template.zz", &i), SAM_OK);
    cr_assert_eq(i, 7);
    cr_assert_eq(sam_json_opt_int(root, "count", "count", &i), SAM_OK);
    cr_assert_eq(i, 5);
    b = true;
    cr_assert_eq(sam_json_opt_bool(kt, "zz", "key_template.zz", &b), SAM_OK);
    cr_assert(b);
    cr_assert_eq(sam_json_opt_bool(kt, "ok", "key_template.ok", &b), SAM_OK);
    sam_json_free(root);
}

static void getter_fails(int rc, const char *msg)
{
    cr_assert_eq(rc, SAM_E_PARSE, "expected a refusal, got %d", rc);
    cr_assert_str_eq(sam_error_message(), msg);
}

Test(json, typed_getter_messages)
{
    sam_json_t *root = parse_ok(getter_doc);
    const sam_json_t *kt = sam_json_get(root, "key_template"), *o = NULL;
    const char *s = NULL;
    int64_t i = 0;
    bool b = false;

    getter_fails(sam_json_need_int(kt, "size", "key_template.size", &i),
                 "line 4, column 13: field \"key_template.size\" must be an integer");
    getter_fails(sam_json_need_object(root, "missing", "missing", &o),
                 "line 1, column 1: field \"missing\" is required");
    getter_fails(sam_json_need_string(kt, "nope", "key_template.nope", &s, NULL),
                 "line 2, column 19: field \"key_template.nope\" is required");
    getter_fails(sam_json_need_string(kt, "n", "key_template.n", &s, NULL),
                 "line 6, column 10: field \"key_template.n\" must be a string");
    getter_fails(sam_json_need_bool(kt, "flag", "key_template.flag", &b),
                 "line 5, column 13: field \"key_template.flag\" must be a boolean");
    getter_fails(sam_json_opt_bool(kt, "n", "key_template.n", &b),
                 "line 6, column 10: field \"key_template.n\" must be a boolean");
    getter_fails(sam_json_opt_int(kt, "alg", "key_template.alg", &i),
                 "line 3, column 12: field \"key_template.alg\" must be an integer");
    getter_fails(sam_json_need_array(root, "count", "count", &o),
                 "line 11, column 12: field \"count\" must be an array");
    getter_fails(sam_json_need_object(root, "list", "list", &o),
                 "line 10, column 11: field \"list\" must be an object");
    getter_fails(sam_json_opt_string(kt, "flag", "key_template.flag", &s, NULL),
                 "line 5, column 13: field \"key_template.flag\" must be a string");
    /* a number with a fraction is not an integer */
    getter_fails(sam_json_need_int(root, "list", "list", &i),
                 "line 10, column 11: field \"list\" must be an integer");
    cr_assert_null(o);
    cr_assert_null(s);
    cr_assert_eq(i, 0);
    sam_json_free(root);

    root = parse_ok("{\"size\": 1.5}");
    getter_fails(sam_json_need_int(root, "size", "t.size", &i),
                 "line 1, column 10: field \"t.size\" must be an integer");
    sam_json_free(root);
}

Test(json, only_keys)
{
    static const char *const kt_allowed[] = {"alg", "size", "flag", "n", "bits", "ok", NULL};
    static const char *const kt_short[] = {"alg", "size", "flag", NULL};
    static const char *const top[] = {"key_template", "list", NULL};
    sam_json_t *root = parse_ok(getter_doc);
    const sam_json_t *kt = sam_json_get(root, "key_template");

    cr_assert_eq(sam_json_only_keys(kt, "key_template", kt_allowed), SAM_OK);
    getter_fails(sam_json_only_keys(kt, "key_template", kt_short),
                 "line 6, column 10: unknown field \"n\" in \"key_template\"");
    getter_fails(sam_json_only_keys(root, "", top),
                 "line 11, column 12: unknown field \"count\" at the top level");
    sam_json_free(root);

    /* names from the client are escaped and cut */
    root = parse_ok("{\"a\\u0001\\\"b\\n\": 1}");
    getter_fails(sam_json_only_keys(root, "", top),
                 "line 1, column 18: unknown field \"a\\u0001\\\"b\\n\" at the top level");
    sam_json_free(root);
    root = parse_ok(
        "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaa\": 1}");
    cr_assert_eq(sam_json_only_keys(root, "x", top), SAM_E_PARSE);
    cr_assert(strstr(sam_error_message(), "aaaa...\" in \"x\"") != NULL, "%s", sam_error_message());
    cr_assert(strlen(sam_error_message()) < 120);
    sam_json_free(root);
}

Test(json, type_names)
{
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_NULL), "null");
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_BOOL), "boolean");
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_INTEGER), "integer");
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_NUMBER), "number");
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_STRING), "string");
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_ARRAY), "array");
    cr_assert_str_eq(sam_json_type_name(SAM_JSON_OBJECT), "object");
}

Test(json, canonical_form)
{
    assert_canonical("{\"b\":1, \"a\":[true,null,\"x\\n\"]}",
                     "{\"a\":[true,null,\"x\\n\"],\"b\":1}");
    /* numbers as written; strings escaped minimally: \/ and \u00e9 become raw */
    assert_canonical(
        " [ 1.50 , 1E2 , -0 , \"\\/\\u00e9\" , \"\\u001f\\u007f\\b\\f\\r\\t\\\"\\\\\" ] ",
        "[1.50,1E2,-0,\"/\xc3\xa9\",\"\\u001f\x7f\\b\\f\\r\\t\\\"\\\\\"]");
    /* keys sorted bytewise: "" < "B" < "a" < "aa" < "é" */
    assert_canonical("{\"\\u00e9\":1,\"aa\":2,\"a\":3,\"B\":4,\"\":5}",
                     "{\"\":5,\"B\":4,\"a\":3,\"aa\":2,\"\xc3\xa9\":1}");
    assert_canonical("{}", "{}");
    assert_canonical("[]", "[]");
    assert_canonical("\"x\"", "\"x\"");
    assert_canonical("false", "false");
}

Test(json, canonical_independent_of_member_order)
{
    char *a = canonical("{\"z\":{\"y\":1,\"x\":[{\"b\":2,\"a\":1}]},\"a\":\"\\u00e9\\t\\u0001/\"}");
    char *b = canonical(
        "{\n  \"a\" : \"\xc3\xa9\\t\\u0001\\/\",\n  \"z\" : {\"x\" : [{\"a\":1, \"b\":2}], "
        "\"y\" : 1}\n}");

    cr_assert_str_eq(a, b);
    cr_assert_str_eq(a,
                     "{\"a\":\"\xc3\xa9\\t\\u0001/\",\"z\":{\"x\":[{\"a\":1,\"b\":2}],\"y\":1}}");
    free(a);
    free(b);
}

Test(json, canonical_output_reparses_to_the_same_canonical_form)
{
    /* every escape class, a multi-byte character, a number with an exponent */
    char *once =
        canonical("{\"k\":[\"\\u0001\\u001f \\\"\\\\\\b\\f\\n\\r\\t\xe2\x82\xac\"],\"j\":-1.0e-2}");
    char *twice = canonical(once);
    cr_assert_str_eq(once, twice);
    free(once);
    free(twice);
}

Test(json, canonical_respects_the_buffer_limit)
{
    sam_json_t *v = parse_ok("[\"0123456789\",\"0123456789\"]");
    sam_strbuf_t b = SAM_STRBUF_INIT;

    b.limit = 16;
    sam_json_write_canonical(&b, v);
    cr_assert_eq(sam_strbuf_finish(&b), SAM_E_LIMIT);
    sam_strbuf_free(&b);
    sam_json_free(v);
}

Test(json, free_null_is_noop)
{
    sam_json_free(NULL);
}
