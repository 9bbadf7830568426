/* server_bench: SADs, request bodies, checking a response; see sb_sad.h. */
#include "sb_sad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "sam/base64.h"
#include "sam/json.h"
#include "sam/strbuf.h"

EVP_PKEY *sb_load_key(const char *pem_path)
{
    FILE *f = fopen(pem_path, "r");
    if (f == NULL) {
        fprintf(stderr, "server_bench: cannot open %s\n", pem_path);
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || EVP_PKEY_get_bits(k) != 256) {
        fprintf(stderr, "server_bench: %s is not a P-256 private key\n", pem_path);
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static void append_b64url(sam_strbuf_t *b, const uint8_t *data, size_t len)
{
    char tmp[4096];
    if (sam_base64_encoded_size(len) > sizeof(tmp)) {
        b->failed = 1;
        return;
    }
    sam_base64url_encode(data, len, tmp);
    sam_strbuf_puts(b, tmp);
}

/* JOSE ES256 signature (r || s, 32 bytes each) over input. */
static int es256(EVP_PKEY *key, const char *input, size_t len, uint8_t out[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t der_len = sizeof(der);
    ECDSA_SIG *sig = NULL;
    int ok = md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, der, &der_len, (const uint8_t *)input, len) == 1;
    if (ok) {
        const uint8_t *p = der;
        sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        const BIGNUM *r = NULL, *s = NULL;
        if (sig != NULL)
            ECDSA_SIG_get0(sig, &r, &s);
        ok = sig != NULL && BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    }
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

char *sb_mint_sad(const sb_sad_ctx_t *c, const char *jti, const uint8_t *hashes, size_t n)
{
    static const char header[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
    sam_strbuf_t claims = SAM_STRBUF_INIT, jws = SAM_STRBUF_INIT;
    long now = (long)time(NULL);
    uint8_t sig[64];
    char *out = NULL;

    sam_strbuf_puts(&claims, "{\"iss\":");
    sam_strbuf_json_string(&claims, c->iss, strlen(c->iss));
    sam_strbuf_puts(&claims, ",\"aud\":");
    sam_strbuf_json_string(&claims, c->aud, strlen(c->aud));
    sam_strbuf_puts(&claims, ",\"sub\":");
    sam_strbuf_json_string(&claims, c->sub, strlen(c->sub));
    sam_strbuf_puts(&claims, ",\"key_id\":");
    sam_strbuf_json_string(&claims, c->key_id, strlen(c->key_id));
    sam_strbuf_printf(&claims, ",\"purpose\":\"signature\",\"iat\":%ld,\"exp\":%ld,\"jti\":", now,
                      now + c->lifetime);
    sam_strbuf_json_string(&claims, jti, strlen(jti));
    sam_strbuf_puts(&claims, ",\"hashes\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sam_strbuf_puts(&claims, ",");
        sam_strbuf_json_base64(&claims, hashes + i * SB_HASH_LEN, SB_HASH_LEN);
    }
    sam_strbuf_puts(&claims, "]}");
    if (sam_strbuf_finish(&claims) != 0)
        goto out;

    append_b64url(&jws, (const uint8_t *)header, sizeof(header) - 1);
    sam_strbuf_puts(&jws, ".");
    append_b64url(&jws, (const uint8_t *)claims.ptr, claims.len);
    if (sam_strbuf_finish(&jws) != 0 || es256(c->as_key, jws.ptr, jws.len, sig) != 0)
        goto out;
    sam_strbuf_puts(&jws, ".");
    append_b64url(&jws, sig, sizeof(sig));
    if (sam_strbuf_finish(&jws) == 0)
        out = sam_strbuf_take(&jws, NULL);
out:
    if (out == NULL)
        fprintf(stderr, "server_bench: cannot mint a SAD\n");
    sam_strbuf_free(&claims);
    sam_strbuf_free(&jws);
    return out;
}

char *sb_sign_body(const char *alg, const char *kp_json, const char *signer,
                   const uint8_t *hashes, size_t n, size_t *len)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_strbuf_printf(&b, "{\"signature_algorithm\":\"%s\",\"requests\":[", alg);
    for (size_t i = 0; i < n; i++) {
        sam_strbuf_puts(&b, i == 0 ? "{\"dtbs\":" : ",{\"dtbs\":");
        sam_strbuf_json_base64(&b, hashes + i * SB_HASH_LEN, SB_HASH_LEN);
        sam_strbuf_puts(&b, "}");
    }
    sam_strbuf_printf(&b, "],\"key_pair\":%s,\"signer\":{\"id\":", kp_json);
    sam_strbuf_json_string(&b, signer, strlen(signer));
    sam_strbuf_puts(&b, "}}");
    if (sam_strbuf_finish(&b) != 0) {
        fprintf(stderr, "server_bench: cannot build a request body\n");
        sam_strbuf_free(&b);
        return NULL;
    }
    return sam_strbuf_take(&b, len);
}

static EVP_PKEY *kp_public_key(const char *kp_json)
{
    sam_json_t *v = NULL;
    EVP_PKEY *k = NULL;
    uint8_t *der = NULL;
    size_t der_len = 0;

    if (sam_json_parse(kp_json, strlen(kp_json), &sam_json_default_limits, &v) != 0)
        return NULL;
    const sam_json_t *pk = sam_json_get(v, "public_key");
    if (pk != NULL && pk->type == SAM_JSON_STRING &&
        sam_base64_decode_alloc(pk->u.str.ptr, pk->u.str.len, &der, &der_len) == 0) {
        const uint8_t *p = der;
        k = d2i_PUBKEY(NULL, &p, (long)der_len);
    }
    free(der);
    sam_json_free(v);
    return k;
}

bool sb_verify_response(const char *kp_json, const char *alg, const char *body, size_t body_len,
                        const uint8_t *hash, size_t n)
{
    sam_json_t *v = NULL;
    EVP_PKEY *pub = kp_public_key(kp_json);
    EVP_PKEY_CTX *c = NULL;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    bool ok = false;

    if (pub == NULL || sam_json_parse(body, body_len, &sam_json_default_limits, &v) != 0)
        goto out;
    const sam_json_t *arr = sam_json_get(v, "signatures");
    if (arr == NULL || arr->type != SAM_JSON_ARRAY || arr->u.arr.count != n)
        goto out;
    const sam_json_t *s = sam_json_get(arr->u.arr.items[0], "signature");
    if (s == NULL || s->type != SAM_JSON_STRING ||
        sam_base64_decode_alloc(s->u.str.ptr, s->u.str.len, &sig, &sig_len) != 0)
        goto out;
    c = EVP_PKEY_CTX_new(pub, NULL);
    if (c == NULL || EVP_PKEY_verify_init(c) != 1 ||
        EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1)
        goto out;
    if (strcmp(alg, "RS256") == 0 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1)
        goto out;
    ok = EVP_PKEY_verify(c, sig, sig_len, hash, SB_HASH_LEN) == 1;
out:
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pub);
    free(sig);
    sam_json_free(v);
    return ok;
}
