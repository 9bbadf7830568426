/*
 * sam_verifier_jws.so: verifies a SAD in JWS compact serialization
 * (RFC 7515 §7.1) against the public keys of the authorization servers the
 * calling SSA trusts. Claims are the core's business (sad.c); this only says
 * which key signed the token and hands back its payload.
 *
 * Everything about the token is unverified until the signature checks out,
 * so messages name the check that failed and never quote the token (the alg,
 * when refused, only if it is short and plain).
 */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "jws_internal.h"
#include "sam/rc.h"
#include "sam/verifier.h"

/* RSA up to 8192 bits; the largest ES signature (ES512) is 132 bytes. */
#define MAX_SIG 1024

static int jws_open(void *state, const sam_host_v1_t *host, const sam_param_t *params)
{
    jws_state_t *s = state;

    if (host == NULL || host->abi_version != SAM_HOST_ABI_VERSION ||
        host->struct_size < offsetof(sam_host_v1_t, set_error) + sizeof(host->set_error) ||
        host->log == NULL || host->set_error == NULL)
        return SAM_E_PLUGIN;
    s->host = host;
    if (params != NULL && params[0].name != NULL)
        return host->set_error(SAM_E_CONFIG, "jws verifier: unknown parameter \"%.64s\"",
                               params[0].name);
    jws_keycache_init(&s->keys);
    return SAM_OK;
}

static void jws_close(void *state)
{
    jws_state_t *s = state;
    jws_keycache_free(&s->keys);
}

/* An alg fit to be quoted in a message: short, and letters, digits and "-_.+" only. */
static int plain_alg(const jws_header_t *h)
{
    if (h->alg_len == 0 || h->alg_len > 16)
        return 0;
    for (size_t i = 0; i < h->alg_len; i++) {
        char ch = h->alg[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.' || ch == '+'))
            return 0;
    }
    return 1;
}

static int kid_matches(const jws_header_t *h, const sam_issuer_key_t *k)
{
    /* An AS registered without a kid is a candidate whatever the header says (config.h). */
    if (!h->has_kid || k->kid == NULL)
        return 1;
    return strlen(k->kid) == h->kid_len && memcmp(k->kid, h->kid, h->kid_len) == 0;
}

/* The parts of a compact JWS. */
typedef struct {
    const char *p[3];
    size_t len[3];
} parts_t;

static int split(const jws_state_t *s, const char *jws, size_t jws_len, parts_t *out)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= jws_len; i++) {
        if (i < jws_len && jws[i] != '.')
            continue;
        if (n < 3) {
            out->p[n] = jws + start;
            out->len[n] = i - start;
        }
        n++;
        start = i + 1;
    }
    if (n != 3)
        return s->host->set_error(SAM_E_SAD_INVALID, "SAD: not a compact JWS (%zu parts, need 3)",
                                  n);
    if (out->len[0] == 0 || out->len[1] == 0)
        return s->host->set_error(SAM_E_SAD_INVALID, "SAD: empty %s",
                                  out->len[0] == 0 ? "header" : "payload");
    return SAM_OK;
}

/*
 * Try every candidate key: the ones whose kid matches and that fit alg. Sets
 * *found to the first that verifies, or fails naming why none did.
 */
static int find_key(jws_state_t *s, const jws_header_t *h, const jws_alg_t *alg,
                    const sam_issuer_key_t *keys, size_t n_keys, const uint8_t *msg, size_t msg_len,
                    const uint8_t *sig, size_t sig_len, size_t *found)
{
    size_t n_kid = 0, n_fit = 0;

    for (size_t i = 0; i < n_keys; i++) {
        EVP_PKEY *pkey = NULL;
        int ok = 0;

        if (!kid_matches(h, &keys[i]))
            continue;
        n_kid++;
        if ((pkey = jws_keycache_get(&s->keys, keys[i].spki, keys[i].spki_len)) == NULL) {
            s->host->log(SAM_LOG_WARNING,
                         "jws verifier: a public key of issuer \"%.64s\" "
                         "does not parse; skipped",
                         keys[i].issuer_id ? keys[i].issuer_id : "");
            EVP_PKEY_free(pkey);
            continue;
        }
        if (jws_key_fits(alg, pkey)) {
            n_fit++;
            ok = jws_signature_ok(alg, pkey, msg, msg_len, sig, sig_len);
        }
        EVP_PKEY_free(pkey);
        if (ok) {
            *found = i;
            return SAM_OK;
        }
    }
    if (n_kid == 0)
        return s->host->set_error(SAM_E_SAD_INVALID,
                                  h->has_kid
                                      ? "SAD: kid names no key of a trusted authorization server"
                                      : "SAD: no key of a trusted authorization server");
    if (n_fit == 0)
        return s->host->set_error(SAM_E_SAD_INVALID,
                                  "SAD: alg \"%s\" does not fit the authorization server's key",
                                  alg->name);
    return s->host->set_error(SAM_E_SAD_INVALID, "SAD: signature does not verify");
}

