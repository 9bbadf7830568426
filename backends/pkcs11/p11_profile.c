/*
 * Per-module profiles. A profile is data: the code is the same for every
 * module, the profile says what differs. Add a module by adding a row.
 */
#include <string.h>

#include "p11_internal.h"

static const p11_profile_t profiles[] = {
    {
        /* SoftHSMv2 2.6: keeps ~244 bytes per destroyed session object until
         * C_Finalize, so re-initialize every 10,000 temporary objects. */
        .name = "softhsm",
        .library_hint = "/usr/lib/softhsm/libsofthsm2.so",
        .default_reinit_after = 10000,
        .ec_unwrap_params = 0,
        /* C_SignInit refuses CKM_RSA_PKCS_PSS when mgf != hashAlg (CKR_ARGUMENTS_BAD). */
        .pss_mgf1_is_hash = 1,
        /* Every use of a token object re-reads its file and the token's
         * generation file (open, lock, read, close: ~30 us of a 43 us HMAC);
         * a session copy of the key is used from memory. */
        .session_copies = 1,
        .n_wrap_prefs = 2,
        .wrap_prefs = {CKM_AES_KEY_WRAP_PAD, CKM_AES_KEY_WRAP_KWP},
    },
    {
        /* Entrust nShield through libcknfast.so. Untested here: see README. */
        .name = "nshield",
        .library_hint = "/opt/nfast/toolkits/pkcs11/libcknfast.so",
        .default_reinit_after = 0,
        .ec_unwrap_params = 1,
        .pss_mgf1_is_hash = 0,
        .session_copies = 0,
        .n_wrap_prefs = 2,
        .wrap_prefs = {CKM_AES_KEY_WRAP_PAD, CKM_AES_KEY_WRAP_KWP},
    },
};

const p11_profile_t *p11_profile_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    }
    return NULL;
}

const char *p11_profile_names(void)
{
    return "softhsm, nshield";
}
