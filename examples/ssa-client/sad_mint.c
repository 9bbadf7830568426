/*
 * SAD minting for an authorization server: see sad_mint.h. OpenSSL 3 and
 * libc only, no allocation of the SAD itself (the caller's buffer), every
 * length bounded.
 */
#include "sad_mint.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef enum { ALG_EC, ALG_RSA_PKCS1, ALG_RSA_PSS } alg_kind;

typedef struct st_sad_alg_t {
    const char *name;
    alg_kind kind;
    const EVP_MD *(*md)(void);
    int curve_nid;    /* ECDSA: the curve the key must be on */
    size_t coord_len; /* ECDSA: bytes of r and of s in the JOSE form */
} sad_alg_t;

static const sad_alg_t sad_algs[] = {
    {"ES256", ALG_EC, EVP_sha256, NID_X9_62_prime256v1, 32},
    {"ES384", ALG_EC, EVP_sha384, NID_secp384r1, 48},
    {"ES512", ALG_EC, EVP_sha512, NID_secp521r1, 66},
    {"RS256", ALG_RSA_PKCS1, EVP_sha256, NID_undef, 0},
    {"RS384", ALG_RSA_PKCS1, EVP_sha384, NID_undef, 0},
    {"RS512", ALG_RSA_PKCS1, EVP_sha512, NID_undef, 0},
    {"PS256", ALG_RSA_PSS, EVP_sha256, NID_undef, 0},
    {"PS384", ALG_RSA_PSS, EVP_sha384, NID_undef, 0},
    {"PS512", ALG_RSA_PSS, EVP_sha512, NID_undef, 0},
};

/* RSA up to 16384 bits; ECDSA DER is far shorter. */
#define SAD_MAX_SIG 2048

/* A bounded text under construction; `overflow` is sticky. */
typedef struct st_sad_text_t {
    char *p;
    size_t len;
    size_t cap;
    int overflow;
} sad_text_t;

static void put(sad_text_t *t, const char *s, size_t n)
{
    if (t->overflow || t->cap == 0 || n >= t->cap - t->len) {
        t->overflow = 1;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void put_str(sad_text_t *t, const char *s)
{
    put(t, s, strlen(s));
}

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void put_json_string(sad_text_t *t, const char *s)
{
    char esc[8];

    put(t, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(t, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(t, esc, 6);
        } else {
            put(t, (const char *)&c, 1);
        }
    }
    put(t, "\"", 1);
}

static void put_long(sad_text_t *t, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", v);
    if (n < 0 || (size_t)n >= sizeof(num)) {
        t->overflow = 1;
        return;
    }
    put(t, num, (size_t)n);
}

/* base64url without padding (RFC 7515 §2), in chunks of 48 input bytes. */
static void put_b64url(sad_text_t *t, const uint8_t *in, size_t len)
{
    unsigned char chunk[65];

    for (size_t off = 0; off < len;) {
        size_t n = len - off < 48 ? len - off : 48;
        int m = EVP_EncodeBlock(chunk, in + off, (int)n);
        if (m < 0) {
            t->overflow = 1;
            return;
        }
        while (m > 0 && chunk[m - 1] == '=')
            m--;
        for (int i = 0; i < m; i++) {
            if (chunk[i] == '+')
                chunk[i] = '-';
            else if (chunk[i] == '/')
                chunk[i] = '_';
        }
        put(t, (const char *)chunk, (size_t)m);
        off += n;
    }
}

static const sad_alg_t *find_alg(const char *name)
{
    for (size_t i = 0; i < sizeof(sad_algs) / sizeof(sad_algs[0]); i++)
        if (strcmp(sad_algs[i].name, name) == 0)
            return &sad_algs[i];
    return NULL;
}

/* The key must be of the algorithm's type (and curve), as the SAM checks it too. */
static int key_fits(EVP_PKEY *key, const sad_alg_t *a)
{
    if (a->kind == ALG_EC) {
        char group[64];
        size_t glen = 0;
        if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
            EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1)
            return 0;
        return OBJ_sn2nid(group) == a->curve_nid;
    }
    return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048;
}

/* JOSE wants ECDSA signatures as r || s, each left-padded to the curve size. */
static int ecdsa_der_to_jose(const uint8_t *der, size_t der_len, size_t coord, uint8_t *raw)
{
    int rc = SAD_E_CRYPTO;
    const unsigned char *p = der;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);

    if (sig == NULL || p != der + der_len)
        goto out;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2binpad(r, raw, (int)coord) != (int)coord ||
        BN_bn2binpad(s, raw + coord, (int)coord) != (int)coord)
        goto out;
    rc = SAD_OK;
