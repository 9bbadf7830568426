/* Where sam-audit gets the audit public key: a PEM file, or the module itself. */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "sam/infra.h"
#include "sam/module.h"
#include "sam/rc.h"
#include "sam_audit_tool.h"

int tool_key_from_pem(const char *path, uint8_t *der, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "re");
    EVP_PKEY *k = NULL;
    int n, ret = 1;

    if (f == NULL) {
        fprintf(stderr, "sam-audit: %s: cannot open\n", path);
        return 1;
    }
    k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (k == NULL) {
        fprintf(stderr, "sam-audit: %s: not a PEM public key\n", path);
        return 1;
    }
    n = i2d_PUBKEY(k, NULL);
    if (n > 0 && (size_t)n <= cap) {
        uint8_t *p = der;
        *len = (size_t)i2d_PUBKEY(k, &p);
        ret = 0;
    } else {
        fprintf(stderr, "sam-audit: %s: key too large\n", path);
    }
    EVP_PKEY_free(k);
    return ret;
}

int tool_key_from_infra(const char *path, uint8_t *der, size_t cap, size_t *len)
{
    sam_infra_t *infra = NULL;
    sam_module_t *m = NULL;
    sam_outbuf_t out = {der, cap, 0};
    int ret = 1;

    sam_error_clear();
    if (sam_infra_load(path, &infra) != SAM_OK || sam_infra_open_module(infra, &m) != SAM_OK ||
        sam_module_bind_keys(m) != SAM_OK ||
        sam_module_public_key(m, SAM_MODULE_KEY_AUDIT, &out) != SAM_OK) {
        fprintf(stderr, "sam-audit: %s: %s\n", path, sam_error_message());
        goto out;
    }
    *len = out.len;
    ret = 0;
out:
    sam_module_close(m);
    sam_infra_free(infra);
    return ret;
}

int cmd_export_key(int argc, char **argv)
{
    const char *infra = NULL, *out_path = NULL;
    uint8_t der[SAM_AUDIT_TOOL_MAX_KEY];
    size_t len = 0;
    int ret = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: sam-audit export-key --infra sam_infrastructure.json [--out FILE]\n"
                   "Write the module's audit public key as PEM (stdout by default).\n");
            return 0;
        } else if (strcmp(argv[i], "--infra") == 0 && i + 1 < argc) {
            infra = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else {
            fprintf(stderr, "sam-audit export-key: unexpected argument %s (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (infra == NULL) {
        fprintf(stderr, "sam-audit export-key: --infra is required\n");
        return 2;
    }
    if (tool_key_from_infra(infra, der, sizeof(der), &len) != 0)
        return 1;
    const uint8_t *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    FILE *f = out_path != NULL ? fopen(out_path, "we") : stdout;
    if (k != NULL && f != NULL && PEM_write_PUBKEY(f, k) == 1)
        ret = 0;
    else
        fprintf(stderr, "sam-audit export-key: cannot write the key\n");
    if (f != NULL && f != stdout && fclose(f) != 0)
        ret = 1;
    EVP_PKEY_free(k);
    return ret;
}
