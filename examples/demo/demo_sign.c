/*
 * The library-level flow of OpenSAM, without the server (`make demo` shows the
 * same over /sam/v1 with samd; see run-demo): open the module that
 * sam_infrastructure.json names, generate a signer key pair inside it, keep
 * only the sealed key_pair object, open it again as a SAM would on a later
 * request, and sign the SHA-256 of a file with it.
 *
 * usage: demo-sign INFRA_JSON FILE OUT_DIR {RSA|ECDSA}
 * Writes OUT_DIR/key_pair.json, OUT_DIR/public_key.der, OUT_DIR/signature.der.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/algorithms.h"
#include "sam/fileio.h"
#include "sam/infra.h"
#include "sam/json.h"
#include "sam/keypair.h"
#include "sam/rc.h"

static int write_out(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return sam_file_write_atomic(path, data, len, 0644, 0);
}

static int sha256_file(const char *path, uint8_t out[32])
{
    char *data = NULL;
    size_t len = 0;
    unsigned int md_len = 32;
    int rc = sam_file_read(path, 64 * 1024 * 1024, &data, &len);
    if (rc != SAM_OK)
        return rc;
    if (EVP_Digest(data, len, out, &md_len, EVP_sha256(), NULL) != 1)
        rc = sam_error_set(SAM_E_INTERNAL, "SHA-256 failed");
    free(data);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = SAM_E_INVALID_ARG;
    sam_infra_t *infra = NULL;
    sam_module_t *m = NULL;
    sam_key_pair_t *kp = NULL, *opened = NULL;
    sam_json_t *doc = NULL;
    sam_strbuf_t text = SAM_STRBUF_INIT;
    uint8_t hash[32], sig[SAM_MAX_SIGNATURE_LEN];

    if (argc != 5 || (strcmp(argv[4], "RSA") != 0 && strcmp(argv[4], "ECDSA") != 0)) {
        fprintf(stderr, "usage: demo-sign INFRA_JSON FILE OUT_DIR {RSA|ECDSA}\n");
        return 2;
    }
    int rsa = strcmp(argv[4], "RSA") == 0;
    sam_key_spec_t spec = rsa ? (sam_key_spec_t){SAM_KEY_RSA, 2048, SAM_CURVE_NONE}
                              : (sam_key_spec_t){SAM_KEY_EC, 0, SAM_CURVE_P256};
    if ((rc = sam_infra_load(argv[1], &infra)) != SAM_OK ||
        (rc = sam_infra_open_module(infra, &m)) != SAM_OK || (rc = sam_module_bind_keys(m)) != SAM_OK)
        goto out;
    printf("  module open, SAM id %s\n", infra->sam_id);

    if ((rc = sam_key_pair_generate(m, &spec, &kp)) != SAM_OK ||
        (rc = sam_key_pair_write(m, infra->sam_id, kp, &text)) != SAM_OK ||
        (rc = write_out(argv[3], "key_pair.json", text.ptr, text.len)) != SAM_OK)
        goto out;
    printf("  generated %s key pair %s inside the module; sealed key_pair object: %zu bytes\n",
           rsa ? "RSA-2048" : "ECDSA P-256", kp->id, text.len);

    /* A later request: the SSA sends the object back; nothing else is kept. */
    if ((rc = sam_json_parse(text.ptr, text.len, &sam_json_default_limits, &doc)) != SAM_OK ||
        (rc = sam_key_pair_open(m, infra->sam_id, doc, &opened)) != SAM_OK)
        goto out;
    printf("  key_pair object opened: seal intact, issued by this SAM\n");

    sam_sig_params_t params;
    if ((rc = sha256_file(argv[2], hash)) != SAM_OK ||
        (rc = sam_sig_params_from_name(rsa ? "RS256" : "ES256", &params)) != SAM_OK)
        goto out;
    sam_bytes_t h = {hash, sizeof(hash)};
    sam_outbuf_t s = {sig, sizeof(sig), 0};
    size_t left = 1;
    if ((rc = sam_key_pair_sign(m, opened, &params, &h, 1, &s)) != SAM_OK ||
        (rc = sam_module_count_temporary_keys(m, &left)) != SAM_OK)
        goto out;
    printf("  signed SHA-256 of %s with %s: %zu-byte signature; signer keys left in the module: %zu\n",
           argv[2], rsa ? "RS256" : "ES256", s.len, left);
    if (left != 0) {
        rc = sam_error_set(SAM_E_INTERNAL, "a signer key stayed in the module");
        goto out;
    }
    if ((rc = write_out(argv[3], "public_key.der", opened->spki, opened->spki_len)) != SAM_OK ||
        (rc = write_out(argv[3], "signature.der", sig, s.len)) != SAM_OK)
        goto out;
out:
    if (rc != SAM_OK)
        fprintf(stderr, "demo-sign: %s\n", sam_error_message());
    sam_json_free(doc);
    sam_strbuf_free(&text);
    sam_key_pair_free(opened);
    sam_key_pair_free(kp);
    sam_module_close(m);
    sam_infra_free(infra);
    return rc == SAM_OK ? 0 : 1;
}