out:
    ECDSA_SIG_free(sig);
    return rc;
}

/* Sign in[0..len) with the JWS algorithm a; sig has SAD_MAX_SIG bytes. */
static int jws_sign(EVP_PKEY *key, const sad_alg_t *a, const char *in, size_t len, uint8_t *sig,
                    size_t *sig_len)
{
    int rc = SAD_E_CRYPTO;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t der[SAD_MAX_SIG];
    size_t n = 0;

    if (mctx == NULL || EVP_PKEY_get_size(key) <= 0 || EVP_PKEY_get_size(key) > SAD_MAX_SIG ||
        EVP_DigestSignInit(mctx, &pctx, a->md(), NULL, key) != 1)
        goto out;
    if (a->kind == ALG_RSA_PSS &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
        goto out;
    n = sizeof(der);
    if (EVP_DigestSign(mctx, der, &n, (const unsigned char *)in, len) != 1)
        goto out;
    if (a->kind == ALG_EC) {
        if ((rc = ecdsa_der_to_jose(der, n, a->coord_len, sig)) != SAD_OK)
            goto out;
        *sig_len = 2 * a->coord_len;
    } else {
        memcpy(sig, der, n);
        *sig_len = n;
    }
    rc = SAD_OK;
out:
    EVP_MD_CTX_free(mctx);
    return rc;
}

static int claims_ok(const sad_claims_t *c)
{
    const char *strings[] = {c->issuer, c->audience, c->subject, c->key_id, c->purpose};

    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i] == NULL || strings[i][0] == '\0' ||
            strnlen(strings[i], SAD_MAX_CLAIM + 1) > SAD_MAX_CLAIM)
            return 0;
    if (c->loa != NULL && strnlen(c->loa, SAD_MAX_CLAIM + 1) > SAD_MAX_CLAIM)
        return 0;
    if (c->lifetime_seconds < 1 || c->lifetime_seconds > 86400)
        return 0;
    if (c->n_hashes > 0 &&
        (c->hashes == NULL || (c->hash_len != 32 && c->hash_len != 48 && c->hash_len != 64)))
        return 0;
    /* A signature SAD that authorizes no hash authorizes nothing. */
    return strcmp(c->purpose, "signature") != 0 || c->n_hashes > 0;
}

static void put_claims(sad_text_t *t, const sad_claims_t *c, long long now, const char *jti)
{
    put_str(t, "{\"iss\":");
    put_json_string(t, c->issuer);
    put_str(t, ",\"aud\":");
    put_json_string(t, c->audience);
    put_str(t, ",\"sub\":");
    put_json_string(t, c->subject);
    put_str(t, ",\"key_id\":");
    put_json_string(t, c->key_id);
    put_str(t, ",\"purpose\":");
    put_json_string(t, c->purpose);
    if (c->n_hashes > 0) {
        put_str(t, ",\"hashes\":[");
        for (size_t i = 0; i < c->n_hashes; i++) {
            uint8_t b64[4 * ((64 + 2) / 3) + 1];
            int m = EVP_EncodeBlock(b64, c->hashes + i * c->hash_len, (int)c->hash_len);
            if (m < 0) {
                t->overflow = 1;
                return;
            }
            put_str(t, i > 0 ? ",\"" : "\"");
            put(t, (const char *)b64, (size_t)m); /* standard base64, as the SAM compares bytes */
            put_str(t, "\"");
        }
        put_str(t, "]");
    }
    if (c->num_signatures > 0) {
        put_str(t, ",\"num_signatures\":");
        put_long(t, c->num_signatures);
    }
    if (c->loa != NULL) {
        put_str(t, ",\"loa\":");
        put_json_string(t, c->loa);
    }
    put_str(t, ",\"iat\":");
    put_long(t, now);
    put_str(t, ",\"exp\":");
    put_long(t, now + c->lifetime_seconds);
    put_str(t, ",\"jti\":");
    put_json_string(t, jti);
    put_str(t, "}");
}

