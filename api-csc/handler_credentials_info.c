/*
 * credentials/info: one of the caller's credentials. The key's status and
 * kind come from opening its sealed key_pair (the seal is checked), never
 * from what the credential row says about it.
 */
#include <stdlib.h>
#include <string.h>

#include "csc_internal.h"
#include "sam/base64.h"
#include "sam/certinfo.h"
#include "sam/keypair.h"
#include "sam/totp.h"

static const char *const rsa_algos[] = {"1.2.840.113549.1.1.1",  "1.2.840.113549.1.1.10",
                                        "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12",
                                        "1.2.840.113549.1.1.13", NULL};
static const char *const ec_algos[] = {"1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
                                       "1.2.840.10045.4.3.4", NULL};

static void put_str(sam_strbuf_t *b, const char *key, const char *v)
{
    sam_strbuf_printf(b, ",\"%s\":", key);
    sam_strbuf_json_string(b, v, strlen(v));
}

static void write_key(sam_strbuf_t *b, const sam_key_pair_t *kp, bool usable)
{
    const char *const *algos = kp->spec.type == SAM_KEY_RSA ? rsa_algos : ec_algos;
    static const char *const curve_oid[] = {"", "1.2.840.10045.3.1.7", "1.3.132.0.34",
                                            "1.3.132.0.35"};
    static const unsigned curve_bits[] = {0, 256, 384, 521};
    unsigned bits = kp->spec.type == SAM_KEY_RSA   ? kp->spec.rsa_bits
                    : (unsigned)kp->spec.curve < 4 ? curve_bits[kp->spec.curve]
                                                   : 0;

    sam_strbuf_printf(b, "\"key\":{\"status\":\"%s\",\"algo\":[", usable ? "enabled" : "disabled");
    for (size_t i = 0; algos[i] != NULL; i++)
        sam_strbuf_printf(b, "%s\"%s\"", i > 0 ? "," : "", algos[i]);
    sam_strbuf_printf(b, "],\"len\":%u", bits);
    if (kp->spec.type == SAM_KEY_EC && (unsigned)kp->spec.curve < 4)
        sam_strbuf_printf(b, ",\"curve\":\"%s\"", curve_oid[kp->spec.curve]);
    sam_strbuf_puts(b, "}");
}

/*
 * The "cert" object. No "status": the server does not check validity or
 * revocation, and the spec wants only an accurate value there. Members are
 * written with a leading comma into inner; the first comma is dropped.
 */
static int write_cert(sam_strbuf_t *b, const sam_store_credential_t *c, const char *which,
                      bool cert_info)
{
    size_t n = strcmp(which, "chain") == 0    ? c->certificate_count
               : strcmp(which, "single") == 0 ? (c->certificate_count > 0 ? 1 : 0)
                                              : 0;
    sam_strbuf_t inner = SAM_STRBUF_INIT;
    sam_cert_info_t ci = {0};
    uint8_t *der = NULL;
    size_t der_len = 0;
    int rc = SAM_OK;

    if (n > 0) {
        sam_strbuf_puts(&inner, ",\"certificates\":[");
        for (size_t i = 0; i < n; i++)
            sam_strbuf_printf(&inner, "%s\"%s\"", i > 0 ? "," : "", c->certificates[i]);
        sam_strbuf_puts(&inner, "]");
    }
    if (cert_info && c->certificate_count > 0) {
        const char *b64 = c->certificates[0];
        if ((rc = sam_base64_decode_alloc(b64, strlen(b64), &der, &der_len)) != SAM_OK ||
            (rc = sam_cert_info_read(der, der_len, &ci)) != SAM_OK)
            goto out;
        put_str(&inner, "issuerDN", ci.issuer_dn);
        put_str(&inner, "serialNumber", ci.serial_hex);
        put_str(&inner, "subjectDN", ci.subject_dn);
        put_str(&inner, "validFrom", ci.valid_from);
        put_str(&inner, "validTo", ci.valid_to);
    }
    if ((rc = sam_strbuf_finish(&inner)) != SAM_OK)
        goto out;
    sam_strbuf_puts(b, ",\"cert\":{");
    if (inner.len > 0)
        sam_strbuf_append(b, inner.ptr + 1, inner.len - 1);
    sam_strbuf_puts(b, "}");
out:
    sam_strbuf_free(&inner);
    sam_cert_info_clear(&ci);
    free(der);
    return rc;
}

