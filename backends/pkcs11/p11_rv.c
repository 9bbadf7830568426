/*
 * The one table from PKCS#11 return values to sam_rc. Whatever means "the
 * module, the token or our session is gone" maps to SAM_E_BACKEND_UNAVAILABLE:
 * the next operation re-initializes the library (p11_reinit.c).
 */
#include <stddef.h>

#include "p11_internal.h"

typedef struct {
    CK_RV rv;
    int rc;
    const char *name;
    const char *text;
} rv_entry_t;

#define RV(v, rc, text)                                                                            \
    {                                                                                              \
        v, rc, #v, text                                                                            \
    }

static const rv_entry_t rv_table[] = {
    RV(CKR_OK, SAM_OK, "success"),
    RV(CKR_HOST_MEMORY, SAM_E_NOMEM, "out of host memory"),
    RV(CKR_DEVICE_MEMORY, SAM_E_BACKEND, "the module is out of memory"),
    RV(CKR_GENERAL_ERROR, SAM_E_BACKEND, "general error in the module"),
    RV(CKR_FUNCTION_FAILED, SAM_E_BACKEND, "the function failed"),
    RV(CKR_ARGUMENTS_BAD, SAM_E_INTERNAL, "bad arguments"),
    RV(CKR_CANT_LOCK, SAM_E_BACKEND, "the module cannot use OS locking"),

    /* PIN and login */
    RV(CKR_PIN_INCORRECT, SAM_E_PIN, "wrong PIN"),
    RV(CKR_PIN_INVALID, SAM_E_PIN, "invalid PIN"),
    RV(CKR_PIN_LEN_RANGE, SAM_E_PIN, "PIN length out of range"),
    RV(CKR_PIN_EXPIRED, SAM_E_PIN, "PIN expired"),
    RV(CKR_PIN_LOCKED, SAM_E_PIN, "PIN locked"),
    RV(CKR_USER_PIN_NOT_INITIALIZED, SAM_E_PIN, "the user PIN is not initialized"),
    RV(CKR_USER_TYPE_INVALID, SAM_E_INTERNAL, "invalid user type"),
    RV(CKR_USER_ALREADY_LOGGED_IN, SAM_E_BACKEND, "already logged in"),
    RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, SAM_E_BACKEND, "another user is logged in"),
    RV(CKR_USER_TOO_MANY_TYPES, SAM_E_BACKEND, "too many user types logged in"),

    /* the module, the token or the session is gone: recover by re-initializing */
    RV(CKR_DEVICE_ERROR, SAM_E_BACKEND_UNAVAILABLE, "device error"),
    RV(CKR_DEVICE_REMOVED, SAM_E_BACKEND_UNAVAILABLE, "device removed"),
    RV(CKR_TOKEN_NOT_PRESENT, SAM_E_BACKEND_UNAVAILABLE, "token not present"),
    RV(CKR_TOKEN_NOT_RECOGNIZED, SAM_E_BACKEND_UNAVAILABLE, "token not recognized"),
    RV(CKR_SESSION_HANDLE_INVALID, SAM_E_BACKEND_UNAVAILABLE, "session handle invalid"),
    RV(CKR_SESSION_CLOSED, SAM_E_BACKEND_UNAVAILABLE, "session closed"),
    RV(CKR_SESSION_COUNT, SAM_E_BACKEND_UNAVAILABLE, "too many sessions"),
    RV(CKR_USER_NOT_LOGGED_IN, SAM_E_BACKEND_UNAVAILABLE, "not logged in"),
    RV(CKR_CRYPTOKI_NOT_INITIALIZED, SAM_E_BACKEND_UNAVAILABLE, "library not initialized"),
    RV(CKR_SLOT_ID_INVALID, SAM_E_BACKEND_UNAVAILABLE, "slot invalid"),
    RV(CKR_FUNCTION_CANCELED, SAM_E_BACKEND_UNAVAILABLE, "function canceled"),

    /* mechanisms and keys */
    RV(CKR_MECHANISM_INVALID, SAM_E_MECHANISM, "mechanism not supported"),
    RV(CKR_MECHANISM_PARAM_INVALID, SAM_E_MECHANISM, "mechanism parameters refused"),
    RV(CKR_KEY_TYPE_INCONSISTENT, SAM_E_MECHANISM, "key type does not suit the mechanism"),
    RV(CKR_KEY_FUNCTION_NOT_PERMITTED, SAM_E_BACKEND, "the key does not permit this function"),
    RV(CKR_KEY_SIZE_RANGE, SAM_E_UNSUPPORTED_ALG, "key size out of range"),
    RV(CKR_KEY_HANDLE_INVALID, SAM_E_BACKEND_UNAVAILABLE, "key handle invalid"),
    RV(CKR_KEY_NOT_WRAPPABLE, SAM_E_BACKEND, "the key cannot be wrapped"),
    RV(CKR_KEY_UNEXTRACTABLE, SAM_E_BACKEND, "the key is not extractable"),
    RV(CKR_WRAPPING_KEY_HANDLE_INVALID, SAM_E_BACKEND_UNAVAILABLE, "wrapping key handle invalid"),
    RV(CKR_WRAPPING_KEY_TYPE_INCONSISTENT, SAM_E_MECHANISM, "wrapping key type inconsistent"),
    RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID, SAM_E_BACKEND_UNAVAILABLE,
       "unwrapping key handle invalid"),
    RV(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, SAM_E_MECHANISM, "unwrapping key type inconsistent"),
    RV(CKR_WRAPPED_KEY_INVALID, SAM_E_INVALID_KEY_PAIR, "the wrapped key is invalid"),
    RV(CKR_WRAPPED_KEY_LEN_RANGE, SAM_E_INVALID_KEY_PAIR, "the wrapped key has a wrong length"),
    RV(CKR_ENCRYPTED_DATA_INVALID, SAM_E_INVALID_KEY_PAIR, "encrypted data invalid"),
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE, SAM_E_INVALID_KEY_PAIR, "encrypted data length out of range"),
    RV(CKR_DATA_INVALID, SAM_E_INVALID_ARG, "data invalid"),
    RV(CKR_DATA_LEN_RANGE, SAM_E_INVALID_ARG, "data length out of range"),
    RV(CKR_SIGNATURE_INVALID, SAM_E_INVALID_KEY_PAIR, "signature invalid"),
    RV(CKR_SIGNATURE_LEN_RANGE, SAM_E_INVALID_KEY_PAIR, "signature length out of range"),
    RV(CKR_BUFFER_TOO_SMALL, SAM_E_LIMIT, "buffer too small"),
    RV(CKR_DOMAIN_PARAMS_INVALID, SAM_E_UNSUPPORTED_ALG, "domain parameters (curve) refused"),
    RV(CKR_CURVE_NOT_SUPPORTED, SAM_E_UNSUPPORTED_ALG, "curve not supported"),

    /* templates */
    RV(CKR_ATTRIBUTE_READ_ONLY, SAM_E_BACKEND, "attribute read-only"),
    RV(CKR_ATTRIBUTE_SENSITIVE, SAM_E_BACKEND, "attribute sensitive"),
    RV(CKR_ATTRIBUTE_TYPE_INVALID, SAM_E_BACKEND, "attribute type invalid"),
    RV(CKR_ATTRIBUTE_VALUE_INVALID, SAM_E_BACKEND, "attribute value invalid"),
    RV(CKR_TEMPLATE_INCOMPLETE, SAM_E_BACKEND, "template incomplete"),
    RV(CKR_TEMPLATE_INCONSISTENT, SAM_E_BACKEND, "template inconsistent"),
    /* We only use handles we found (module keys) or made (temporary keys):
     * one that went invalid means the module lost its state. Recover. */
    RV(CKR_OBJECT_HANDLE_INVALID, SAM_E_BACKEND_UNAVAILABLE, "object handle invalid"),

    /* sessions and library state */
    RV(CKR_OPERATION_ACTIVE, SAM_E_INTERNAL, "an operation is already active"),
    RV(CKR_OPERATION_NOT_INITIALIZED, SAM_E_INTERNAL, "operation not initialized"),
    RV(CKR_SESSION_READ_ONLY, SAM_E_BACKEND, "session is read-only"),
    RV(CKR_SESSION_READ_ONLY_EXISTS, SAM_E_BACKEND, "a read-only session exists"),
    RV(CKR_TOKEN_WRITE_PROTECTED, SAM_E_BACKEND, "token write-protected"),
    RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, SAM_E_BACKEND, "library already initialized"),
    RV(CKR_FUNCTION_NOT_SUPPORTED, SAM_E_MECHANISM, "function not supported"),
    RV(CKR_RANDOM_NO_RNG, SAM_E_BACKEND, "no random number generator"),
};

static const rv_entry_t *lookup(CK_RV rv)
{
    for (size_t i = 0; i < sizeof(rv_table) / sizeof(rv_table[0]); i++) {
        if (rv_table[i].rv == rv)
            return &rv_table[i];
    }
    return NULL;
}

int p11_rv_rc(CK_RV rv)
{
    const rv_entry_t *e = lookup(rv);
    return e != NULL ? e->rc : SAM_E_BACKEND;
}

const char *p11_rv_name(CK_RV rv)
{
    const rv_entry_t *e = lookup(rv);
    return e != NULL ? e->name : NULL;
}

const char *p11_rv_text(CK_RV rv)
{
    const rv_entry_t *e = lookup(rv);
    return e != NULL ? e->text : "error";
}
