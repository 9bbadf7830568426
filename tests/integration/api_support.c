/* Helpers for the /sam/v1 integration tests; see api_support.h. */
#define _GNU_SOURCE /* vasprintf */
#include "api_support.h"

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "jws_mint.h"
#include "sam/base64.h"
#include "sam/strbuf.h"

/* ---- harness ------------------------------------------------------------- */

samh_t *api_start(const samh_options_t *opts)
{
    samh_t *h = NULL;
    cr_assert_eq(samh_setup(&h, opts), 0, "harness setup failed");
    api_restart(h);
    return h;
}

void api_restart(samh_t *h)
{
    /* The token's softhsm2.conf: the last harness set up owns the variable otherwise. */
    cr_assert_eq(setenv("SOFTHSM2_CONF", h->token.conf, 1), 0);
    cr_assert_eq(samh_start(h), 0, "samd did not start");
}

void api_stop(samh_t *h)
{
    int status = -1;
    cr_assert_eq(samh_stop(h, 30000, &status), 0, "samd did not stop in time");
    cr_assert_eq(status, 0, "samd exited with %d", status);
}

/* ---- requests ------------------------------------------------------------ */

void api_call(samh_t *h, samh_client_t who, const char *method, const char *path,
              const char *body, const char *sad, samh_response_t *r)
{
    samh_request_t req = {.method = method,
                          .path = path,
                          .body = body,
                          .body_len = body != NULL ? strlen(body) : 0,
                          .sad = sad,
                          .client = who,
                          .timeout_ms = 60000};
    cr_assert_eq(samh_request(h, &req, r), 0, "%s %s: no response: %s", method ? method : "GET",
                 path, r->error);
}

void api_assert_status(const samh_response_t *r, long status)
{
    cr_assert_eq(r->curl_code, 0, "no response: %s", r->error);
    cr_assert_eq(r->status, status, "status %ld, expected %ld; body %s", r->status, status,
                 r->body);
    if (status != 204)
        cr_assert_str_eq(r->content_type, "application/json", "body %s", r->body);
    else
        cr_assert_eq(r->body_len, 0, "204 with a body: %s", r->body);
}

sam_json_t *api_json(const samh_response_t *r)
{
    sam_json_t *v = NULL;
    cr_assert_eq(sam_json_parse(r->body, r->body_len, &sam_json_default_limits, &v), 0,
                 "body is not JSON: %s", r->body);
    return v;
}

void api_assert_error(const samh_response_t *r, long status, const char *code)
{
    api_assert_status(r, status);
    sam_json_t *v = api_json(r);
    cr_assert_eq(v->type, SAM_JSON_OBJECT, "%s", r->body);
    cr_assert_eq(v->u.obj.count, 2, "error body with other members: %s", r->body);
    const sam_json_t *e = sam_json_get(v, "error"), *d = sam_json_get(v, "error_description");
    cr_assert(e != NULL && e->type == SAM_JSON_STRING, "no \"error\": %s", r->body);
    cr_assert(d != NULL && d->type == SAM_JSON_STRING && d->u.str.len > 0,
              "no \"error_description\": %s", r->body);
    cr_assert_str_eq(e->u.str.ptr, code, "error %s, expected %s; body %s", e->u.str.ptr, code,
                     r->body);
    sam_json_free(v);
}

void api_expect_error(samh_t *h, samh_client_t who, const char *method, const char *path,
                      const char *body, const char *sad, long status, const char *code)
{
    samh_response_t r;
    api_call(h, who, method, path, body, sad, &r);
    api_assert_error(&r, status, code);
    samh_response_free(&r);
}

/* ---- text ---------------------------------------------------------------- */

char *api_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    return s;
}

char *api_replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    cr_assert_not_null(at, "\"%s\" not in %s", from, s);
    return api_printf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

char *api_subst(const char *s, const char *from, const char *to)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    size_t flen = strlen(from);
    cr_assert_gt(flen, 0);
    for (const char *at; (at = strstr(s, from)) != NULL; s = at + flen) {
        sam_strbuf_append(&b, s, (size_t)(at - s));
        sam_strbuf_puts(&b, to);
    }
    sam_strbuf_puts(&b, s);
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    return sam_strbuf_take(&b, NULL);
}

