/*
 * sign: the SAM's main job. The SSA hashes the document (the document never
 * goes to the SAM), the authorization server mints a SAD that authorizes
 * exactly that hash for this signer and key (sad_mint.c; in production the
 * AS runs elsewhere and hands the SAD to the SSA), and the SAM signs.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_client.h"
#include "sad_mint.h"
#include "sam/base64.h"
#include "sam/rc.h"

/* A SAD need live only as long as the call takes; the SAM caps it (default 300 s). */
#define DC_SAD_LIFETIME_S 120

static int sha256_file(const char *path, uint8_t out[32])
{
    int rc = DC_FAIL;
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char buf[16384];
    unsigned int out_len = 0;
    size_t n;

    if (f == NULL) {
        dc_fail("%s: cannot open", path);
        goto out;
    }
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        dc_fail_openssl("SHA-256");
        goto out;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (EVP_DigestUpdate(md, buf, n) != 1) {
            dc_fail_openssl("SHA-256");
            goto out;
        }
    }
    if (ferror(f)) {
        dc_fail("%s: read error", path);
        goto out;
    }
    if (EVP_DigestFinal_ex(md, out, &out_len) != 1 || out_len != 32) {
        dc_fail_openssl("SHA-256");
        goto out;
    }
    rc = DC_OK;
out:
    EVP_MD_CTX_free(md);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* As the authorization server: a SAD for one signature of hash with key kp. */
static int mint(const dc_config_t *cfg, const char *signer, const sam_json_t *kp,
                const uint8_t hash[32], char *sad, size_t cap)
{
    EVP_PKEY *as_key = NULL;
    char jti[SAD_JTI_SIZE];
    int mrc, rc = DC_FAIL;
    sad_claims_t claims = {
        .issuer = cfg->as_id,
        .audience = cfg->sam_id,
        .subject = signer,
        .key_id = dc_str(kp, "id"),
        .purpose = "signature",
        .hashes = hash,
        .hash_len = 32,
        .n_hashes = 1,
        .num_signatures = 1,
        .lifetime_seconds = DC_SAD_LIFETIME_S,
    };

    if (sad_load_private_key(cfg->as_private_key, &as_key) != SAD_OK) {
        dc_fail_openssl(cfg->as_private_key);
        goto out;
    }
    if ((mrc = sad_mint(as_key, cfg->as_alg, &claims, sad, cap, jti)) != SAD_OK) {
        dc_fail("minting the SAD: %s", sad_strerror(mrc));
        goto out;
    }
    dc_say("as authorization server %s: minted a SAD (%s JWS), jti %s, valid %d s,", cfg->as_id,
           cfg->as_alg, jti, DC_SAD_LIFETIME_S);
    dc_say("for sub %s, key_id %s, aud %s, purpose signature, 1 hash", signer, claims.key_id,
           cfg->sam_id);
    rc = DC_OK;
out:
    EVP_PKEY_free(as_key);
    return rc;
}

int dc_cmd_sign(const dc_config_t *cfg, int argc, char **argv)
{
    int rc = DC_FAIL;
    const char *signer = argv[2], *alg = NULL, *sig_b64;
    size_t slen = strnlen(signer, 257);
    sam_json_t *kp = NULL, *resp = NULL;
    const sam_json_t *sigs, *first;
    sam_strbuf_t body = SAM_STRBUF_INIT;
    uint8_t hash[32], *sig = NULL;
    size_t sig_len = 0;
    char hash_b64[45];
    char *sad = NULL;

    (void)argc;
    if (slen == 0 || slen > 256)
        return dc_fail("sign: the signer id must be 1-256 characters");
    printf("== Sign the SHA-256 of %s for signer \"%s\"\n", argv[3], signer);
    if (dc_key_pair_load(argv[1], &kp) != DC_OK || dc_key_pair_sig_alg(kp, &alg) != DC_OK ||
        sha256_file(argv[3], hash) != DC_OK)
        goto out;
    sam_base64_encode(hash, sizeof(hash), hash_b64);
    dc_say("SHA-256 of %s: %s (only the hash goes to the SAM)", argv[3], hash_b64);

    if ((sad = malloc(SAD_MAX_BYTES)) == NULL) {
        dc_fail("out of memory");
        goto out;
    }
    if (mint(cfg, signer, kp, hash, sad, SAD_MAX_BYTES) != DC_OK)
        goto out;

    sam_strbuf_puts(&body, "{\"signature_algorithm\":");
    sam_strbuf_json_string(&body, alg, strlen(alg));
    sam_strbuf_puts(&body, ",\"requests\":[{\"dtbs\":");
    sam_strbuf_json_base64(&body, hash, sizeof(hash));
    sam_strbuf_puts(&body, "}],\"key_pair\":");
    sam_json_write_canonical(&body, kp);
    sam_strbuf_puts(&body, ",\"signer\":{\"id\":");
    sam_strbuf_json_string(&body, signer, slen);
    sam_strbuf_puts(&body, "}}");
    if (sam_strbuf_finish(&body) != SAM_OK) {
        dc_fail("out of memory");
        goto out;
    }
    dc_say("the SAM checks the SAD, the key's assignment, certification and status, then");
    dc_say("unwraps the key inside the module, signs (%s), and destroys the key again", alg);
    if (dc_call(cfg, "POST", "/sam/v1/signatures", &body, sad, &resp) != DC_OK)
        goto out;
    sigs = sam_json_get(resp, "signatures");
    if (sigs == NULL || sigs->type != SAM_JSON_ARRAY || sigs->u.arr.count != 1) {
        dc_fail("the SAM's answer has no \"signatures\" array of one");
        goto out;
    }
    first = sigs->u.arr.items[0];
    if ((sig_b64 = dc_str(first, "signature")) == NULL ||
        sam_base64_decode_alloc(sig_b64, strlen(sig_b64), &sig, &sig_len) != SAM_OK) {
        dc_fail("the SAM's signature is not valid base64");
        goto out;
    }
    if (dc_write_file(argv[4], sig, sig_len, 0644) != DC_OK)
        goto out;
    dc_say("wrote the %zu-byte %s signature to %s", sig_len,
           strcmp(alg, "ES256") == 0 ? "ECDSA (DER Ecdsa-Sig-Value)" : "RSASSA-PKCS1-v1_5",
           argv[4]);
    rc = DC_OK;
out:
    if (sad != NULL) {
        OPENSSL_cleanse(sad, SAD_MAX_BYTES);
        free(sad);
    }
    sam_strbuf_free(&body);
    free(sig);
    sam_json_free(kp);
    sam_json_free(resp);
    return rc;
}
