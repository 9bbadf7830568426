/*
 * signatures/signHash: the hashes are signed through the core's one
 * SAD-gated signing path (sam_op_sign), the same check as
 * POST /sam/v1/signatures, with this server's CSC issuer as the only trusted
 * authorization server. The SAD's usage is counted in the state store, so
 * it never yields more signatures than it allows, across requests, restarts
 * and nodes. Every call that reaches the core is recorded in the service
 * audit log; a record that cannot be written turns the answer into 503.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "csc_internal.h"
#include "sam/audit.h"
#include "sam/base64.h"
#include "sam/keypair.h"
#include "sam/log.h"
#include "sam/ops.h"

#define OID_RSA "1.2.840.113549.1.1.1"
#define OID_PSS "1.2.840.113549.1.1.10"

static const struct {
    const char *oid;
    sam_key_type key;
    sam_hash hash; /* SAM_HASH_NONE: from hashAlgo (RSA) or the PSS parameters */
} sign_algos[] = {
    {OID_RSA, SAM_KEY_RSA, SAM_HASH_NONE},
    {OID_PSS, SAM_KEY_RSA, SAM_HASH_NONE},
    {"1.2.840.113549.1.1.11", SAM_KEY_RSA, SAM_HASH_SHA256},
    {"1.2.840.113549.1.1.12", SAM_KEY_RSA, SAM_HASH_SHA384},
    {"1.2.840.113549.1.1.13", SAM_KEY_RSA, SAM_HASH_SHA512},
    {"1.2.840.10045.4.3.2", SAM_KEY_EC, SAM_HASH_SHA256},
    {"1.2.840.10045.4.3.3", SAM_KEY_EC, SAM_HASH_SHA384},
    {"1.2.840.10045.4.3.4", SAM_KEY_EC, SAM_HASH_SHA512},
};

static const struct {
    const char *oid;
    sam_hash hash;
    const char *rsa_name; /* with signAlgo 1.2.840.113549.1.1.1 */
} hash_algos[] = {
    {"2.16.840.1.101.3.4.2.1", SAM_HASH_SHA256, "RS256"},
    {"2.16.840.1.101.3.4.2.2", SAM_HASH_SHA384, "RS384"},
    {"2.16.840.1.101.3.4.2.3", SAM_HASH_SHA512, "RS512"},
};

/* Record the call in the service audit log; on failure the answer is 503. */
static int audit(csc_call_t *call, const sam_op_facts_t *f, int rc)
{
    char reason[320];
    bool failed = csc_answer_failed(call);

    snprintf(reason, sizeof(reason), "POST /csc/v1/signatures/signHash%s%.200s",
             failed && rc != SAM_OK ? ": " : "", failed && rc != SAM_OK ? sam_error_message() : "");
    sam_audit_event_t ev = {
        .event = "csc_sign_hash",
        .signer = f->signer_id,
        .key_id = f->key_id[0] != '\0' ? f->key_id : NULL,
        .sad_jti = f->sad_jti,
        .sad_iss = f->sad_issuer,
        .hashes = f->hashes,
        .algorithm = f->algorithm,
        .reason = reason,
    };
    return csc_audit_record(call, "signatures/signHash", &ev, NULL);
}

/* Answer a failure of sam_op_sign in the CSC vocabulary. */
static void answer_sign_error(csc_call_t *call, int rc)
{
    switch (rc) {
    case SAM_E_SAD_EXPIRED:
        csc_invalid_request(call, "SAD expired");
        break;
    case SAM_E_SAD_INVALID:
        if (strstr(sam_error_message(), "is not authorized by the SAD") != NULL)
            csc_invalid_request(call, "Hash is not authorized by the SAD.");
        else
            csc_invalid_request(call, "Invalid parameter SAD");
        break;
    case SAM_E_SAD_EXHAUSTED:
        csc_invalid_request(call, "Invalid parameter SAD");
        break;
    case SAM_E_KEY_NOT_USABLE:
    case SAM_E_KEY_DELETED:
        csc_invalid_request(call, "The credential identified by credentialID is disabled");
        break;
    case SAM_E_PARSE:
    case SAM_E_UNSUPPORTED_ALG:
        csc_invalid_request(call, "Invalid parameter signAlgo");
        break;
    default:
        csc_fail_internal(call, rc);
        break;
    }
}

