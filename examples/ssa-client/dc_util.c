/* sandbox.json, key pair files and messages for sam-demo-client. */
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_client.h"
#include "sam/fileio.h"
#include "sam/rc.h"

void dc_say(const char *fmt, ...)
{
    va_list ap;

    fputs("  ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

int dc_fail(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("sam-demo-client: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return DC_FAIL;
}

int dc_fail_openssl(const char *what)
{
    unsigned long e;
    char buf[256];
    int n = 0;

    dc_fail("%s failed", what);
    /* Bounded: the queue is finite, but never print more than a screenful. */
    while ((e = ERR_get_error()) != 0 && n++ < 8) {
        ERR_error_string_n(e, buf, sizeof(buf));
        fprintf(stderr, "  openssl: %s\n", buf);
    }
    ERR_clear_error();
    return DC_FAIL;
}

const char *dc_str(const sam_json_t *obj, const char *key)
{
    const sam_json_t *v = sam_json_get(obj, key);
    return v != NULL && v->type == SAM_JSON_STRING ? v->u.str.ptr : NULL;
}

static int need(const sam_json_t *obj, const char *key, const char *path, const char **out)
{
    size_t len = 0;

    *out = NULL;
    if (sam_json_need_string(obj, key, path, out, &len) != SAM_OK)
        return dc_fail("sandbox.json: %s", sam_error_message());
    if (len == 0)
        return dc_fail("sandbox.json: field \"%s\" is empty", path);
    return DC_OK;
}

int dc_config_load(const char *path, dc_config_t *cfg)
{
    int rc = DC_FAIL;
    char *text = NULL;
    size_t len = 0;
    const sam_json_t *ssa = NULL, *as = NULL;

    memset(cfg, 0, sizeof(*cfg));
    if (sam_file_read(path, DC_MAX_CONFIG_BYTES, &text, &len) != SAM_OK) {
        dc_fail("%s (start the sandbox with `make run`, or say where it is with --sandbox FILE)",
                sam_error_message());
        goto out;
    }
    if (sam_json_parse(text, len, NULL, &cfg->doc) != SAM_OK) {
        dc_fail("%s: %s", path, sam_error_message());
        goto out;
    }
    if (need(cfg->doc, "url", "url", &cfg->url) != DC_OK ||
        need(cfg->doc, "sam_id", "sam_id", &cfg->sam_id) != DC_OK ||
        need(cfg->doc, "ca_cert", "ca_cert", &cfg->ca_cert) != DC_OK)
        goto out;
    if (sam_json_need_object(cfg->doc, "ssa", "ssa", &ssa) != SAM_OK ||
        sam_json_need_object(cfg->doc, "authorization_server", "authorization_server", &as) !=
            SAM_OK) {
        dc_fail("%s: %s", path, sam_error_message());
        goto out;
    }
    if (need(ssa, "id", "ssa.id", &cfg->ssa_id) != DC_OK ||
        need(ssa, "cert", "ssa.cert", &cfg->ssa_cert) != DC_OK ||
        need(ssa, "key", "ssa.key", &cfg->ssa_key) != DC_OK ||
        need(as, "id", "authorization_server.id", &cfg->as_id) != DC_OK ||
        need(as, "private_key", "authorization_server.private_key", &cfg->as_private_key) !=
            DC_OK ||
        need(as, "alg", "authorization_server.alg", &cfg->as_alg) != DC_OK)
        goto out;
    if (strncmp(cfg->url, "https://", 8) != 0 || cfg->url[strlen(cfg->url) - 1] == '/') {
        dc_fail("%s: url must be https://HOST:PORT without a trailing slash", path);
        goto out;
    }
    rc = DC_OK;
out:
    free(text);
    if (rc != DC_OK)
        dc_config_free(cfg);
    return rc;
}

void dc_config_free(dc_config_t *cfg)
{
    sam_json_free(cfg->doc);
    memset(cfg, 0, sizeof(*cfg));
}

int dc_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
    if (sam_file_write_atomic(path, data, len, mode, 0) != SAM_OK)
        return dc_fail("%s", sam_error_message());
    return DC_OK;
}

int dc_key_pair_load(const char *path, sam_json_t **kp)
{
    char *text = NULL;
    size_t len = 0;
    int rc = DC_FAIL;

    *kp = NULL;
    if (sam_file_read(path, DC_MAX_KEY_PAIR_BYTES, &text, &len) != SAM_OK) {
        dc_fail("%s", sam_error_message());
        goto out;
    }
    if (sam_json_parse(text, len, NULL, kp) != SAM_OK) {
        dc_fail("%s: %s", path, sam_error_message());
        goto out;
    }
    if ((*kp)->type != SAM_JSON_OBJECT || dc_str(*kp, "id") == NULL ||
        dc_str(*kp, "algorithm") == NULL || dc_str(*kp, "public_key") == NULL) {
        dc_fail("%s: not a key_pair object (made by `sam-demo-client generate`)", path);
        goto out;
    }
    rc = DC_OK;
out:
    free(text);
    if (rc != DC_OK) {
        sam_json_free(*kp);
        *kp = NULL;
    }
    return rc;
}

int dc_key_pair_save(const char *path, const sam_json_t *response)
{
    const sam_json_t *kp = sam_json_get(response, "key_pair");
    sam_strbuf_t b = SAM_STRBUF_INIT;
    int rc = DC_FAIL;

    if (kp == NULL || kp->type != SAM_JSON_OBJECT || dc_str(kp, "id") == NULL) {
        dc_fail("the SAM's answer holds no key_pair object");
        goto out;
    }
    /* The SAM seals the object's fields, not its JSON text: any faithful
     * serialization may be sent back. We keep the canonical one. */
    sam_json_write_canonical(&b, kp);
    sam_strbuf_puts(&b, "\n");
    if (sam_strbuf_finish(&b) != SAM_OK) {
        dc_fail("out of memory");
        goto out;
    }
    /* Not a secret (the private key in it is wrapped by the module), but the
     * signer's: keep it private like the rest of the SSA's data. */
    rc = dc_write_file(path, b.ptr, b.len, 0600);
out:
    sam_strbuf_free(&b);
    return rc;
}

int dc_key_pair_sig_alg(const sam_json_t *kp, const char **alg)
{
    const char *a = dc_str(kp, "algorithm");

    if (a != NULL && strcmp(a, "ECDSA") == 0)
        *alg = "ES256";
    else if (a != NULL && strcmp(a, "RSA") == 0)
        *alg = "RS256";
    else
        return dc_fail("key pair algorithm \"%s\" not known to this client", a ? a : "(none)");
    return DC_OK;
}