static int jws_verify(void *state, const char *jws, size_t jws_len, const sam_issuer_key_t *keys,
                      size_t n_keys, size_t *key_index, sam_outbuf_t *payload)
{
    jws_state_t *s = state;
    const sam_host_v1_t *host = s->host;
    int rc = SAM_E_SAD_INVALID;
    parts_t pt;
    uint8_t *hdr_text = NULL, sig[MAX_SIG];
    size_t hdr_len = 0, sig_len = 0, pl_len = 0, found = 0;
    jws_header_t hdr;
    const jws_alg_t *alg;

    if (payload != NULL)
        payload->len = 0;
    if (jws == NULL || (keys == NULL && n_keys > 0) || key_index == NULL || payload == NULL ||
        payload->ptr == NULL)
        return host->set_error(SAM_E_INVALID_ARG, "jws verifier: missing argument");
    if (jws_len == 0)
        return host->set_error(SAM_E_SAD_INVALID, "SAD: empty");
    if (jws_len > SAM_SAD_MAX_BYTES)
        return host->set_error(SAM_E_SAD_INVALID, "SAD: longer than %d bytes", SAM_SAD_MAX_BYTES);
    if ((rc = split(s, jws, jws_len, &pt)) != SAM_OK)
        return rc;

    /* Bounds before any decoding or cryptography. */
    pl_len = jws_b64url_decoded_len(pt.len[1]);
    if (pl_len > SAM_SAD_MAX_PAYLOAD || pl_len > payload->cap) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: payload longer than %zu bytes",
                             payload->cap < SAM_SAD_MAX_PAYLOAD ? payload->cap
                                                                : (size_t)SAM_SAD_MAX_PAYLOAD);
        goto out;
    }
    hdr_len = jws_b64url_decoded_len(pt.len[0]);
    if ((hdr_text = malloc(hdr_len + 1)) == NULL) {
        rc = host->set_error(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if (jws_b64url_decode(pt.p[0], pt.len[0], hdr_text, hdr_len, &hdr_len) != 0) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: header is not base64url");
        goto out;
    }
    if (jws_b64url_decode(pt.p[1], pt.len[1], payload->ptr, payload->cap, &pl_len) != 0) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: payload is not base64url");
        goto out;
    }
    if (jws_b64url_decode(pt.p[2], pt.len[2], sig, sizeof(sig), &sig_len) != 0) {
        rc = host->set_error(SAM_E_SAD_INVALID, pt.len[2] > sizeof(sig) * 4 / 3 + 2
                                                    ? "SAD: signature is too long"
                                                    : "SAD: signature is not base64url");
        goto out;
    }
    if ((rc = jws_header_parse(host, hdr_text, hdr_len, &hdr)) != SAM_OK)
        goto out;
    if ((alg = jws_alg_find(hdr.alg, hdr.alg_len)) == NULL) {
        rc = plain_alg(&hdr)
                 ? host->set_error(SAM_E_SAD_INVALID, "SAD: alg \"%s\" is not allowed", hdr.alg)
                 : host->set_error(SAM_E_SAD_INVALID, "SAD: alg is not allowed");
        goto out;
    }
    if (sig_len == 0) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: empty signature");
        goto out;
    }
    if (alg->family == JWS_FAMILY_ES && sig_len != 2 * alg->field_len) {
        rc = host->set_error(SAM_E_SAD_INVALID, "SAD: %s signature must be %zu bytes (r||s)",
                             alg->name, 2 * alg->field_len);
        goto out;
    }
    /* The signing input is the ASCII text header_b64 '.' payload_b64, as received. */
    rc = find_key(s, &hdr, alg, keys, n_keys, (const uint8_t *)jws, pt.len[0] + 1 + pt.len[1], sig,
                  sig_len, &found);
    if (rc != SAM_OK)
        goto out;
    *key_index = found;
    payload->len = pl_len;
out:
    free(hdr_text);
    ERR_clear_error(); /* leave no OpenSSL error from a failed parse or verify on this thread */
    return rc;
}

__attribute__((visibility("default"))) const sam_verifier_v1_t sam_verifier_v1 = {
    .abi_version = SAM_VERIFIER_ABI_VERSION,
    .struct_size = sizeof(sam_verifier_v1_t),
    .name = "jws",
    .description = "SAD as a compact JWS signed by a registered authorization server key "
                   "(RS256/384/512, PS256/384/512, ES256/384/512)",
    .capabilities = 0,
    .state_size = sizeof(jws_state_t),
    .open = jws_open,
    .close = jws_close,
    .verify = jws_verify,
};
