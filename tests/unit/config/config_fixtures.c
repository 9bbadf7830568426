#define _GNU_SOURCE /* asprintf */
#include "config_fixtures.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam/base64.h"
#include "sam/strbuf.h"

typedef struct {
    EVP_PKEY *pkey;
    char *b64;
    char *pem_json;
    unsigned char sha256[32];
} fx_entry_t;

static fx_entry_t keys[FX_KEY_COUNT];

static EVP_PKEY *generate(fx_key k)
{
    switch (k) {
    case FX_EC256_A:
    case FX_EC256_B:
    case FX_EC256_C:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case FX_EC384:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    case FX_RSA2048:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case FX_RSA1024:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    case FX_ED25519:
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    default:
        return NULL;
    }
}

static fx_entry_t *entry(fx_key k)
{
    size_t idx = (size_t)k;
    if (idx >= FX_KEY_COUNT)
        abort(); /* a defect in the test itself */
    fx_entry_t *e = &keys[idx];
    if (e->pkey != NULL)
        return e;
    e->pkey = generate(k);
    cr_assert_not_null(e->pkey, "key generation failed");
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(e->pkey, &der);
    cr_assert_gt(n, 0);
    e->b64 = sam_base64_encode_alloc(der, (size_t)n);
    cr_assert_not_null(e->b64);
    unsigned int hlen = 0;
    cr_assert_eq(EVP_Digest(der, (size_t)n, e->sha256, &hlen, EVP_sha256(), NULL), 1);
    OPENSSL_free(der);

    BIO *bio = BIO_new(BIO_s_mem());
    cr_assert_eq(PEM_write_bio_PUBKEY(bio, e->pkey), 1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    sam_strbuf_t b = SAM_STRBUF_INIT;
    for (long i = 0; i < len; i++) {
        if (pem[i] == '\n')
            sam_strbuf_puts(&b, "\\n");
        else
            sam_strbuf_append(&b, &pem[i], 1);
    }
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    e->pem_json = sam_strbuf_take(&b, NULL);
    BIO_free(bio);
    return e;
}

const char *fx_key_b64(fx_key k)
{
    return entry(k)->b64;
}

const char *fx_key_pem_json(fx_key k)
{
    return entry(k)->pem_json;
}

const unsigned char *fx_key_sha256(fx_key k)
{
    return entry(k)->sha256;
}

static const struct {
    const char *token;
    fx_key key;
    int pem;
} tokens[] = {
    {"@A@", FX_EC256_A, 0},  {"@B@", FX_EC256_B, 0},     {"@C@", FX_EC256_C, 0},
    {"@P384@", FX_EC384, 0}, {"@RSA@", FX_RSA2048, 0},   {"@RSA1024@", FX_RSA1024, 0},
    {"@ED@", FX_ED25519, 0}, {"@PEM_A@", FX_EC256_A, 1},
};

char *fx_expand(const char *tmpl)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    const char *p = tmpl;
    while (*p != '\0') {
        size_t i, n = sizeof(tokens) / sizeof(tokens[0]);
        for (i = 0; i < n; i++) {
            size_t tlen = strlen(tokens[i].token);
            if (strncmp(p, tokens[i].token, tlen) == 0) {
                sam_strbuf_puts(&b, tokens[i].pem ? fx_key_pem_json(tokens[i].key)
                                                  : fx_key_b64(tokens[i].key));
                p += tlen;
                break;
            }
        }
        if (i == n)
            sam_strbuf_append(&b, p++, 1);
    }
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    char *s = sam_strbuf_take(&b, NULL);
    cr_assert_not_null(s);
    return s;
}

void fx_assert_contains(const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    for (const char *needle = va_arg(ap, const char *); needle != NULL;
         needle = va_arg(ap, const char *))
        cr_assert_not_null(strstr(msg, needle), "message \"%s\" lacks \"%s\"", msg, needle);
    va_end(ap);
}

char *fx_temp_file(const char *text)
{
    const char *tmp = getenv("TMPDIR");
    char *path = NULL;
    cr_assert_gt(asprintf(&path, "%s/opensam-config-XXXXXX", tmp != NULL ? tmp : "/tmp"), 0);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    size_t len = strlen(text);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    cr_assert_eq(close(fd), 0);
    return path;
}
