/*
 * One audit line: building and signing it (writer), checking it (writer's
 * tail recovery, verifier). The signed bytes are the line from its first
 * byte up to, not including, the last ,"sig":" ; the signature is ECDSA
 * P-256 over their SHA-256, DER, base64. prev is the hex SHA-256 of the whole
 * previous line without its newline.
 */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "sam/base64.h"
#include "sam/json.h"
#include "sam/rc.h"

void audit_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[32];
    unsigned dlen = 0;
    if (EVP_Digest(data, len, d, &dlen, EVP_sha256(), NULL) != 1 || dlen != 32)
        memset(d, 0, sizeof(d)); /* never happens; an all-zero hash would not verify */
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

int audit_line_build(sam_module_t *m, const char *log_name, const char *node, const char *sam_id,
                     const char *body, size_t body_len, audit_chain_t *chain, sam_strbuf_t *out)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_sig_params_t params = {SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    uint8_t hash[32], sig[SAM_MAX_SIGNATURE_LEN];
    sam_outbuf_t so = {sig, sizeof(sig), 0};
    unsigned hlen = 0;
    char time[AUDIT_TIME_LEN + 1];
    int rc;

    b.limit = SAM_AUDIT_MAX_LINE;
    audit_time_now(chain->time, time);
    sam_strbuf_printf(&b, "{\"seq\":%llu,\"time\":\"%s\",\"log\":\"%s\",\"node\":",
                      (unsigned long long)(chain->seq + 1), time, log_name);
    sam_strbuf_json_string(&b, node, strlen(node));
    sam_strbuf_puts(&b, ",\"sam_id\":");
    sam_strbuf_json_string(&b, sam_id, strlen(sam_id));
    sam_strbuf_puts(&b, ",");
    sam_strbuf_append(&b, body, body_len);
    sam_strbuf_printf(&b, ",\"prev\":\"%s\"", chain->prev);
    if ((rc = sam_strbuf_finish(&b)) != SAM_OK)
        goto out;
    if (EVP_Digest(b.ptr, b.len, hash, &hlen, EVP_sha256(), NULL) != 1) {
        rc = sam_error_set(SAM_E_INTERNAL, "SHA-256 failed");
        goto out;
    }
    if ((rc = sam_module_sign_with_key(m, SAM_MODULE_KEY_AUDIT, &params,
                                       (sam_bytes_t){hash, sizeof(hash)}, &so)) != SAM_OK) {
        sam_error_prefix("signing an audit record");
        goto out;
    }
    sam_strbuf_puts(&b, AUDIT_SIG_MARK);
    char b64[(SAM_MAX_SIGNATURE_LEN / 3 + 2) * 4 + 1];
    sam_base64_encode(sig, so.len, b64);
    sam_strbuf_puts(&b, b64);
    sam_strbuf_puts(&b, "\"}");
    if ((rc = sam_strbuf_finish(&b)) != SAM_OK)
        goto out;
    chain->seq++;
    audit_sha256_hex(b.ptr, b.len, chain->prev);
    memcpy(chain->time, time, sizeof(time));
    sam_strbuf_append(out, b.ptr, b.len);
    sam_strbuf_puts(out, "\n");
    rc = sam_strbuf_finish(out);
out:
    sam_strbuf_free(&b);
    return rc;
}

int audit_key_from_spki(const uint8_t *spki, size_t len, EVP_PKEY **out)
{
    const uint8_t *p = spki;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    *out = NULL;
    if (k == NULL || p != spki + len || EVP_PKEY_base_id(k) != EVP_PKEY_EC) {
        EVP_PKEY_free(k);
        return sam_error_set(SAM_E_PARSE, "the audit public key is not an EC SubjectPublicKeyInfo");
    }
    *out = k;
    return SAM_OK;
}