char *api_b64(const uint8_t *data, size_t len)
{
    char *s = sam_base64_encode_alloc(data, len);
    cr_assert_not_null(s);
    return s;
}

uint8_t *api_unb64(const char *b64, size_t *len)
{
    uint8_t *out = NULL;
    cr_assert_eq(sam_base64_decode_alloc(b64, strlen(b64), &out, len), 0, "not base64: %s", b64);
    return out;
}

void api_random(uint8_t *out, size_t len)
{
    cr_assert_eq(RAND_bytes(out, (int)len), 1);
}

/* ---- key pairs ----------------------------------------------------------- */

/* The canonical text of member of the response object. */
static char *member_text(const samh_response_t *r, const char *member)
{
    sam_json_t *v = api_json(r);
    cr_assert_eq(v->type, SAM_JSON_OBJECT);
    cr_assert_eq(v->u.obj.count, 1, "response with other members: %s", r->body);
    const sam_json_t *m = sam_json_get(v, member);
    cr_assert(m != NULL && m->type == SAM_JSON_OBJECT, "no \"%s\" object: %s", member, r->body);
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_json_write_canonical(&b, m);
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    char *s = sam_strbuf_take(&b, NULL);
    sam_json_free(v);
    return s;
}

char *api_generate(samh_t *h, const char *template_json)
{
    samh_response_t r;
    char *body = api_printf("{\"key_template\":%s}", template_json);
    api_call(h, SAMH_SSA, "POST", "/sam/v1/key_pairs", body, NULL, &r);
    api_assert_status(&r, 201);
    char *kp = member_text(&r, "key_pair");
    samh_response_free(&r);
    free(body);
    return kp;
}

static sam_json_t *parse_kp(const char *kp)
{
    sam_json_t *v = NULL;
    cr_assert_eq(sam_json_parse(kp, strlen(kp), &sam_json_default_limits, &v), 0);
    cr_assert_eq(v->type, SAM_JSON_OBJECT);
    return v;
}

static bool flag(const sam_json_t *status, const char *name)
{
    const sam_json_t *f = sam_json_get(status, name);
    cr_assert(f != NULL && f->type == SAM_JSON_BOOL, "status.%s is not a boolean", name);
    return f->u.boolean;
}

void api_assert_key_pair(const char *kp, const char *algorithm, bool assigned, bool certified,
                         bool enabled, const char *signer_id)
{
    static const char *const members[] = {
        "id",       "algorithm", "public_key", "signer",      "subject", "certificate", "status",
        "revision", "sam_id",    "format",     "private_key", "seal",    NULL};
    sam_json_t *v = parse_kp(kp);
    size_t expected = 0;
    for (size_t i = 0; members[i] != NULL; i++, expected++)
        cr_assert_not_null(sam_json_get(v, members[i]), "key_pair lacks %s: %s", members[i], kp);
    const sam_json_t *id = sam_json_get(v, "id"), *alg = sam_json_get(v, "algorithm");
    cr_assert(id->type == SAM_JSON_STRING && id->u.str.len == 32, "id: %s", kp);
    cr_assert(alg->type == SAM_JSON_STRING && strcmp(alg->u.str.ptr, algorithm) == 0,
              "algorithm: %s", kp);
    if (strcmp(algorithm, "RSA") == 0) {
        const sam_json_t *size = sam_json_get(v, "size");
        cr_assert(size != NULL && size->type == SAM_JSON_INTEGER, "RSA without size: %s", kp);
        cr_assert_null(sam_json_get(v, "named_curve"), "RSA with named_curve: %s", kp);
    } else {
        const sam_json_t *c = sam_json_get(v, "named_curve");
        cr_assert(c != NULL && c->type == SAM_JSON_STRING, "ECDSA without named_curve: %s", kp);
        cr_assert_null(sam_json_get(v, "size"), "ECDSA with size: %s", kp);
    }
    expected++;
    cr_assert_eq(v->u.obj.count, expected, "key_pair with other members: %s", kp);
    const sam_json_t *pk = sam_json_get(v, "public_key");
    cr_assert_eq(pk->type, SAM_JSON_STRING);
    const sam_json_t *status = sam_json_get(v, "status");
    cr_assert_eq(status->type, SAM_JSON_OBJECT);
    cr_assert_eq(status->u.obj.count, 3, "status: %s", kp);
    cr_assert_eq(flag(status, "assigned"), assigned, "assigned: %s", kp);
    cr_assert_eq(flag(status, "certified"), certified, "certified: %s", kp);
    cr_assert_eq(flag(status, "enabled"), enabled, "enabled: %s", kp);
    const sam_json_t *signer = sam_json_get(v, "signer");
    if (signer_id == NULL) {
        cr_assert_eq(signer->type, SAM_JSON_NULL, "signer: %s", kp);
    } else {
        cr_assert_eq(signer->type, SAM_JSON_OBJECT, "signer: %s", kp);
        const sam_json_t *sid = sam_json_get(signer, "id");
        cr_assert(sid != NULL && sid->type == SAM_JSON_STRING &&
                      strcmp(sid->u.str.ptr, signer_id) == 0,
                  "signer: %s", kp);
    }
    sam_json_free(v);
}

