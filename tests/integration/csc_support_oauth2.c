/* The stand-in external OAuth2 server of test_csc_oauth2.c (csc_support_oauth2.h). */
#include "csc_support_oauth2.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jws_mint.h"
#include "sam/strbuf.h"

void oa_server_init(oa_server_t *oa)
{
    size_t len = 0;
    oa->key = mint_ec_key("P-256");
    uint8_t *spki = mint_spki(oa->key, &len);
    oa->spki_b64 = api_b64(spki, len);
    free(spki);
}

void oa_server_free(oa_server_t *oa)
{
    EVP_PKEY_free(oa->key);
    free(oa->spki_b64);
    memset(oa, 0, sizeof(*oa));
}

/* h's default dynamic document (harness_config.c) at version, with the member. */
static char *document(samh_t *h, long version, const char *member)
{
    return api_printf(
        "{\"version\":%ld,\"authorization_servers\":[{\"id\":\"%s\",\"public_key\":\"%s\"}],"
        "\"signing_service_privileged_users\":[{\"id\":\"%s\",\"public_key\":\"%s\","
        "\"allowed_authorization_servers\":[\"%s\"]}]%s%s}",
        version, h->as_id, h->as_spki_b64, h->ssa_id, h->clients[SAMH_SSA].spki_b64, h->as_id,
        member != NULL ? ",\"csc_oauth2\":" : "", member != NULL ? member : "");
}

void oa_put(samh_t *h, long version, const char *member, long status)
{
    samh_response_t r;
    char *doc = document(h, version, member);
    api_call(h, SAMH_ADMIN, "PUT", "/sam/v1/configurations/dynamic", doc, NULL, &r);
    api_assert_status(&r, status);
    samh_response_free(&r);
    free(doc);
}

char *oa_member(const oa_server_t *oa)
{
    return api_printf("{\"issuer\":\"" OA_ISSUER "\",\"base_uri\":\"" OA_BASE_URI
                      "\",\"audience\":\"" OA_AUDIENCE
                      "\",\"keys\":[{\"public_key\":\"%s\",\"kid\":\"oa1\"}]}",
                      oa->spki_b64);
}

void oa_install(samh_t *h, const oa_server_t *oa, long version)
{
    char *member = oa_member(oa);
    oa_put(h, version, member, 204);
    free(member);
}

char *oa_hash_array(const api_hash_t *hs, size_t n)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_strbuf_puts(&b, "[");
    for (size_t i = 0; i < n; i++) {
        sam_strbuf_puts(&b, i > 0 ? "," : "");
        sam_strbuf_json_base64(&b, hs[i].b, hs[i].len);
    }
    sam_strbuf_puts(&b, "]");
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    return sam_strbuf_take(&b, NULL);
}

/* ,"name":value unless value is OA_OMIT; def when value is NULL. */
static void member(sam_strbuf_t *b, const char *name, const char *value, const char *def)
{
    if (value == NULL)
        value = def;
    if (value == NULL || strcmp(value, OA_OMIT) == 0)
        return;
    sam_strbuf_printf(b, "%s\"%s\":%s", b->len > 1 ? "," : "", name, value);
}

char *oa_payload(const oa_claims_t *c)
{
    static unsigned counter;
    sam_strbuf_t b = SAM_STRBUF_INIT;
    long now = (long)time(NULL), iat = c->iat, exp = c->exp;
    char jti[64], times[96];
    uint8_t rnd[8];

    if (iat == 0 && exp == 0) {
        iat = -10;
        exp = 120;
    }
    api_random(rnd, sizeof(rnd));
    snprintf(jti, sizeof(jti), "\"oa-%d-%u-%02x%02x%02x%02x%02x%02x%02x%02x\"", (int)getpid(),
             ++counter, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    sam_strbuf_puts(&b, "{");
    member(&b, "iss", c->iss, "\"" OA_ISSUER "\"");
    member(&b, "aud", c->aud, "\"" OA_AUDIENCE "\"");
    member(&b, "sub", c->sub, NULL);
    member(&b, "scope", c->scope, "\"service\"");
    member(&b, "jti", c->jti, jti);
    member(&b, "credentialID", c->credential_id, NULL);
    if (c->n_hashes > 0) {
        char *arr = oa_hash_array(c->hashes, c->n_hashes);
        member(&b, "hash", arr, NULL);
        free(arr);
    }
    if (c->num_signatures != 0)
        sam_strbuf_printf(&b, ",\"numSignatures\":%d", c->num_signatures);
    snprintf(times, sizeof(times), ",\"iat\":%ld,\"exp\":%ld", now + iat, now + exp);
    sam_strbuf_puts(&b, times);
    if (c->extra != NULL)
        sam_strbuf_printf(&b, ",%s", c->extra);
    sam_strbuf_puts(&b, "}");
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    return sam_strbuf_take(&b, NULL);
}

char *oa_token_by(EVP_PKEY *key, const char *alg, const oa_claims_t *c)
{
    char *payload = oa_payload(c);
    char *header = api_printf("{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"oa1\"}", alg);
    char *jws = mint_jws(key, alg, header, payload);
    free(header);
    free(payload);
    return jws;
}

char *oa_token(const oa_server_t *oa, const oa_claims_t *c)
{
    return oa_token_by(oa->key, "ES256", c);
}
