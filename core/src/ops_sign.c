/*
 * POST /sam/v1/signatures: the SAD-gated signing path. Everything is checked
 * before anything is signed; the SAD's usage is reserved atomically in the
 * store and given back if the module then fails, so that an error spends
 * nothing (threats N5-N8, N15, N20).
 */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops_internal.h"
#include "sam/algorithms.h"
#include "sam/audit.h"
#include "sam/log.h"

/* The key must be assigned to this signer, certified, enabled, and its certificate valid now. */
static int check_usable(const sam_key_pair_t *kp, const char *signer_id)
{
    if (!kp->assigned || kp->signer_id == NULL || strcmp(kp->signer_id, signer_id) != 0)
        return sam_error_set(SAM_E_KEY_NOT_USABLE, "key pair %s is not assigned to signer \"%.64s\"",
                             kp->id, signer_id);
    if (!kp->certified)
        return sam_error_set(SAM_E_KEY_NOT_USABLE, "key pair %s is not certified", kp->id);
    if (!kp->enabled)
        return sam_error_set(SAM_E_KEY_NOT_USABLE, "key pair %s is disabled", kp->id);
    if (kp->certificate != NULL) {
        const uint8_t *p = kp->certificate;
        X509 *cert = d2i_X509(NULL, &p, (long)kp->certificate_len);
        int ok = cert != NULL && X509_cmp_current_time(X509_get0_notBefore(cert)) < 0 &&
                 X509_cmp_current_time(X509_get0_notAfter(cert)) > 0;
        X509_free(cert);
        if (!ok)
            return sam_error_set(SAM_E_KEY_NOT_USABLE,
                                 "the certificate of key pair %s is not within its validity period",
                                 kp->id);
    }
    return SAM_OK;
}

/* Resolve each request's algorithm against the key, the policy and its dtbs. */
static int resolve_params(sam_service_t *svc, const sam_key_pair_t *kp,
                          const sam_op_sign_request_t *requests, size_t n, sam_sig_params_t *params)
{
    const sam_alg_policy_t *policy = &sam_service_static(svc)->algorithms;
    int rc;
    for (size_t i = 0; i < n; i++) {
        sam_sig_params_t *p = &params[i];
        if ((rc = sam_sig_params_from_name(requests[i].algorithm, p)) != SAM_OK)
            return rc;
        if (requests[i].pss_params_der.ptr != NULL) {
            if (p->scheme != SAM_SCHEME_RSA_PSS || p->hash != SAM_HASH_NONE)
                return sam_error_set(SAM_E_PARSE,
                                     "requests[%zu]: \"signature_algorithm_params\" goes only with "
                                     "the RSASSA-PSS OID", i);
            if ((rc = sam_pss_params_parse(requests[i].pss_params_der.ptr,
                                           requests[i].pss_params_der.len, p)) != SAM_OK)
                return rc;
        }
        if ((rc = sam_sig_params_fix_hash(p, requests[i].dtbs.len)) != SAM_OK) {
            sam_error_prefix("requests[%zu].dtbs", i);
            return rc;
        }
        if ((rc = sam_alg_policy_check_sig(policy, p)) != SAM_OK ||
            (rc = sam_sig_params_fit_key(p, &kp->spec)) != SAM_OK)
            return rc;
    }
    return SAM_OK;
}

static int same_params(const sam_sig_params_t *a, const sam_sig_params_t *b)
{
    return a->scheme == b->scheme && a->hash == b->hash && a->mgf1_hash == b->mgf1_hash &&
           a->salt_len == b->salt_len;
}

/* Sign every request, one module call per distinct algorithm (one unwrap each). */
static int sign_all(sam_service_t *svc, const sam_key_pair_t *kp,
                    const sam_op_sign_request_t *requests, const sam_sig_params_t *params, size_t n,
                    sam_outbuf_t *sigs)
{
    int rc = SAM_OK;
    size_t *idx = calloc(n, sizeof(*idx));
    sam_bytes_t *hashes = calloc(n, sizeof(*hashes));
    sam_outbuf_t *outs = calloc(n, sizeof(*outs));
    char *done = calloc(n, 1);

    if (idx == NULL || hashes == NULL || outs == NULL || done == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && rc == SAM_OK; i++) {
        if (done[i])
            continue;
        size_t m = 0;
        for (size_t j = i; j < n; j++) {
            if (!done[j] && same_params(&params[i], &params[j])) {
                idx[m] = j;
                hashes[m] = requests[j].dtbs;
                outs[m] = sigs[j];
                done[j] = 1;
                m++;
            }
        }
        rc = sam_key_pair_sign(sam_service_module(svc), kp, &params[i], hashes, m, outs);
        for (size_t k = 0; k < m && rc == SAM_OK; k++)
            sigs[idx[k]].len = outs[k].len;
    }
out:
    free(idx);
    free(hashes);
    free(outs);
    free(done);
    return rc;
}

/*
 * Reserve n signatures under the SAD's (issuer, jti) in the store. A
 * hashless SAD (CSC SCAL 1, sad.h) authorizes any hashes up to its count:
 * the store then counts one wildcard entry that the SAD lists
 * num_signatures times, so its per-hash and total checks are both the count.
 * The wildcard is 1 byte long, no real hash's length, so it cannot meet one.
 */