char *api_kp_string(const char *kp, const char *member)
{
    sam_json_t *v = parse_kp(kp);
    const sam_json_t *m = sam_json_get(v, member);
    char *s = m != NULL && m->type == SAM_JSON_STRING ? strdup(m->u.str.ptr) : NULL;
    sam_json_free(v);
    return s;
}

EVP_PKEY *api_kp_pkey(const char *kp)
{
    size_t len = 0;
    char *b64 = api_kp_string(kp, "public_key");
    cr_assert_not_null(b64);
    uint8_t *der = api_unb64(b64, &len);
    const uint8_t *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    cr_assert_not_null(k, "public_key is not DER SPKI");
    cr_assert_eq(p, der + len);
    free(der);
    free(b64);
    return k;
}

char *api_assign_body(const char *kp, const char *signer, const char *subject)
{
    if (subject == NULL)
        return api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"%s\"}}", kp, signer);
    return api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"%s\"},\"subject\":\"%s\"}", kp,
                      signer, subject);
}

char *api_assign(samh_t *h, const char *kp, const char *signer, const char *subject)
{
    samh_response_t r;
    char *body = api_assign_body(kp, signer, subject);
    char *path = api_printf("/sam/v1/signers/%s/key_pairs", signer);
    api_call(h, SAMH_SSA, "POST", path, body, NULL, &r);
    api_assert_status(&r, 200);
    char *out = member_text(&r, "key_pair");
    samh_response_free(&r);
    free(body);
    free(path);
    return out;
}

uint8_t *api_cri(const char *kp, const char *cn, size_t *len)
{
    EVP_PKEY *pub = api_kp_pkey(kp);
    X509_REQ *req = X509_REQ_new();
    cr_assert_not_null(req);
    X509_NAME *name = X509_REQ_get_subject_name(req);
    cr_assert_eq(X509_REQ_set_version(req, 0), 1);
    cr_assert_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                            -1, -1, 0),
                 1);
    cr_assert_eq(X509_REQ_set_pubkey(req, pub), 1);
    uint8_t *der = NULL;
    int n = i2d_re_X509_REQ_tbs(req, &der);
    cr_assert_gt(n, 0);
    uint8_t *copy = malloc((size_t)n);
    cr_assert_not_null(copy);
    memcpy(copy, der, (size_t)n);
    OPENSSL_free(der);
    X509_REQ_free(req);
    EVP_PKEY_free(pub);
    *len = (size_t)n;
    return copy;
}

char *api_pop_body(const char *kp, const uint8_t *cri, size_t cri_len, const char *alg)
{
    char *b64 = api_b64(cri, cri_len);
    char *body = api_printf(
        "{\"key_pair\":%s,\"request\":{\"dtbs\":\"%s\",\"signature_algorithm\":\"%s\"}}", kp, b64,
        alg);
    free(b64);
    return body;
}

/* The test CA: made once per test process. */
static EVP_PKEY *ca_key;
static X509 *ca_cert;

