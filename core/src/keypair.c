#include "sam/keypair.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "keypair_internal.h"
#include "sam/algorithms.h"
#include "sam/base64.h"
#include "sam/rc.h"

#define SIGNER_MAX 8192
#define SIGNER_ID_MAX 256
#define SUBJECT_MAX 1024
#define CERTIFICATE_MAX (64 * 1024)

void sam_key_pair_free(sam_key_pair_t *kp)
{
    if (kp == NULL)
        return;
    free(kp->spki);
    free(kp->signer);
    free(kp->signer_id);
    free(kp->subject);
    free(kp->certificate);
    free(kp->wrapped);
    free(kp);
}

/* The public key the module returned must be the kind of key that was asked for. */
static int check_spki(const sam_key_spec_t *spec, const uint8_t *spki, size_t len)
{
    int rc = SAM_E_BACKEND;
    const uint8_t *p = spki;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey == NULL || p != spki + len) {
        rc = sam_error_set(SAM_E_BACKEND, "the module returned a public key that does not parse");
        goto out;
    }
    if (spec->type == SAM_KEY_RSA) {
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA ||
            EVP_PKEY_get_bits(pkey) != (int)spec->rsa_bits) {
            rc = sam_error_set(SAM_E_BACKEND, "the module returned a public key of another type");
            goto out;
        }
    } else {
        char group[64];
        size_t glen = 0;
        static const char *const ossl_names[] = {NULL, "prime256v1", "secp384r1", "secp521r1"};
        if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
            !EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof(group), &glen) ||
            (unsigned)spec->curve > 3 || ossl_names[spec->curve] == NULL ||
            strcmp(group, ossl_names[spec->curve]) != 0) {
            rc = sam_error_set(SAM_E_BACKEND, "the module returned a public key of another curve");
            goto out;
        }
    }
    rc = SAM_OK;
out:
    EVP_PKEY_free(pkey);
    return rc;
}

int sam_key_pair_generate(sam_module_t *m, const sam_key_spec_t *spec, sam_key_pair_t **out)
{
    int rc;
    uint8_t spki[SAM_MAX_SPKI_LEN], wrapped[SAM_MAX_WRAPPED_LEN], rnd[SAM_KEY_PAIR_ID_LEN / 2];
    sam_outbuf_t spki_out = {spki, sizeof(spki), 0}, wrapped_out = {wrapped, sizeof(wrapped), 0};
    sam_key_pair_t *kp = NULL;

    *out = NULL;
    if ((rc = sam_key_spec_check(spec)) != SAM_OK)
        goto out;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        rc = sam_error_set(SAM_E_INTERNAL, "no randomness for a key id");
        goto out;
    }
    if ((rc = sam_module_generate(m, spec, &spki_out, &wrapped_out)) != SAM_OK)
        goto out;
    if (spki_out.len > sizeof(spki) || wrapped_out.len > sizeof(wrapped) || wrapped_out.len == 0) {
        rc = sam_error_set(SAM_E_BACKEND, "the module returned outputs of impossible length");
        goto out;
    }
    if ((rc = check_spki(spec, spki, spki_out.len)) != SAM_OK)
        goto out;
    if ((kp = calloc(1, sizeof(*kp))) == NULL || (kp->spki = malloc(spki_out.len)) == NULL ||
        (kp->wrapped = malloc(wrapped_out.len)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < sizeof(rnd); i++) {
        static const char hex[] = "0123456789abcdef";
        kp->id[2 * i] = hex[rnd[i] >> 4];
        kp->id[2 * i + 1] = hex[rnd[i] & 15];
    }
    kp->spec = *spec;
    memcpy(kp->spki, spki, spki_out.len);
    kp->spki_len = spki_out.len;
    memcpy(kp->wrapped, wrapped, wrapped_out.len);
    kp->wrapped_len = wrapped_out.len;
    *out = kp;
    kp = NULL;
    rc = SAM_OK;
out:
    sam_key_pair_free(kp);
    return rc;
}

/* Decode a base64 string member into a malloc'd buffer of at most max bytes. */
static int get_b64(const sam_json_t *obj, const char *key, size_t max, int nullable,
                   uint8_t **data, size_t *len)
{
    const sam_json_t *v = sam_json_get(obj, key);
    *data = NULL;
    *len = 0;
    if (v == NULL)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is missing", key);
    if (v->type == SAM_JSON_NULL && nullable)
        return SAM_OK;
    if (v->type != SAM_JSON_STRING)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" must be a base64 string", key);
    if (v->u.str.len > (max + 2) / 3 * 4)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is too long", key);
    if (sam_base64_decode_alloc(v->u.str.ptr, v->u.str.len, data, len) != SAM_OK)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is not valid base64", key);
    if (*len == 0 || *len > max) {
        free(*data);
        *data = NULL;
        return sam_error_set(SAM_E_PARSE, "field \"%s\" has an impossible length", key);
    }
    return SAM_OK;
}

