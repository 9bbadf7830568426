/*
 * Helpers for the /sam/v1 integration tests (test_api_*.c), on top of
 * samharness: requests and error checks, the key pair life cycle (generate,
 * assign, certification request, certificate from a test CA, certify and
 * enable), SADs minted with the harness's authorization server key, and
 * verification of the SAM's signatures with OpenSSL.
 *
 * Every function aborts the test (cr_assert) on failure. Returned memory is
 * malloc'd unless said otherwise. Key pairs travel as the canonical JSON text
 * of the `key_pair` object the SAM returned.
 */
#ifndef SAM_TEST_API_SUPPORT_H
#define SAM_TEST_API_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sam/json.h"
#include "samharness.h"

#define API_TEST_TIMEOUT 240

/* ---- harness ------------------------------------------------------------- */

/* samh_setup + samh_start; fails the test otherwise. */
samh_t *api_start(const samh_options_t *opts);
/* (Re)start samd of h; points SOFTHSM2_CONF at h's token first (several harnesses per test). */
void api_restart(samh_t *h);
/* SIGTERM; samd must exit with 0. */
void api_stop(samh_t *h);

/*
 * The number of objects a logged-in session of the test process sees on h's
 * token (token objects only: samd's session objects are its own), or -1.
 */
long api_token_objects(samh_t *h);

/* ---- requests ------------------------------------------------------------ */

/* One request; the transport must succeed. body NULL: none. */
void api_call(samh_t *h, samh_client_t who, const char *method, const char *path,
              const char *body, const char *sad, samh_response_t *r);
/* Status, JSON media type; aborts with the body in the message. */
void api_assert_status(const samh_response_t *r, long status);
/* An error: status, a JSON object with exactly "error" == code and a non-empty "error_description". */
void api_assert_error(const samh_response_t *r, long status, const char *code);
/* api_call, then api_assert_error, then free. */
void api_expect_error(samh_t *h, samh_client_t who, const char *method, const char *path,
                      const char *body, const char *sad, long status, const char *code);
/* Parse a response body (must be JSON). */
sam_json_t *api_json(const samh_response_t *r);

/* ---- text ---------------------------------------------------------------- */

char *api_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* s with the first occurrence of from replaced by to (which must occur). */
char *api_replace(const char *s, const char *from, const char *to);
/* s with every occurrence of from (maybe none) replaced by to. */
char *api_subst(const char *s, const char *from, const char *to);
/* Standard base64 with padding. */
char *api_b64(const uint8_t *data, size_t len);
uint8_t *api_unb64(const char *b64, size_t *len);
/* len random bytes. */
void api_random(uint8_t *out, size_t len);

/* ---- key pairs ----------------------------------------------------------- */

/* POST /sam/v1/key_pairs with {"key_template": template_json}; 201; returns the key_pair. */
char *api_generate(samh_t *h, const char *template_json);
/* Check the key_pair members and status flags (signer_id NULL: not assigned). */
void api_assert_key_pair(const char *kp, const char *algorithm, bool assigned, bool certified,
                         bool enabled, const char *signer_id);
/* A string member of the key pair object, copied; NULL when absent or not a string. */
char *api_kp_string(const char *kp, const char *member);
/* The key pair's public key as an OpenSSL key. */
EVP_PKEY *api_kp_pkey(const char *kp);
/* Body {"key_pair": kp, "signer": {"id": signer}, "subject": subject} (subject NULL: none). */
char *api_assign_body(const char *kp, const char *signer, const char *subject);
/* POST /sam/v1/signers/{signer}/key_pairs; 200; returns the assigned key_pair. */
char *api_assign(samh_t *h, const char *kp, const char *signer, const char *subject);

/* DER CertificationRequestInfo with subject CN=cn and the key pair's public key. */
uint8_t *api_cri(const char *kp, const char *cn, size_t *len);
/* Body of POST /sam/v1/proofs_of_possession. */
char *api_pop_body(const char *kp, const uint8_t *cri, size_t cri_len, const char *alg);

/* A certificate for the key pair's public key from the test CA, valid from..to (s from now). */
uint8_t *api_issue_cert(const char *kp, long from, long to, size_t *len);
/* Body of PUT /sam/v1/key_pairs/{id}; cert NULL: no "certificate". */
char *api_status_body(const char *kp, const char *signer, bool certified, bool enabled,
                      const uint8_t *cert, size_t cert_len);
