#include <string.h>

#include "keypair_internal.h"
#include "sam/rc.h"

#define ABSENT 0xffffffffu

enum {
    TAG_FORMAT = 1,
    TAG_SAM_ID,
    TAG_ID,
    TAG_KEY_TYPE,
    TAG_RSA_BITS,
    TAG_CURVE,
    TAG_PUBLIC_KEY,
    TAG_SIGNER,
    TAG_SUBJECT,
    TAG_CERTIFICATE,
    TAG_ASSIGNED,
    TAG_CERTIFIED,
    TAG_ENABLED,
    TAG_PRIVATE_KEY,
    TAG_REVISION,
};

static void put_u32(sam_strbuf_t *b, uint32_t v)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    sam_strbuf_append(b, be, sizeof(be));
}

static void put_field(sam_strbuf_t *b, uint8_t tag, const void *data, size_t len)
{
    sam_strbuf_append(b, &tag, 1);
    if (data == NULL) {
        put_u32(b, ABSENT);
        return;
    }
    if (len >= ABSENT) {
        b->failed = SAM_E_LIMIT; /* cannot be encoded unambiguously; never within our limits */
        return;
    }
    put_u32(b, (uint32_t)len);
    sam_strbuf_append(b, data, len);
}

static void put_str(sam_strbuf_t *b, uint8_t tag, const char *s)
{
    put_field(b, tag, s, s != NULL ? strlen(s) : 0);
}

static void put_int(sam_strbuf_t *b, uint8_t tag, uint32_t v)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put_field(b, tag, be, sizeof(be));
}

void sam_key_pair_seal_input(const char *sam_id, const sam_key_pair_t *kp, sam_strbuf_t *b)
{
    static const char domain[] = "OpenSAM key_pair seal";
    sam_strbuf_append(b, domain, sizeof(domain)); /* with its NUL: a fixed-length prefix */
    put_int(b, TAG_FORMAT, SAM_KEY_PAIR_FORMAT);
    put_str(b, TAG_SAM_ID, sam_id);
    put_str(b, TAG_ID, kp->id);
    put_int(b, TAG_KEY_TYPE, (uint32_t)kp->spec.type);
    put_int(b, TAG_RSA_BITS, kp->spec.rsa_bits);
    put_int(b, TAG_CURVE, (uint32_t)kp->spec.curve);
    put_field(b, TAG_PUBLIC_KEY, kp->spki, kp->spki_len);
    put_str(b, TAG_SIGNER, kp->signer);
    put_str(b, TAG_SUBJECT, kp->subject);
    put_field(b, TAG_CERTIFICATE, kp->certificate, kp->certificate_len);
    put_int(b, TAG_ASSIGNED, kp->assigned);
    put_int(b, TAG_CERTIFIED, kp->certified);
    put_int(b, TAG_ENABLED, kp->enabled);
    put_field(b, TAG_PRIVATE_KEY, kp->wrapped, kp->wrapped_len);
    put_int(b, TAG_REVISION, kp->revision);
}