static void ca_ready(void)
{
    if (ca_cert != NULL)
        return;
    ca_key = EVP_EC_gen("P-256");
    cr_assert_not_null(ca_key);
    ca_cert = X509_new();
    cr_assert_not_null(ca_cert);
    X509_NAME *name = X509_get_subject_name(ca_cert);
    cr_assert_eq(X509_set_version(ca_cert, 2), 1);
    cr_assert_eq(ASN1_INTEGER_set(X509_get_serialNumber(ca_cert), 1), 1);
    cr_assert_not_null(X509_gmtime_adj(X509_getm_notBefore(ca_cert), -86400));
    cr_assert_not_null(X509_gmtime_adj(X509_getm_notAfter(ca_cert), 30 * 86400));
    cr_assert_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                            (const unsigned char *)"OpenSAM API test CA", -1, -1,
                                            0),
                 1);
    cr_assert_eq(X509_set_issuer_name(ca_cert, name), 1);
    cr_assert_eq(X509_set_pubkey(ca_cert, ca_key), 1);
    cr_assert_gt(X509_sign(ca_cert, ca_key, EVP_sha256()), 0);
}

uint8_t *api_issue_cert(const char *kp, long from, long to, size_t *len)
{
    static long serial = 2;
    ca_ready();
    EVP_PKEY *pub = api_kp_pkey(kp);
    X509 *c = X509_new();
    cr_assert_not_null(c);
    X509_NAME *name = X509_get_subject_name(c);
    cr_assert_eq(X509_set_version(c, 2), 1);
    cr_assert_eq(ASN1_INTEGER_set(X509_get_serialNumber(c), serial++), 1);
    cr_assert_not_null(X509_gmtime_adj(X509_getm_notBefore(c), from));
    cr_assert_not_null(X509_gmtime_adj(X509_getm_notAfter(c), to));
    cr_assert_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                            (const unsigned char *)"API test signer", -1, -1, 0),
                 1);
    cr_assert_eq(X509_set_issuer_name(c, X509_get_subject_name(ca_cert)), 1);
    cr_assert_eq(X509_set_pubkey(c, pub), 1);
    cr_assert_gt(X509_sign(c, ca_key, EVP_sha256()), 0);
    uint8_t *der = NULL;
    int n = i2d_X509(c, &der);
    cr_assert_gt(n, 0);
    uint8_t *copy = malloc((size_t)n);
    cr_assert_not_null(copy);
    memcpy(copy, der, (size_t)n);
    OPENSSL_free(der);
    X509_free(c);
    EVP_PKEY_free(pub);
    *len = (size_t)n;
    return copy;
}

char *api_status_body(const char *kp, const char *signer, bool certified, bool enabled,
                      const uint8_t *cert, size_t cert_len)
{
    if (cert == NULL)
        return api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"%s\"},"
                          "\"status\":{\"certified\":%s,\"enabled\":%s}}",
                          kp, signer, certified ? "true" : "false", enabled ? "true" : "false");
    char *b64 = api_b64(cert, cert_len);
    char *body = api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"%s\"},"
                            "\"status\":{\"certified\":%s,\"enabled\":%s},\"certificate\":\"%s\"}",
                            kp, signer, certified ? "true" : "false", enabled ? "true" : "false",
                            b64);
    free(b64);
    return body;
}

char *api_key_path(const char *kp)
{
    char *id = api_kp_string(kp, "id");
    cr_assert_not_null(id);
    char *path = api_printf("/sam/v1/key_pairs/%s", id);
    free(id);
    return path;
}

char *api_update_status(samh_t *h, const char *kp, const char *signer, bool certified,
                        bool enabled, const uint8_t *cert, size_t cert_len)
{
    samh_response_t r;
    char *body = api_status_body(kp, signer, certified, enabled, cert, cert_len);
    char *path = api_key_path(kp);
    api_call(h, SAMH_SSA, "PUT", path, body, NULL, &r);
    api_assert_status(&r, 200);
    char *out = member_text(&r, "key_pair");
    samh_response_free(&r);
    free(body);
    free(path);
    return out;
}