int sad_load_private_key(const char *pem_path, EVP_PKEY **out)
{
    FILE *f = fopen(pem_path, "r");

    *out = NULL;
    if (f == NULL)
        return SAD_E_CRYPTO;
    *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return *out != NULL ? SAD_OK : SAD_E_CRYPTO;
}

int sad_mint(EVP_PKEY *key, const char *alg, const sad_claims_t *claims, char *out, size_t cap,
             char jti[SAD_JTI_SIZE])
{
    int rc = SAD_E_ARG;
    const sad_alg_t *a;
    uint8_t jti_raw[16], sig[SAD_MAX_SIG];
    size_t sig_len = 0;
    char claims_json[SAD_MAX_BYTES], header[64];
    int hn;
    sad_text_t cl = {claims_json, 0, sizeof(claims_json), 0};
    sad_text_t jt = {jti, 0, SAD_JTI_SIZE, 0};
    sad_text_t jws = {out, 0, cap, 0};
    time_t now = time(NULL);

    if (out == NULL || cap == 0 || jti == NULL)
        return SAD_E_ARG;
    out[0] = '\0';
    jti[0] = '\0';
    if (key == NULL || alg == NULL || claims == NULL || !claims_ok(claims))
        goto out;
    rc = SAD_E_ALG;
    if ((a = find_alg(alg)) == NULL || !key_fits(key, a))
        goto out;
    rc = SAD_E_CRYPTO;
    if (now == (time_t)-1 || RAND_bytes(jti_raw, sizeof(jti_raw)) != 1)
        goto out;
    put_b64url(&jt, jti_raw, sizeof(jti_raw));

    put_claims(&cl, claims, (long long)now, jti);
    rc = SAD_E_SPACE;
    if (cl.overflow || jt.overflow)
        goto out;

    /* The signing input is BASE64URL(header) "." BASE64URL(claims) (RFC 7515 §5.1). */
    hn = snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", a->name);
    if (hn < 0 || (size_t)hn >= sizeof(header))
        goto out;
    put_b64url(&jws, (const uint8_t *)header, (size_t)hn);
    put_str(&jws, ".");
    put_b64url(&jws, (const uint8_t *)cl.p, cl.len);
    if (jws.overflow)
        goto out;
    if ((rc = jws_sign(key, a, jws.p, jws.len, sig, &sig_len)) != SAD_OK)
        goto out;
    put_str(&jws, ".");
    put_b64url(&jws, sig, sig_len);
    rc = jws.overflow ? SAD_E_SPACE : SAD_OK;
out:
    if (rc != SAD_OK) {
        out[0] = '\0';
        jti[0] = '\0';
    }
    return rc;
}

const char *sad_strerror(int rc)
{
    switch (rc) {
    case SAD_OK:
        return "success";
    case SAD_E_ARG:
        return "a claim is missing, empty or too long, or a hash has the wrong length";
    case SAD_E_ALG:
        return "unknown JWS algorithm, or it does not fit the key";
    case SAD_E_CRYPTO:
        return "OpenSSL failed (key, random numbers or signature)";
    case SAD_E_SPACE:
        return "the SAD does not fit in the buffer";
    default:
        return "unknown error";
    }
}