static int reserve_usage(sam_service_t *svc, const sam_sad_t *sad, const sam_bytes_t *dtbs,
                         size_t n, sam_store_reservation_t **reservation)
{
    static const uint8_t wildcard_byte = '*';
    const sam_bytes_t wildcard = {&wildcard_byte, 1};
    int64_t expires = sad->exp + (int64_t)sam_service_static(svc)->sad.clock_skew_seconds;
    sam_bytes_t *listed = NULL, *asked = NULL;
    int rc;

    if (sad->n_hashes > 0)
        return sam_store_sad_reserve(sam_service_store(svc), sad->issuer, sad->jti, expires,
                                     sad->hashes, sad->n_hashes, sad->num_signatures, dtbs, n,
                                     reservation);
    if (sad->num_signatures == 0 || sad->num_signatures > SAM_SAD_MAX_HASHES)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: a hashless SAD needs 1 to %d signatures",
                             SAM_SAD_MAX_HASHES);
    listed = calloc(sad->num_signatures, sizeof(*listed));
    asked = calloc(n, sizeof(*asked));
    if (listed == NULL || asked == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < sad->num_signatures; i++)
        listed[i] = wildcard;
    for (size_t i = 0; i < n; i++)
        asked[i] = wildcard;
    rc = sam_store_sad_reserve(sam_service_store(svc), sad->issuer, sad->jti, expires, listed,
                               sad->num_signatures, sad->num_signatures, asked, n, reservation);
out:
    free(listed);
    free(asked);
    return rc;
}

/* What the audit record says was asked: the hashes, and the distinct algorithm names. */
static int note_request(const sam_op_sign_request_t *requests, size_t n, sam_op_facts_t *facts)
{
    sam_strbuf_t algs = SAM_STRBUF_INIT;
    sam_bytes_t *h = calloc(n, sizeof(*h));
    int rc;

    if (h == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        h[i] = requests[i].dtbs;
        while (j < i && strcmp(requests[j].algorithm, requests[i].algorithm) != 0)
            j++;
        if (j == i && algs.len < SAM_AUDIT_MAX_FIELD)
            sam_strbuf_printf(&algs, "%s%.64s", i == 0 ? "" : ",", requests[i].algorithm);
    }
    rc = sam_audit_hashes_json(h, n, &facts->hashes);
    if (rc == SAM_OK && (rc = sam_strbuf_finish(&algs)) == SAM_OK)
        facts->algorithm = sam_strbuf_take(&algs, NULL);
    sam_strbuf_free(&algs);
    free(h);
    return rc;
}

int sam_op_sign(sam_service_t *svc, const sam_op_caller_t *caller, const sam_json_t *key_pair,
                const char *signer_id, const sam_op_sign_request_t *requests, size_t n,
                const char *sad, size_t sad_len, sam_outbuf_t *sigs, sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;
    sam_sad_t *checked = NULL;
    sam_sig_params_t *params = NULL;
    sam_bytes_t *dtbs = NULL;
    sam_store_reservation_t *reservation = NULL;

    if (n == 0 || n > SAM_OP_MAX_REQUESTS)
        return sam_error_set(SAM_E_PARSE, "\"requests\" must hold 1 to %d entries", SAM_OP_MAX_REQUESTS);
    if ((rc = ops_strdup(&facts->signer_id, signer_id)) != SAM_OK ||
        (rc = note_request(requests, n, facts)) != SAM_OK)
        return rc;
    if ((rc = ops_open_key_pair(svc, key_pair, &kp, facts)) != SAM_OK ||
        (rc = check_usable(kp, signer_id)) != SAM_OK)
        goto out;
    params = calloc(n, sizeof(*params));
    dtbs = calloc(n, sizeof(*dtbs));
    if (params == NULL || dtbs == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = resolve_params(svc, kp, requests, n, params)) != SAM_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        dtbs[i] = requests[i].dtbs;
    sam_sad_expect_t expect = {SAM_SAD_PURPOSE_SIGNATURE, signer_id, kp->id, dtbs, n};
    if ((rc = ops_check_sad(svc, caller, sad, sad_len, &expect, &checked, facts)) != SAM_OK)
        goto out;
    if ((rc = reserve_usage(svc, checked, dtbs, n, &reservation)) != SAM_OK)
        goto out;
    if ((rc = sign_all(svc, kp, requests, params, n, sigs)) != SAM_OK)
        goto out;
    facts->signatures = n;
    facts->sad_reservation = reservation; /* given back by the API layer if the audit fails */
    reservation = NULL;
out:
    if (reservation != NULL) {
        int saved = rc;
        char why[512];
        snprintf(why, sizeof(why), "%s", sam_error_message());
        if (sam_store_sad_release(sam_service_store(svc), reservation) != SAM_OK)
            sam_log(SAM_LOG_ERROR, "SAD %s: could not give back a reservation after a failed "
                                   "signature: %s", checked->jti, sam_error_message());
        sam_error_set(saved, "%s", why);
        rc = saved;
        sam_store_reservation_free(reservation);
    }
    sam_sad_free(checked);
    free(params);
    free(dtbs);
    sam_key_pair_free(kp);
    return rc;
}