char *api_ready_key(samh_t *h, const char *template_json, const char *signer)
{
    size_t cert_len = 0;
    char *kp = api_generate(h, template_json);
    char *assigned = api_assign(h, kp, signer, "CN=API test signer");
    uint8_t *cert = api_issue_cert(assigned, -3600, 86400, &cert_len);
    char *ready = api_update_status(h, assigned, signer, true, true, cert, cert_len);
    free(kp);
    free(assigned);
    free(cert);
    return ready;
}

/* ---- SADs ------------------------------------------------------------------ */

api_hash_t api_hash(size_t len)
{
    api_hash_t h = {.len = len};
    api_random(h.b, len);
    return h;
}

EVP_PKEY *api_as_key(samh_t *h)
{
    FILE *f = fopen(h->as_key, "r");
    cr_assert_not_null(f, "cannot open %s", h->as_key);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert_not_null(k);
    return k;
}

char *api_sad_payload(samh_t *h, const api_sad_t *s)
{
    static unsigned counter;
    sam_strbuf_t b = SAM_STRBUF_INIT;
    long now = (long)time(NULL);
    long iat = s->iat, exp = s->exp;
    char jti[64];
    uint8_t rnd[8];

    if (iat == 0 && exp == 0)
        exp = 120;
    if (s->jti == NULL) {
        api_random(rnd, sizeof(rnd));
        snprintf(jti, sizeof(jti), "jti-%d-%u-%02x%02x%02x%02x%02x%02x%02x%02x", (int)getpid(),
                 ++counter, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    }
    sam_strbuf_puts(&b, "{\"iss\":");
    const char *iss = s->iss != NULL ? s->iss : h->as_id;
    sam_strbuf_json_string(&b, iss, strlen(iss));
    sam_strbuf_puts(&b, ",\"aud\":");
    if (s->aud != NULL)
        sam_strbuf_puts(&b, s->aud);
    else
        sam_strbuf_json_string(&b, h->sam_id, strlen(h->sam_id));
    if (s->sub != NULL) {
        sam_strbuf_puts(&b, ",\"sub\":");
        sam_strbuf_json_string(&b, s->sub, strlen(s->sub));
    }
    if (s->key_id != NULL) {
        sam_strbuf_puts(&b, ",\"key_id\":");
        sam_strbuf_json_string(&b, s->key_id, strlen(s->key_id));
    }
    const char *purpose = s->purpose != NULL ? s->purpose : "signature";
    sam_strbuf_puts(&b, ",\"purpose\":");
    sam_strbuf_json_string(&b, purpose, strlen(purpose));
    sam_strbuf_printf(&b, ",\"iat\":%ld,\"exp\":%ld", now + iat, now + exp);
    if (s->has_nbf)
        sam_strbuf_printf(&b, ",\"nbf\":%ld", now + s->nbf);
    const char *j = s->jti != NULL ? s->jti : jti;
    sam_strbuf_puts(&b, ",\"jti\":");
    sam_strbuf_json_string(&b, j, strlen(j));
    if (s->n_hashes > 0) {
        sam_strbuf_puts(&b, ",\"hashes\":[");
        for (size_t i = 0; i < s->n_hashes; i++) {
            sam_strbuf_puts(&b, i == 0 ? "" : ",");
            sam_strbuf_json_base64(&b, s->hashes[i].b, s->hashes[i].len);
        }
        sam_strbuf_puts(&b, "]");
    }
    if (s->num_signatures != 0)
        sam_strbuf_printf(&b, ",\"num_signatures\":%d", s->num_signatures);
    if (s->extra != NULL)
        sam_strbuf_printf(&b, ",%s", s->extra);
    sam_strbuf_puts(&b, "}");
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    return sam_strbuf_take(&b, NULL);
}

char *api_sad_header(const api_sad_t *s)
{
    const char *alg = s->alg != NULL ? s->alg : "ES256";
    if (s->kid != NULL)
        return api_printf("{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, s->kid);
    return api_printf("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
}

char *api_sad(samh_t *h, const api_sad_t *s)
{
    EVP_PKEY *key = s->key != NULL ? s->key : api_as_key(h);
    char *payload = api_sad_payload(h, s), *header = api_sad_header(s);
    char *jws = mint_jws(key, s->alg != NULL ? s->alg : "ES256", header, payload);
    if (s->key == NULL)
        EVP_PKEY_free(key);
    free(payload);
    free(header);
    return jws;
}

/* ---- signatures ------------------------------------------------------------ */

char *api_sign_body(const char *kp, const char *signer, const char *top_alg, const api_req_t *reqs,
                    size_t n)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_strbuf_puts(&b, "{");
    if (top_alg != NULL)
        sam_strbuf_printf(&b, "\"signature_algorithm\":\"%s\",", top_alg);
    sam_strbuf_puts(&b, "\"requests\":[");
    for (size_t i = 0; i < n; i++) {
        sam_strbuf_puts(&b, i == 0 ? "{\"dtbs\":" : ",{\"dtbs\":");
        sam_strbuf_json_base64(&b, reqs[i].dtbs, reqs[i].len);
        if (reqs[i].alg != NULL)
            sam_strbuf_printf(&b, ",\"signature_algorithm\":\"%s\"", reqs[i].alg);
        if (reqs[i].params != NULL) {
            sam_strbuf_puts(&b, ",\"signature_algorithm_params\":");
            sam_strbuf_json_base64(&b, reqs[i].params, reqs[i].params_len);
        }
        sam_strbuf_puts(&b, "}");
    }
    sam_strbuf_printf(&b, "],\"key_pair\":%s,\"signer\":{\"id\":\"%s\"}}", kp, signer);
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    return sam_strbuf_take(&b, NULL);
}

void api_sign_ok(samh_t *h, const char *kp, const char *signer, const char *sad,
                 const char *top_alg, const api_req_t *reqs, size_t n, uint8_t **sigs,
                 size_t *lens)
{
    samh_response_t r;
    char *body = api_sign_body(kp, signer, top_alg, reqs, n);
    api_call(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    cr_assert_eq(v->type, SAM_JSON_OBJECT);
    cr_assert_eq(v->u.obj.count, 1, "%s", r.body);
    const sam_json_t *arr = sam_json_get(v, "signatures");
    cr_assert(arr != NULL && arr->type == SAM_JSON_ARRAY, "%s", r.body);
    cr_assert_eq(arr->u.arr.count, n, "%zu signatures for %zu requests", arr->u.arr.count, n);
    for (size_t i = 0; i < n; i++) {
        const sam_json_t *item = arr->u.arr.items[i];
        cr_assert(item->type == SAM_JSON_OBJECT && item->u.obj.count == 1, "%s", r.body);
        const sam_json_t *s = sam_json_get(item, "signature");
        cr_assert(s != NULL && s->type == SAM_JSON_STRING, "%s", r.body);
        sigs[i] = api_unb64(s->u.str.ptr, &lens[i]);
    }
    sam_json_free(v);
    samh_response_free(&r);
    free(body);
}

static const char *md_of_len(size_t len)
{
    return len == 32 ? "sha256" : len == 48 ? "sha384" : "sha512";
}

void api_sign_one_ok(samh_t *h, const char *kp, const char *signer, const char *sad,
                     const char *alg, const api_hash_t *hash)
{
    api_req_t req = {hash->b, hash->len, alg, NULL, 0};
    uint8_t *sig = NULL;
    size_t len = 0;
    char scheme[3] = {alg[0], alg[1], '\0'};
    api_sign_ok(h, kp, signer, sad, NULL, &req, 1, &sig, &len);
    cr_assert(api_verify(kp, scheme, md_of_len(hash->len), -1, hash->b, hash->len, sig, len),
              "%s signature does not verify", alg);
    free(sig);
}

size_t api_pss_params(const char *md, int salt, uint8_t out[128])
{
    return api_pss_params_mgf(md, md, salt, out);
}

/* AlgorithmIdentifier { shaNNN, NULL } into alg (15 bytes). */
static size_t sha_alg(const char *md, uint8_t alg[15])
{
    static const uint8_t sha_prefix[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02};
    size_t a = 0;
    alg[a++] = 0x30;
    alg[a++] = 13;
    memcpy(alg + a, sha_prefix, sizeof(sha_prefix));
    a += sizeof(sha_prefix);
    alg[a++] = strcmp(md, "sha256") == 0 ? 1 : strcmp(md, "sha384") == 0 ? 2 : 3;
    alg[a++] = 0x05;
    alg[a++] = 0x00;
    return a;
}

size_t api_pss_params_mgf(const char *md, const char *mgf_md, int salt, uint8_t out[128])
{
    static const uint8_t mgf1_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};
    uint8_t alg[15], mgf_alg[15], body[120];
    size_t n = 0, a = sha_alg(md, alg), m = sha_alg(mgf_md, mgf_alg);

    /* [0] hashAlgorithm */
    body[n++] = 0xa0;
    body[n++] = (uint8_t)a;
    memcpy(body + n, alg, a);
    n += a;
    /* [1] maskGenAlgorithm: { id-mgf1, AlgorithmIdentifier } */
    body[n++] = 0xa1;
    body[n++] = (uint8_t)(2 + sizeof(mgf1_oid) + m);
    body[n++] = 0x30;
    body[n++] = (uint8_t)(sizeof(mgf1_oid) + m);
    memcpy(body + n, mgf1_oid, sizeof(mgf1_oid));
    n += sizeof(mgf1_oid);
    memcpy(body + n, mgf_alg, m);
    n += m;
    /* [2] saltLength INTEGER (0 .. 0xffff) */
    cr_assert(salt >= 0 && salt <= 0xffff);
    uint8_t ib[3];
    size_t il = 0;
    if (salt > 0xff)
        ib[il++] = (uint8_t)(salt >> 8);
    ib[il++] = (uint8_t)salt;
    if (ib[0] & 0x80) {
        memmove(ib + 1, ib, il);
        ib[0] = 0;
        il++;
    }
    body[n++] = 0xa2;
    body[n++] = (uint8_t)(2 + il);
    body[n++] = 0x02;
    body[n++] = (uint8_t)il;
    memcpy(body + n, ib, il);
    n += il;
    out[0] = 0x30;
    out[1] = (uint8_t)n;
    memcpy(out + 2, body, n);
    return n + 2;
}

static const EVP_MD *md_by_name(const char *md)
{
    return strcmp(md, "sha256") == 0 ? EVP_sha256() : strcmp(md, "sha384") == 0 ? EVP_sha384()
                                                                                : EVP_sha512();
}

bool api_verify(const char *kp, const char *scheme, const char *md, int salt,
                const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY *pub = api_kp_pkey(kp);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);
    cr_assert_not_null(c);
    cr_assert_eq(EVP_PKEY_verify_init(c), 1);
    cr_assert_eq(EVP_PKEY_CTX_set_signature_md(c, md_by_name(md)), 1);
    if (strcmp(scheme, "RS") == 0) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
    } else if (strcmp(scheme, "PS") == 0) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING), 1);
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt < 0 ? (int)hash_len : salt), 1);
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(c, md_by_name(md)), 1);
    }
    bool ok = EVP_PKEY_verify(c, sig, sig_len, hash, hash_len) == 1;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pub);
    return ok;
}

bool api_verify_pss(const char *kp, const char *md, const char *mgf_md, int salt,
                    const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY *pub = api_kp_pkey(kp);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);
    cr_assert_not_null(c);
    cr_assert_eq(EVP_PKEY_verify_init(c), 1);
    cr_assert_eq(EVP_PKEY_CTX_set_signature_md(c, md_by_name(md)), 1);
    cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING), 1);
    cr_assert_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt), 1);
    cr_assert_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(c, md_by_name(mgf_md)), 1);
    bool ok = EVP_PKEY_verify(c, sig, sig_len, hash, hash_len) == 1;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pub);
    return ok;
}

bool api_verify_data(const char *kp, const char *scheme, const char *md, const uint8_t *data,
                     size_t len, const uint8_t *sig, size_t sig_len)
{
    uint8_t hash[64];
    unsigned int hlen = 0;
    cr_assert_eq(EVP_Digest(data, len, hash, &hlen, md_by_name(md), NULL), 1);
    return api_verify(kp, scheme, md, -1, hash, hlen, sig, sig_len);
}