void csc_signatures_sign_hash(csc_call_t *call)
{
    const char *id = NULL, *sad = NULL, *sign_algo = NULL, *hash_algo = NULL, *params_b64 = NULL;
    csc_cred_t cr = {0};
    sam_bytes_t *hashes = NULL;
    size_t n = 0, a, h = sizeof(hash_algos) / sizeof(hash_algos[0]);
    uint8_t *pss_der = NULL, *sig_mem = NULL;
    size_t pss_len = 0;
    sam_op_sign_request_t *reqs = NULL;
    sam_outbuf_t *sigs = NULL;
    sam_op_facts_t facts = {0};
    csc_sad_trust_t trust = {0};
    const char *algorithm;
    sam_hash want = SAM_HASH_NONE;
    bool audited = false;
    int rc = SAM_OK;

    if (csc_opt_string(call, "credentialID", &id) != SAM_OK || id == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter credentialID");
        goto out;
    }
    if (csc_opt_string(call, "SAD", &sad) != SAM_OK || sad == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter SAD");
        goto out;
    }
    if (csc_read_hashes(call, sam_json_get(call->body, "hash"), true, &hashes, &n) != SAM_OK)
        goto out;
    if (n > SAM_OP_MAX_REQUESTS ||
        n > sam_service_static(call->svc)->limits.max_hashes_per_request) {
        csc_invalid_request(call, CSC_MALFORMED);
        goto out;
    }
    if (csc_opt_string(call, "signAlgo", &sign_algo) != SAM_OK || sign_algo == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter signAlgo");
        goto out;
    }
    if (csc_opt_string(call, "hashAlgo", &hash_algo) != SAM_OK) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter hashAlgo");
        goto out;
    }
    if (csc_opt_string(call, "signAlgoParams", &params_b64) != SAM_OK) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter signAlgoParams");
        goto out;
    }
    if (csc_cred_open(call, id, &cr) != SAM_OK)
        goto out;
    if (!cr.usable) {
        csc_invalid_request(call, "The credential identified by credentialID is disabled");
        goto out;
    }
    /* signAlgo must be one that credentials/info lists for this key. */
    for (a = 0; a < sizeof(sign_algos) / sizeof(sign_algos[0]); a++)
        if (strcmp(sign_algos[a].oid, sign_algo) == 0 && sign_algos[a].key == cr.kp->spec.type)
            break;
    if (a == sizeof(sign_algos) / sizeof(sign_algos[0])) {
        csc_invalid_request(call, "Invalid parameter signAlgo");
        goto out;
    }
    if (hash_algo != NULL) {
        for (h = 0; h < sizeof(hash_algos) / sizeof(hash_algos[0]); h++)
            if (strcmp(hash_algos[h].oid, hash_algo) == 0)
                break;
        if (h == sizeof(hash_algos) / sizeof(hash_algos[0])) {
            csc_invalid_request(call, "Invalid parameter hashAlgo");
            goto out;
        }
    }
    algorithm = sign_algo;
    want = sign_algos[a].hash;
    if (strcmp(sign_algo, OID_RSA) == 0) {
        if (hash_algo == NULL) {
            csc_invalid_request(call, "Missing (or invalid type) string parameter hashAlgo");
            goto out;
        }
        algorithm = hash_algos[h].rsa_name;
        want = hash_algos[h].hash;
    } else if (strcmp(sign_algo, OID_PSS) == 0) {
        sam_sig_params_t p = {0};
        if (params_b64 == NULL) {
            csc_invalid_request(call, "Missing (or invalid type) string parameter signAlgoParams");
            goto out;
        }
        if (sam_base64_decode_alloc(params_b64, strlen(params_b64), &pss_der, &pss_len) != SAM_OK ||
            sam_pss_params_parse(pss_der, pss_len, &p) != SAM_OK) {
            csc_invalid_request(call, "Invalid parameter signAlgoParams");
            goto out;
        }
        want = p.hash;
        if (hash_algo != NULL && hash_algos[h].hash != want) {
            csc_invalid_request(call, "Invalid parameter hashAlgo");
            goto out;
        }
    } else if (hash_algo != NULL && hash_algos[h].hash != want) {
        csc_invalid_request(call, "Invalid parameter hashAlgo");
        goto out;
    }
    if (params_b64 != NULL && strcmp(sign_algo, OID_PSS) != 0) {
        csc_invalid_request(call, "Invalid parameter signAlgoParams");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (hashes[i].len != sam_hash_len(want)) {
            csc_invalid_request(call, "Invalid digest value length");
            goto out;
        }
    }
    reqs = calloc(n, sizeof(*reqs));
    sigs = calloc(n, sizeof(*sigs));
    sig_mem = malloc(n * SAM_MAX_SIGNATURE_LEN);
    if (reqs == NULL || sigs == NULL || sig_mem == NULL) {
        csc_fail_internal(call, sam_error_set(SAM_E_NOMEM, "out of memory"));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        reqs[i] = (sam_op_sign_request_t){hashes[i], algorithm, {pss_der, pss_len}};
        sigs[i] = (sam_outbuf_t){sig_mem + i * SAM_MAX_SIGNATURE_LEN, SAM_MAX_SIGNATURE_LEN, 0};
    }
    if ((rc = csc_sad_trust_open(call->svc, cr.c, &trust)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    sam_op_caller_t caller = {
        .issuer_keys = trust.keys, .issuer_key_count = trust.n, .issuer_rules = trust.rules};
    audited = true;
    rc = sam_op_sign(call->svc, &caller, cr.kpj, cr.c->user_id, reqs, n, sad, strlen(sad), sigs,
                     &facts);
    if (rc != SAM_OK) {
        answer_sign_error(call, rc);
        goto out;
    }
    sam_strbuf_t *b = &call->resp->body;
    sam_strbuf_puts(b, "{\"signatures\":[");
    for (size_t i = 0; i < n; i++) {
        char b64[(SAM_MAX_SIGNATURE_LEN / 3 + 2) * 4 + 1];
        sam_base64_encode(sigs[i].ptr, sigs[i].len, b64);
        sam_strbuf_printf(b, "%s\"%s\"", i > 0 ? "," : "", b64);
    }
    sam_strbuf_puts(b, "]}");
    if ((rc = sam_strbuf_finish(b)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    call->resp->status = 200;
out:
    /* Nothing is handed out that is not recorded: on failure the answer is
     * already 503; give the usage back too. */
    if (audited && audit(call, &facts, rc) != SAM_OK && facts.sad_reservation != NULL &&
        sam_store_sad_release(sam_service_store(call->svc), facts.sad_reservation) != SAM_OK)
        sam_log(SAM_LOG_ERROR, "csc signHash: SAD usage not given back after an audit failure: %s",
                sam_error_message());
    sam_op_facts_clear(&facts);
    if (sig_mem != NULL)
        OPENSSL_cleanse(sig_mem, n * SAM_MAX_SIGNATURE_LEN);
    free(sig_mem);
    free(sigs);
    free(reqs);
    free(pss_der);
    free(hashes);
    csc_sad_trust_close(call->svc, &trust);
    csc_cred_close(&cr);
}
