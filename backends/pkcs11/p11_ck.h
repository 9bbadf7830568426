/*
 * The one place that includes the PKCS#11 header. p11-kit's <pkcs11.h> in its
 * compatibility mode defines lowercase macros (value, count, params, ...);
 * most are #undef'd at its end, but a few survive (hash_alg, s_len, iv_len,
 * ...). We drop those here so that no other name in the plugin can be
 * silently rewritten. Use the PKCS#11 spelling of struct fields (hashAlg,
 * sLen, pValue, ulValueLen).
 */
#ifndef SAM_P11_CK_H
#define SAM_P11_CK_H

#include <p11-kit/pkcs11.h>

#undef hash_alg
#undef s_len
#undef source_data
#undef source_data_len
#undef counter_bits
#undef iv_ptr
#undef iv_len
#undef iv_bits
#undef aad_ptr
#undef aad_len
#undef tag_bits
#undef shared_data_len
#undef shared_data
#undef public_data_len
#undef public_data
#undef string_data
#undef string_data_len
#undef data_params
#undef parameter
#undef parameter_len
#undef value
#undef value_len
#undef count
#undef params

/* PKCS#11 3.0 numbers; p11-kit's 2.40 header may lack them. */
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x210bUL
#endif
#ifndef CKM_AES_KEY_WRAP_PAD
#define CKM_AES_KEY_WRAP_PAD 0x210aUL
#endif

#endif
