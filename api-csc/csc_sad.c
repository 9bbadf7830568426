/*
 * The SADs of credentials/authorize and credentials/extendTransaction: JWS
 * (ES256) signed by the module-held CSC key, issuer "opensam-csc:<sam_id>",
 * checked by signatures/signHash through the core's one SAD-gated signing
 * path with that issuer as the only trusted one (docs/api-csc.md, "SAD").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "csc_internal.h"
#include "sam/base64.h"
#include "sam/log.h"

#define ISSUER_PREFIX "opensam-csc:"

/* The module's CSC public key, read once (the module key never changes while samd runs). */
static pthread_mutex_t spki_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t spki_buf[SAM_MAX_SPKI_LEN];
static size_t spki_len;

int csc_sad_issuer(sam_service_t *svc, char issuer[CSC_ISSUER_MAX], sam_issuer_key_t *key)
{
    int rc = SAM_OK, n;

    n = snprintf(issuer, CSC_ISSUER_MAX, ISSUER_PREFIX "%s", sam_service_sam_id(svc));
    if (n < 0 || n >= CSC_ISSUER_MAX)
        return sam_error_set(SAM_E_INTERNAL, "sam_id too long for the CSC issuer id");
    if (pthread_mutex_lock(&spki_lock) != 0)
        return sam_error_set(SAM_E_INTERNAL, "CSC key lock failed");
    if (spki_len == 0) {
        sam_outbuf_t out = {spki_buf, sizeof(spki_buf), 0};
        rc = sam_module_public_key(sam_service_module(svc), SAM_MODULE_KEY_CSC, &out);
        if (rc == SAM_OK && (out.len == 0 || out.len > sizeof(spki_buf)))
            rc = sam_error_set(SAM_E_INTERNAL, "CSC public key of impossible length");
        if (rc == SAM_OK)
            spki_len = out.len;
    }
    (void)pthread_mutex_unlock(&spki_lock);
    if (rc != SAM_OK)
        return rc;
    *key = (sam_issuer_key_t){issuer, NULL, spki_buf, spki_len};
    return SAM_OK;
}

void csc_sad_policy(sam_service_t *svc, const char **levels, sam_sad_policy_t *p)
{
    const sam_static_config_t *sc = sam_service_static(svc);

    for (size_t i = 0; i < sc->sad.loa_level_count; i++)
        levels[i] = sc->sad.loa_levels[i];
    levels[sc->sad.loa_level_count] = NULL;
    *p = (sam_sad_policy_t){
        .sam_id = sam_service_sam_id(svc),
        .now = (int64_t)time(NULL),
        .max_lifetime = sc->sad.max_lifetime_seconds,
        .clock_skew = sc->sad.clock_skew_seconds,
        .min_loa = sc->sad.min_loa,
        .loa_levels = sc->sad.loa_level_count > 0 ? levels : NULL,
    };
}

/* Our own SADs: native claims; hashless ones are those of SCAL 1 credentials (csc_sad_verify
 * checks a SAD for extendTransaction whatever its credential; signHash narrows this). */
static const sam_sad_issuer_rules_t csc_own_rules = {SAM_SAD_PROFILE_NATIVE, true, NULL, NULL, 0};