static int is_time(const char *s, size_t len)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (len != AUDIT_TIME_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

static int is_hex64(const char *s, size_t len)
{
    if (len != 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int verify_sig(EVP_PKEY *key, const char *signed_part, size_t signed_len, const char *b64,
                      size_t b64_len)
{
    uint8_t hash[32], sig[SAM_MAX_SIGNATURE_LEN];
    size_t sig_len = 0;
    unsigned hlen = 0;
    int ok = 0;

    if (b64_len > (sizeof(sig) / 3) * 4 || sam_base64_decode(b64, b64_len, sig, &sig_len) != SAM_OK)
        return sam_error_set(SAM_E_PARSE, "\"sig\" is not base64");
    if (EVP_Digest(signed_part, signed_len, hash, &hlen, EVP_sha256(), NULL) != 1)
        return sam_error_set(SAM_E_INTERNAL, "SHA-256 failed");
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
         EVP_PKEY_verify(ctx, sig, sig_len, hash, sizeof(hash)) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? SAM_OK : sam_error_set(SAM_E_PARSE, "the signature does not verify");
}

int audit_line_check(EVP_PKEY *key, const char *line, size_t len, audit_line_t *out)
{
    static const sam_json_limits_t limits = {SAM_AUDIT_MAX_LINE, 4, SAM_AUDIT_MAX_LINE, 64, 256};
    sam_json_t *rec = NULL;
    const char *s;
    size_t slen, mark_at = 0;
    int64_t seq;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len == 0)
        return sam_error_set(SAM_E_PARSE, "empty line");
    if (len > SAM_AUDIT_MAX_LINE)
        return sam_error_set(SAM_E_PARSE, "line longer than %d bytes", SAM_AUDIT_MAX_LINE);
    if ((rc = sam_json_parse(line, len, &limits, &rec)) != SAM_OK) {
        sam_error_prefix("not JSON");
        return SAM_E_PARSE;
    }
    rc = SAM_E_PARSE;
    if (rec->type != SAM_JSON_OBJECT) {
        sam_error_set(rc, "not a JSON object");
        goto out;
    }
    if (sam_json_need_int(rec, "seq", "seq", &seq) != SAM_OK || seq <= 0) {
        sam_error_set(rc, "\"seq\" missing or not a positive integer");
        goto out;
    }
    out->seq = (uint64_t)seq;
    if (sam_json_need_string(rec, "time", "time", &s, &slen) != SAM_OK || !is_time(s, slen)) {
        sam_error_set(rc, "\"time\" missing or not in the record format");
        goto out;
    }
    memcpy(out->time, s, AUDIT_TIME_LEN);
    if (sam_json_need_string(rec, "prev", "prev", &s, &slen) != SAM_OK || !is_hex64(s, slen)) {
        sam_error_set(rc, "\"prev\" missing or not a hex SHA-256");
        goto out;
    }
    memcpy(out->prev, s, 64);
    /* The signature is the last member: the line ends ,"sig":"B64"} */
    for (size_t i = 0; i + sizeof(AUDIT_SIG_MARK) - 1 <= len; i++)
        if (memcmp(line + i, AUDIT_SIG_MARK, sizeof(AUDIT_SIG_MARK) - 1) == 0)
            mark_at = i;
    if (mark_at == 0 || len < 2 || line[len - 1] != '}' || line[len - 2] != '"' ||
        sam_json_need_string(rec, "sig", "sig", &s, &slen) != SAM_OK ||
        mark_at + sizeof(AUDIT_SIG_MARK) - 1 + slen + 2 != len ||
        memcmp(line + mark_at + sizeof(AUDIT_SIG_MARK) - 1, s, slen) != 0) {
        sam_error_set(rc, "\"sig\" missing or not the last member");
        goto out;
    }
    if ((rc = verify_sig(key, line, mark_at, s, slen)) != SAM_OK)
        goto out;
    audit_sha256_hex(line, len, out->hash);
out:
    sam_json_free(rec);
    return rc;
}