static int get_nullable_string(const sam_json_t *obj, const char *key, size_t max, char **out)
{
    const sam_json_t *v = sam_json_get(obj, key);
    *out = NULL;
    if (v == NULL)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is missing", key);
    if (v->type == SAM_JSON_NULL)
        return SAM_OK;
    if (v->type != SAM_JSON_STRING || v->u.str.len > max)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" must be null or a string of at most %zu bytes",
                             key, max);
    if ((*out = strdup(v->u.str.ptr)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    return SAM_OK;
}

int sam_key_pair_set_signer(sam_key_pair_t *kp, const sam_json_t *signer)
{
    int rc;
    const char *id = NULL;
    size_t id_len = 0;
    sam_strbuf_t canon = SAM_STRBUF_INIT;
    char *signer_id = NULL;

    if (signer == NULL || signer->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_PARSE, "\"signer\" must be an object");
    if ((rc = sam_json_need_string(signer, "id", "signer.id", &id, &id_len)) != SAM_OK)
        goto out;
    if (id_len == 0 || id_len > SIGNER_ID_MAX) {
        rc = sam_error_set(SAM_E_PARSE, "\"signer.id\" must have 1 to %d bytes", SIGNER_ID_MAX);
        goto out;
    }
    canon.limit = SIGNER_MAX + 1;
    sam_json_write_canonical(&canon, signer);
    if (sam_strbuf_finish(&canon) != SAM_OK || canon.len > SIGNER_MAX) {
        rc = sam_error_set(SAM_E_PARSE, "\"signer\" is larger than %d bytes", SIGNER_MAX);
        goto out;
    }
    if ((signer_id = strdup(id)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    free(kp->signer);
    free(kp->signer_id);
    kp->signer = sam_strbuf_take(&canon, NULL);
    kp->signer_id = signer_id;
    signer_id = NULL;
    rc = SAM_OK;
out:
    free(signer_id);
    sam_strbuf_free(&canon);
    return rc;
}

static const char *const key_pair_fields_rsa[] = {
    "id", "algorithm", "size", "public_key", "signer", "subject", "certificate", "status",
    "revision", "sam_id", "format", "private_key", "seal", NULL};
static const char *const key_pair_fields_ec[] = {
    "id", "algorithm", "named_curve", "public_key", "signer", "subject", "certificate", "status",
    "revision", "sam_id", "format", "private_key", "seal", NULL};
static const char *const status_fields[] = {"assigned", "certified", "enabled", NULL};

static int is_key_id(const char *s, size_t len)
{
    if (len != SAM_KEY_PAIR_ID_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

/* Decode every field; no check of the seal. SAM_E_PARSE with detail on any problem. */
static int decode_fields(const sam_json_t *obj, sam_key_pair_t *kp, int64_t *format,
                         const char **sam_id)
{
    int rc;
    const char *s;
    size_t len;
    const sam_json_t *status, *signer;
    int64_t revision;

    if (obj == NULL || obj->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_PARSE, "the key pair must be a JSON object");
    if ((rc = sam_json_need_string(obj, "algorithm", "algorithm", &s, &len)) != SAM_OK)
        return rc;
    if (strcmp(s, "RSA") == 0) {
        int64_t size;
        kp->spec.type = SAM_KEY_RSA;
        if ((rc = sam_json_only_keys(obj, "", key_pair_fields_rsa)) != SAM_OK ||
            (rc = sam_json_need_int(obj, "size", "size", &size)) != SAM_OK)
            return rc;
        if (size != 2048 && size != 3072 && size != 4096)
            return sam_error_set(SAM_E_PARSE, "field \"size\" is not a supported RSA size");
        kp->spec.rsa_bits = (uint32_t)size;
    } else if (strcmp(s, "ECDSA") == 0) {
        kp->spec.type = SAM_KEY_EC;
        if ((rc = sam_json_only_keys(obj, "", key_pair_fields_ec)) != SAM_OK ||
            (rc = sam_json_need_string(obj, "named_curve", "named_curve", &s, &len)) != SAM_OK)
            return rc;
        kp->spec.curve = sam_curve_from_name(s);
        if (kp->spec.curve == SAM_CURVE_NONE || strcmp(s, sam_curve_name(kp->spec.curve)) != 0)
            return sam_error_set(SAM_E_PARSE, "field \"named_curve\" is not a canonical curve name");
    } else {
        return sam_error_set(SAM_E_PARSE, "field \"algorithm\" must be \"RSA\" or \"ECDSA\"");
    }
    if ((rc = sam_json_need_string(obj, "id", "id", &s, &len)) != SAM_OK)
        return rc;
    if (!is_key_id(s, len))
        return sam_error_set(SAM_E_PARSE, "field \"id\" is not a key pair id");
    memcpy(kp->id, s, len + 1);
    if ((rc = sam_json_need_int(obj, "format", "format", format)) != SAM_OK ||
        (rc = sam_json_need_string(obj, "sam_id", "sam_id", sam_id, &len)) != SAM_OK ||
        (rc = sam_json_need_object(obj, "status", "status", &status)) != SAM_OK ||
        (rc = sam_json_only_keys(status, "status", status_fields)) != SAM_OK ||
        (rc = sam_json_need_bool(status, "assigned", "status.assigned", &kp->assigned)) != SAM_OK ||
        (rc = sam_json_need_bool(status, "certified", "status.certified", &kp->certified)) != SAM_OK ||
        (rc = sam_json_need_bool(status, "enabled", "status.enabled", &kp->enabled)) != SAM_OK ||
        (rc = sam_json_need_int(obj, "revision", "revision", &revision)) != SAM_OK)
        return rc;
    if (revision < 0 || revision > SAM_KEY_PAIR_MAX_REVISION)
        return sam_error_set(SAM_E_PARSE, "field \"revision\" is out of range");
    kp->revision = (uint32_t)revision;
    if ((rc = get_b64(obj, "public_key", SAM_MAX_SPKI_LEN, 0, &kp->spki, &kp->spki_len)) != SAM_OK ||
        (rc = get_b64(obj, "private_key", SAM_MAX_WRAPPED_LEN, 0, &kp->wrapped, &kp->wrapped_len)) !=
            SAM_OK ||
        (rc = get_b64(obj, "certificate", CERTIFICATE_MAX, 1, &kp->certificate,
                      &kp->certificate_len)) != SAM_OK ||
        (rc = get_nullable_string(obj, "subject", SUBJECT_MAX, &kp->subject)) != SAM_OK)
        return rc;
    signer = sam_json_get(obj, "signer");
    if (signer == NULL)
        return sam_error_set(SAM_E_PARSE, "field \"signer\" is missing");
    if (signer->type != SAM_JSON_NULL && (rc = sam_key_pair_set_signer(kp, signer)) != SAM_OK)
        return rc;
    return SAM_OK;
}

int sam_key_pair_open(sam_module_t *m, const char *sam_id, const sam_json_t *obj,
                      sam_key_pair_t **out)
{
    int rc;
    int64_t format = 0;
    const char *obj_sam_id = NULL;
    uint8_t *mac = NULL;
    size_t mac_len = 0;
    sam_strbuf_t input = SAM_STRBUF_INIT;
    sam_key_pair_t *kp = calloc(1, sizeof(*kp));

    *out = NULL;
    if (kp == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    if ((rc = decode_fields(obj, kp, &format, &obj_sam_id)) != SAM_OK) {
        if (rc != SAM_E_NOMEM) {
            sam_error_prefix("key_pair");
            rc = SAM_E_INVALID_KEY_PAIR;
        }
        goto out;
    }
    if (format != SAM_KEY_PAIR_FORMAT) {
        rc = sam_error_set(SAM_E_INVALID_KEY_PAIR, "key_pair: format %lld is not supported",
                           (long long)format);
        goto out;
    }
    if (strcmp(obj_sam_id, sam_id) != 0) {
        rc = sam_error_set(SAM_E_INVALID_KEY_PAIR, "key_pair: issued by another SAM");
        goto out;
    }
    if ((rc = get_b64(obj, "seal", SAM_MAX_MAC_LEN, 0, &mac, &mac_len)) != SAM_OK) {
        sam_error_prefix("key_pair");
        rc = SAM_E_INVALID_KEY_PAIR;
        goto out;
    }
    sam_key_pair_seal_input(sam_id, kp, &input);
    if ((rc = sam_strbuf_finish(&input)) != SAM_OK)
        goto out;
    rc = sam_module_seal_verify(m, (sam_bytes_t){(const uint8_t *)input.ptr, input.len},
                                (sam_bytes_t){mac, mac_len});
    if (rc == SAM_E_INVALID_KEY_PAIR) {
        rc = sam_error_set(SAM_E_INVALID_KEY_PAIR,
                           "key_pair: the seal does not match (a field was changed)");
        goto out;
    }
    if (rc != SAM_OK)
        goto out;
    *out = kp;
    kp = NULL;
out:
    free(mac);
    sam_strbuf_free(&input);
    sam_key_pair_free(kp);
    return rc;
}

int sam_key_pair_write(sam_module_t *m, const char *sam_id, const sam_key_pair_t *kp,
                       sam_strbuf_t *b)
{
    int rc;
    uint8_t mac[SAM_MAX_MAC_LEN];
    sam_outbuf_t mac_out = {mac, sizeof(mac), 0};
    sam_strbuf_t input = SAM_STRBUF_INIT;

    sam_key_pair_seal_input(sam_id, kp, &input);
    if ((rc = sam_strbuf_finish(&input)) != SAM_OK)
        goto out;
    if ((rc = sam_module_seal(m, (sam_bytes_t){(const uint8_t *)input.ptr, input.len}, &mac_out)) !=
        SAM_OK)
        goto out;
    if (mac_out.len == 0 || mac_out.len > sizeof(mac)) {
        rc = sam_error_set(SAM_E_BACKEND, "the module returned a seal of impossible length");
        goto out;
    }
    sam_strbuf_puts(b, "{\"id\":\"");
    sam_strbuf_puts(b, kp->id);
    if (kp->spec.type == SAM_KEY_RSA)
        sam_strbuf_printf(b, "\",\"algorithm\":\"RSA\",\"size\":%u", kp->spec.rsa_bits);
    else
        sam_strbuf_printf(b, "\",\"algorithm\":\"ECDSA\",\"named_curve\":\"%s\"",
                          sam_curve_name(kp->spec.curve));
    sam_strbuf_puts(b, ",\"public_key\":");
    sam_strbuf_json_base64(b, kp->spki, kp->spki_len);
    sam_strbuf_puts(b, ",\"signer\":");
    sam_strbuf_puts(b, kp->signer != NULL ? kp->signer : "null");
    sam_strbuf_puts(b, ",\"subject\":");
    if (kp->subject != NULL)
        sam_strbuf_json_string(b, kp->subject, strlen(kp->subject));
    else
        sam_strbuf_puts(b, "null");
    sam_strbuf_puts(b, ",\"certificate\":");
    if (kp->certificate != NULL)
        sam_strbuf_json_base64(b, kp->certificate, kp->certificate_len);
    else
        sam_strbuf_puts(b, "null");
    sam_strbuf_printf(b, ",\"status\":{\"assigned\":%s,\"certified\":%s,\"enabled\":%s}",
                      kp->assigned ? "true" : "false", kp->certified ? "true" : "false",
                      kp->enabled ? "true" : "false");
    sam_strbuf_printf(b, ",\"revision\":%u", (unsigned)kp->revision);
    sam_strbuf_puts(b, ",\"sam_id\":");
    sam_strbuf_json_string(b, sam_id, strlen(sam_id));
    sam_strbuf_printf(b, ",\"format\":%d,\"private_key\":", SAM_KEY_PAIR_FORMAT);
    sam_strbuf_json_base64(b, kp->wrapped, kp->wrapped_len);
    sam_strbuf_puts(b, ",\"seal\":");
    sam_strbuf_json_base64(b, mac, mac_out.len);
    sam_strbuf_puts(b, "}");
    rc = sam_strbuf_finish(b);
out:
    sam_strbuf_free(&input);
    return rc;
}

int sam_key_pair_sign(sam_module_t *m, const sam_key_pair_t *kp, const sam_sig_params_t *params,
                      const sam_bytes_t *hashes, size_t n, sam_outbuf_t *sigs)
{
    int rc;
    if ((rc = sam_sig_params_fit_key(params, &kp->spec)) != SAM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (hashes[i].len != sam_hash_len(params->hash))
            return sam_error_set(SAM_E_PARSE, "hash %zu has %zu bytes, the algorithm's hash has %zu",
                                 i, hashes[i].len, sam_hash_len(params->hash));
    }
    return sam_module_sign(m, &kp->spec, (sam_bytes_t){kp->wrapped, kp->wrapped_len}, params,
                           hashes, n, sigs);
}