int csc_sad_verify(sam_service_t *svc, const char *sad, size_t sad_len, const char *user_id,
                   const char *key_id, sam_sad_t **out)
{
    const sam_static_config_t *sc = sam_service_static(svc);
    char issuer[CSC_ISSUER_MAX];
    sam_issuer_key_t key;
    sam_sad_policy_t policy;
    const char **levels = NULL;
    int rc;

    *out = NULL;
    if ((rc = csc_sad_issuer(svc, issuer, &key)) != SAM_OK)
        return rc;
    if ((levels = calloc(sc->sad.loa_level_count + 1, sizeof(*levels))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    csc_sad_policy(svc, levels, &policy);
    policy.issuer_rules = &csc_own_rules;
    sam_sad_expect_t expect = {SAM_SAD_PURPOSE_SIGNATURE, user_id, key_id, NULL, 0};
    rc = sam_sad_check(sam_service_verifier(svc), sad, sad_len, &key, 1, &policy, &expect, out);
    free(levels);
    return rc;
}

int csc_sad_trust_open(sam_service_t *svc, const sam_store_credential_t *c, csc_sad_trust_t *t)
{
    const sam_csc_oauth2_t *oa;
    int rc;

    memset(t, 0, sizeof(*t));
    /* SCAL 2 binds every signature to its hash: no hashless SAD, whoever issued it. */
    bool scal1 = strcmp(c->scal, "1") == 0;
    if (strcmp(c->auth_mode, "oauth2code") != 0) {
        if ((rc = csc_sad_issuer(svc, t->issuer, &t->keys[0])) != SAM_OK)
            return rc;
        t->rules[0] = csc_own_rules;
        t->rules[0].hashless_ok = scal1;
        t->n = 1;
        return SAM_OK;
    }
    /* oauth2code: only the external server's credential tokens, for this credential. */
    t->snap = sam_service_dynamic_acquire(svc);
    oa = t->snap != NULL ? sam_dynamic_snapshot_config(t->snap)->csc_oauth2 : NULL;
    if (oa == NULL)
        return SAM_OK; /* n == 0: no SAD can be valid */
    for (size_t i = 0; i < oa->key_count && i < SAM_CONFIG_MAX_OAUTH2_KEYS; i++) {
        t->keys[i] = (sam_issuer_key_t){oa->issuer, oa->keys[i].kid, oa->keys[i].key.spki,
                                        oa->keys[i].key.spki_len};
        t->rules[i] = (sam_sad_issuer_rules_t){SAM_SAD_PROFILE_CSC_OAUTH2, scal1, c->id,
                                               oa->audience, oa->algorithms};
        t->n = i + 1;
    }
    return SAM_OK;
}

void csc_sad_trust_close(sam_service_t *svc, csc_sad_trust_t *t)
{
    if (t->snap != NULL)
        sam_service_dynamic_release(svc, t->snap);
    t->snap = NULL;
    t->n = 0;
}

/* DER ECDSA-Sig-Value to JOSE r || s, 32 bytes each. */
static int der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    const BIGNUM *r = NULL, *s = NULL;
    int ok;

    if (sig == NULL)
        return sam_error_set(SAM_E_INTERNAL, "CSC key: not an ECDSA signature");
    ECDSA_SIG_get0(sig, &r, &s);
    ok = p == der + len && BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok ? SAM_OK : sam_error_set(SAM_E_INTERNAL, "CSC key: not a P-256 signature");
}

int csc_sad_issue(sam_service_t *svc, const csc_sad_claims_t *c, sam_strbuf_t *out)
{
    static const char header[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
    const sam_static_config_t *sc = sam_service_static(svc);
    sam_strbuf_t claims = SAM_STRBUF_INIT, jws = SAM_STRBUF_INIT;
    sam_sig_params_t params = {SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    uint8_t digest[32], der[SAM_MAX_SIGNATURE_LEN], raw[64];
    sam_outbuf_t so = {der, sizeof(der), 0};
    char issuer[CSC_ISSUER_MAX], *enc = NULL;
    unsigned dlen = 0;
    int rc;

    /* No hashes: a SCAL 1 SAD, count only (1..SAM_SAD_MAX_HASHES signatures). */
    if (c->n_hashes > SAM_SAD_MAX_HASHES || c->num_signatures == 0 ||
        c->num_signatures > (c->n_hashes > 0 ? c->n_hashes : SAM_SAD_MAX_HASHES))
        return sam_error_set(SAM_E_INVALID_ARG,
                             "CSC SAD: 0 to %d hashes, num_signatures 1 to their number (or to "
                             "%d without hashes)",
                             SAM_SAD_MAX_HASHES, SAM_SAD_MAX_HASHES);
    int n = snprintf(issuer, sizeof(issuer), ISSUER_PREFIX "%s", sam_service_sam_id(svc));
    if (n < 0 || (size_t)n >= sizeof(issuer))
        return sam_error_set(SAM_E_INTERNAL, "sam_id too long for the CSC issuer id");
    sam_strbuf_puts(&claims, "{\"iss\":");
    sam_strbuf_json_string(&claims, issuer, strlen(issuer));
    sam_strbuf_puts(&claims, ",\"aud\":");
    sam_strbuf_json_string(&claims, sam_service_sam_id(svc), strlen(sam_service_sam_id(svc)));
    sam_strbuf_puts(&claims, ",\"sub\":");
    sam_strbuf_json_string(&claims, c->user_id, strlen(c->user_id));
    sam_strbuf_puts(&claims, ",\"key_id\":");
    sam_strbuf_json_string(&claims, c->key_id, strlen(c->key_id));
    sam_strbuf_puts(&claims, ",\"purpose\":\"signature\"");
    if (c->n_hashes > 0)
        sam_strbuf_puts(&claims, ",\"hashes\":[");
    for (size_t i = 0; i < c->n_hashes; i++) {
        char b64[(64 / 3 + 2) * 4 + 1];
        if (c->hashes[i].len != 32 && c->hashes[i].len != 48 && c->hashes[i].len != 64) {
            rc = sam_error_set(SAM_E_INVALID_ARG, "CSC SAD: hash of %zu bytes", c->hashes[i].len);
            goto out;
        }
        sam_base64_encode(c->hashes[i].ptr, c->hashes[i].len, b64);
        sam_strbuf_printf(&claims, "%s\"%s\"", i > 0 ? "," : "", b64);
    }
    if (c->n_hashes > 0)
        sam_strbuf_puts(&claims, "]");
    sam_strbuf_printf(&claims, ",\"num_signatures\":%u,\"iat\":%lld,\"exp\":%lld,\"jti\":\"%s\"",
                      c->num_signatures, (long long)c->iat, (long long)c->exp, c->jti);
    /* The user's PIN or the implicit mode is this server's own authentication:
     * it meets the minimum level the static configuration asks for. */
    if (sc->sad.min_loa != NULL) {
        sam_strbuf_puts(&claims, ",\"loa\":");
        sam_strbuf_json_string(&claims, sc->sad.min_loa, strlen(sc->sad.min_loa));
    }
    sam_strbuf_puts(&claims, "}");
    if ((rc = sam_strbuf_finish(&claims)) != SAM_OK)
        goto out;
    if (claims.len > SAM_SAD_MAX_PAYLOAD) {
        rc = sam_error_set(SAM_E_LIMIT, "CSC SAD: too many hashes for one SAD");
        goto out;
    }
    char hb64[(sizeof(header) / 3 + 2) * 4 + 1];
    sam_base64url_encode((const uint8_t *)header, sizeof(header) - 1, hb64);
    if ((enc = malloc(sam_base64_encoded_size(claims.len))) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    sam_base64url_encode((const uint8_t *)claims.ptr, claims.len, enc);
    sam_strbuf_printf(&jws, "%s.%s", hb64, enc);
    if ((rc = sam_strbuf_finish(&jws)) != SAM_OK)
        goto out;
    if (EVP_Digest(jws.ptr, jws.len, digest, &dlen, EVP_sha256(), NULL) != 1) {
        rc = sam_error_set(SAM_E_INTERNAL, "SHA-256 failed");
        goto out;
    }
    if ((rc = sam_module_sign_with_key(sam_service_module(svc), SAM_MODULE_KEY_CSC, &params,
                                       (sam_bytes_t){digest, sizeof(digest)}, &so)) != SAM_OK) {
        sam_error_prefix("signing a CSC SAD");
        goto out;
    }
    if ((rc = der_to_raw(der, so.len, raw)) != SAM_OK)
        goto out;
    char sb64[(64 / 3 + 2) * 4 + 1];
    sam_base64url_encode(raw, sizeof(raw), sb64);
    sam_strbuf_printf(&jws, ".%s", sb64);
    if ((rc = sam_strbuf_finish(&jws)) != SAM_OK)
        goto out;
    if (jws.len > SAM_SAD_MAX_BYTES) {
        rc = sam_error_set(SAM_E_LIMIT, "CSC SAD: too many hashes for one SAD");
        goto out;
    }
    sam_strbuf_append(out, jws.ptr, jws.len);
    rc = sam_strbuf_finish(out);
out:
    free(enc);
    sam_strbuf_free(&claims);
    sam_strbuf_free(&jws);
    return rc;
}

int csc_new_jti(char out[CSC_JTI_LEN + 1])
{
    uint8_t raw[CSC_JTI_LEN / 2];

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return sam_error_set(SAM_E_INTERNAL, "no random bytes for a SAD id");
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return SAM_OK;
}