static void write_auth(sam_strbuf_t *b, const sam_store_credential_t *c, bool auth_info)
{
    put_str(b, "authMode", c->auth_mode);
    if (!auth_info || strcmp(c->auth_mode, "explicit") != 0)
        return;
    sam_strbuf_printf(b, ",\"PIN\":{\"presence\":\"%s\"", c->pin_hash != NULL ? "true" : "false");
    if (c->pin_hash != NULL)
        sam_strbuf_puts(b, ",\"format\":\"A\",\"label\":\"PIN\"");
    sam_strbuf_printf(b, "},\"OTP\":{\"presence\":\"%s\"",
                      c->otp_secret != NULL ? "true" : "false");
    /* An offline TOTP (RFC 6238) of an authenticator app: ID names the
     * credential it belongs to (the secret was enrolled with it). */
    if (c->otp_secret != NULL) {
        sam_totp_params_t p = sam_totp_defaults;
        (void)sam_totp_record_params(c->otp_secret, &p); /* the defaults if unreadable */
        sam_strbuf_puts(b, ",\"type\":\"offline\",\"format\":\"N\",\"label\":\"OTP\",\"ID\":");
        sam_strbuf_json_string(b, c->id, strlen(c->id));
        sam_strbuf_printf(b,
                          ",\"provider\":\"totp\",\"description\":\"The %u-digit code of your "
                          "authenticator app\"",
                          p.digits);
    }
    sam_strbuf_puts(b, "}");
}

void csc_credentials_info(csc_call_t *call)
{
    const char *id = NULL, *which = "single";
    bool cert_info = false, auth_info = false;
    sam_store_credential_t *c = NULL;
    sam_json_t *kpj = NULL;
    sam_key_pair_t *kp = NULL;
    bool deleted = true;
    int rc;

    if (csc_opt_string(call, "credentialID", &id) != SAM_OK || id == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter credentialID");
        goto out;
    }
    if (csc_opt_string(call, "certificates", &which) != SAM_OK ||
        (strcmp(which, "none") != 0 && strcmp(which, "single") != 0 &&
         strcmp(which, "chain") != 0)) {
        csc_invalid_request(call, "Invalid parameter certificates");
        goto out;
    }
    if (csc_opt_bool(call, "certInfo", &cert_info) != SAM_OK ||
        csc_opt_bool(call, "authInfo", &auth_info) != SAM_OK ||
        csc_opt_string(call, "lang", &(const char *){NULL}) != SAM_OK) {
        csc_invalid_request(call, CSC_MALFORMED);
        goto out;
    }
    rc = sam_store_credential_get(sam_service_store(call->svc), id, &c);
    /* Another user's credential is answered like an unknown one. */
    if (rc == SAM_E_NOT_FOUND || rc == SAM_E_INVALID_ARG ||
        (rc == SAM_OK && strcmp(c->user_id, call->user_id) != 0)) {
        csc_invalid_request(call, "Invalid parameter credentialID");
        goto out;
    }
    if (rc != SAM_OK ||
        (rc = sam_json_parse(c->key_pair, strlen(c->key_pair), &sam_json_default_limits, &kpj)) !=
            SAM_OK ||
        (rc = sam_key_pair_open(sam_service_module(call->svc), sam_service_sam_id(call->svc), kpj,
                                &kp)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    /* A key pair deleted through /sam/v1 after the credential was made. */
    if ((rc = sam_store_key_deleted(sam_service_store(call->svc), kp->id, &deleted)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    sam_strbuf_t *b = &call->resp->body;
    sam_strbuf_puts(b, "{");
    if (c->description != NULL) {
        sam_strbuf_puts(b, "\"description\":");
        sam_strbuf_json_string(b, c->description, strlen(c->description));
        sam_strbuf_puts(b, ",");
    }
    write_key(b, kp, kp->enabled && !deleted);
    if ((rc = write_cert(b, c, which, cert_info)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    write_auth(b, c, auth_info);
    sam_strbuf_printf(b, ",\"SCAL\":\"%s\",\"multisign\":%u,\"lang\":", c->scal, c->multisign);
    sam_strbuf_json_string(b, call->cfg->lang, strlen(call->cfg->lang));
    sam_strbuf_puts(b, "}");
    call->resp->status = 200;
out:
    sam_key_pair_free(kp);
    sam_json_free(kpj);
    sam_store_credential_free(c);
}
