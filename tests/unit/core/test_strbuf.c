/* sam/strbuf.h: growth, the hard limit, sticky failure, JSON string escaping. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sam/json.h"
#include "sam/rc.h"
#include "sam/strbuf.h"

Test(strbuf, append_puts_printf)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    char *s;
    size_t len;

    cr_assert_null(b.ptr);
    sam_strbuf_append(&b, "ab", 2);
    sam_strbuf_puts(&b, "cd");
    sam_strbuf_printf(&b, "-%d-%s-", 42, "x");
    cr_assert_eq(b.len, 10);
    cr_assert_str_eq(b.ptr, "abcd-42-x-");
    /* a result longer than the first allocation */
    sam_strbuf_printf(&b, "%0200d", 7);
    cr_assert_eq(b.len, 210);
    cr_assert_eq(b.ptr[209], '7');
    cr_assert_eq(b.ptr[210], '\0');
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    s = sam_strbuf_take(&b, &len);
    cr_assert_eq(len, 210);
    cr_assert_eq(strlen(s), 210);
    cr_assert_null(b.ptr, "take resets the buffer");
    cr_assert_eq(b.len, 0);
    free(s);
    sam_strbuf_free(&b);
}

Test(strbuf, binary_data_and_growth)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    unsigned char chunk[37];

    for (size_t i = 0; i < sizeof(chunk); i++)
        chunk[i] = (unsigned char)i; /* includes NUL bytes */
    for (int k = 0; k < 1000; k++)
        sam_strbuf_append(&b, chunk, sizeof(chunk));
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    cr_assert_eq(b.len, 37000);
    cr_assert_eq(memcmp(b.ptr + 36 * 37, chunk, sizeof(chunk)), 0);
    cr_assert_eq(b.ptr[b.len], '\0');
    sam_strbuf_free(&b);
    cr_assert_null(b.ptr);
    sam_strbuf_free(&b); /* twice is harmless */
}

Test(strbuf, empty_take_gives_empty_string)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    size_t len = 5;
    char *s;

    sam_strbuf_append(&b, "x", 0);
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    s = sam_strbuf_take(&b, &len);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, "");
    cr_assert_eq(len, 0);
    free(s);
}

Test(strbuf, hard_limit_is_sticky)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    size_t len = 5;

    b.limit = 10;
    sam_strbuf_append(&b, "12345678", 8);
    sam_strbuf_append(&b, "90", 2); /* exactly the limit: fine */
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    cr_assert_str_eq(b.ptr, "1234567890");
    sam_strbuf_append(&b, "x", 1);
    cr_assert_eq(sam_strbuf_finish(&b), SAM_E_LIMIT);
    cr_assert_str_eq(sam_error_message(), "output longer than 10 bytes");
    /* sticky: later appends that would fit are ignored too */
    b.limit = 100;
    sam_strbuf_puts(&b, "y");
    sam_strbuf_printf(&b, "%s", "z");
    cr_assert_eq(sam_strbuf_finish(&b), SAM_E_LIMIT);
    cr_assert_eq(b.len, 10);
    /* a failed buffer is never handed out */
    cr_assert_null(sam_strbuf_take(&b, &len));
    cr_assert_eq(len, 0);
    cr_assert_null(b.ptr);
}

Test(strbuf, printf_over_limit)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;

    b.limit = 20;
    sam_strbuf_printf(&b, "%030d", 1);
    cr_assert_eq(sam_strbuf_finish(&b), SAM_E_LIMIT);
    cr_assert_eq(b.len, 0);
    sam_strbuf_free(&b);
}

static void assert_json_string(const char *in, size_t len, const char *expected)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;

    sam_strbuf_json_string(&b, in, len);
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    cr_assert_str_eq(b.ptr, expected);
    sam_strbuf_free(&b);
}

Test(strbuf, json_string_escaping)
{
    assert_json_string("", 0, "\"\"");
    assert_json_string("plain / text", 12, "\"plain / text\"");
    assert_json_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    assert_json_string("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    assert_json_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
    assert_json_string("a\0b", 3, "\"a\\u0000b\"");
    /* UTF-8 passes through */
    assert_json_string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
                       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* invalid UTF-8 never reaches the output: each bad byte becomes U+FFFD */
    assert_json_string("a\xff"
                       "b",
                       3, "\"a\\ufffdb\"");
    assert_json_string("\xc0\x80", 2, "\"\\ufffd\\ufffd\"");
    assert_json_string("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    assert_json_string("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
    /* only len bytes are read */
    assert_json_string("abcdef", 3, "\"abc\"");
}

/* One escaping rule: the canonical writer's strings equal sam_strbuf_json_string's. */
Test(strbuf, json_string_matches_canonical_writer)
{
    char raw[128];
    size_t n = 0;
    sam_strbuf_t direct = SAM_STRBUF_INIT, doc = SAM_STRBUF_INIT, canon = SAM_STRBUF_INIT;
    sam_json_t *v = NULL;

    for (int c = 1; c < 128; c++)
        raw[n++] = (char)c;
    sam_strbuf_json_string(&direct, raw, n);
    cr_assert_eq(sam_strbuf_finish(&direct), SAM_OK);
    /* through the parser and the canonical writer */
    sam_strbuf_puts(&doc, "[");
    sam_strbuf_append(&doc, direct.ptr, direct.len);
    sam_strbuf_puts(&doc, "]");
    cr_assert_eq(sam_json_parse(doc.ptr, doc.len, NULL, &v), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(v->u.arr.items[0]->u.str.len, n);
    cr_assert_eq(memcmp(v->u.arr.items[0]->u.str.ptr, raw, n), 0);
    sam_json_write_canonical(&canon, v);
    cr_assert_eq(sam_strbuf_finish(&canon), SAM_OK);
    cr_assert_str_eq(canon.ptr, doc.ptr);
    sam_json_free(v);
    sam_strbuf_free(&direct);
    sam_strbuf_free(&doc);
    sam_strbuf_free(&canon);
}

Test(strbuf, json_base64)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;

    sam_strbuf_puts(&b, "{\"v\":");
    sam_strbuf_json_base64(&b, (const uint8_t *)"foobar", 6);
    sam_strbuf_puts(&b, ",\"e\":");
    sam_strbuf_json_base64(&b, (const uint8_t *)"", 0);
    sam_strbuf_puts(&b, ",\"f\":");
    sam_strbuf_json_base64(&b, (const uint8_t *)"f", 1);
    sam_strbuf_puts(&b, "}");
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    cr_assert_str_eq(b.ptr, "{\"v\":\"Zm9vYmFy\",\"e\":\"\",\"f\":\"Zg==\"}");
    cr_assert_eq(b.len, strlen(b.ptr));
    sam_strbuf_free(&b);

    b.limit = 8;
    sam_strbuf_json_base64(&b, (const uint8_t *)"foobar", 6); /* 10 bytes with quotes */
    cr_assert_eq(sam_strbuf_finish(&b), SAM_E_LIMIT);
    sam_strbuf_free(&b);
}