/* PUT /sam/v1/key_pairs/{id}; 200; returns the updated key_pair. */
char *api_update_status(samh_t *h, const char *kp, const char *signer, bool certified,
                        bool enabled, const uint8_t *cert, size_t cert_len);
/* "/sam/v1/key_pairs/<id>" of kp. */
char *api_key_path(const char *kp);
/* Generate, assign to signer, certify with a CA certificate, enable. */
char *api_ready_key(samh_t *h, const char *template_json, const char *signer);

/* ---- SADs ------------------------------------------------------------------ */

typedef struct {
    uint8_t b[64];
    size_t len;
} api_hash_t;

/* A random hash of len bytes. */
api_hash_t api_hash(size_t len);

typedef struct {
    const char *iss;     /* NULL: h->as_id */
    const char *aud;     /* raw JSON value; NULL: "<h->sam_id>" */
    const char *sub;     /* signer */
    const char *key_id;  /* NULL: no claim */
    const char *purpose; /* NULL: "signature" */
    const char *jti;     /* NULL: a fresh unique one */
    const api_hash_t *hashes;
    size_t n_hashes;
    int num_signatures; /* 0: no claim */
    long iat, exp;      /* offsets from now; both 0: iat = now, exp = now + 120 */
    bool has_nbf;
    long nbf;
    const char *extra; /* more raw members ("\"loa\":\"high\""), or NULL */
    const char *alg;   /* NULL: ES256 */
    EVP_PKEY *key;     /* NULL: the harness's authorization server key */
    const char *kid;   /* header kid, or NULL */
} api_sad_t;

/* The claims JSON of s. */
char *api_sad_payload(samh_t *h, const api_sad_t *s);
/* The header JSON of s. */
char *api_sad_header(const api_sad_t *s);
/* A signed SAD. */
char *api_sad(samh_t *h, const api_sad_t *s);
/* The harness's authorization server key (private). */
EVP_PKEY *api_as_key(samh_t *h);

/* ---- signatures ------------------------------------------------------------ */

typedef struct {
    const uint8_t *dtbs;
    size_t len;
    const char *alg;          /* NULL: none in the request */
    const uint8_t *params;    /* RSASSA-PSS-params DER, or NULL */
    size_t params_len;
} api_req_t;

/* Body of POST /sam/v1/signatures. top_alg NULL: none. */
char *api_sign_body(const char *kp, const char *signer, const char *top_alg, const api_req_t *reqs,
                    size_t n);
/* POST /sam/v1/signatures, expecting 200 and n signatures; returns them (sigs[i], lens[i]). */
void api_sign_ok(samh_t *h, const char *kp, const char *signer, const char *sad,
                 const char *top_alg, const api_req_t *reqs, size_t n, uint8_t **sigs,
                 size_t *lens);
/* Sign one hash under sad, expecting 200; verified with OpenSSL as alg. */
void api_sign_one_ok(samh_t *h, const char *kp, const char *signer, const char *sad,
                     const char *alg, const api_hash_t *hash);

/* DER RSASSA-PSS-params with hash and MGF1 hash md ("sha256", "sha384", "sha512") and salt. */
size_t api_pss_params(const char *md, int salt, uint8_t out[128]);
/* The same with an MGF1 hash of its own. */
size_t api_pss_params_mgf(const char *md, const char *mgf_md, int salt, uint8_t out[128]);
/*
 * Does sig verify over hash (the dtbs) with the key pair's public key? scheme
 * "RS", "PS" or "ES"; md "sha256"...; salt for PS (-1: hash length).
 */
bool api_verify(const char *kp, const char *scheme, const char *md, int salt,
                const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len);
/* RSASSA-PSS with an MGF1 hash of its own. */
bool api_verify_pss(const char *kp, const char *md, const char *mgf_md, int salt,
                    const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len);
/* Does sig verify over data (hashed with md) with the key pair's public key? */
bool api_verify_data(const char *kp, const char *scheme, const char *md, const uint8_t *data,
                     size_t len, const uint8_t *sig, size_t sig_len);

#endif
