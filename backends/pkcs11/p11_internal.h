/*
 * Internals of the PKCS#11 backend plugin. Nothing here is exported: the
 * plugin is built with -fvisibility=hidden and its one public symbol is
 * sam_backend_v1 (p11_backend.c). The plugin calls no core symbol; every
 * service (errors, secure memory, secrets) comes from the host table.
 *
 * Files, one responsibility each:
 *   p11_backend.c   the exported table; open/close/health; every operation
 *                   enters through op_enter()/op_leave() (availability lock)
 *   p11_reinit.c    re-initialization of the library (SoftHSM leak, recovery)
 *   p11_config.c    parameters handed to open()
 *   p11_profile.c   per-module profiles, as data
 *   p11_module.c    dlopen, C_Initialize, token by label, login, finalize
 *   p11_session.c   the session pool
 *   p11_object.c    object helpers: read an attribute, find, destroy
 *   p11_mech.c      mechanism probe (pure: a function over a mechanism list)
 *   p11_rv.c        the one CK_RV -> sam_rc table (pure)
 *   p11_error.c     error messages through host->set_error
 *   p11_der.c       DigestInfo, ECDSA r||s -> DER, EC point, curves (pure)
 *   p11_blob.c      the wrapped-key blob header (pure)
 *   p11_spki.c      SubjectPublicKeyInfo DER of a public key object
 *   p11_keys.c      module keys: create, bind, public key
 *   p11_generate.c  generate a signer key pair and wrap it
 *   p11_sign.c      unwrap + sign + destroy; signing with module keys
 *   p11_seal.c      MAC seal and verify
 *   p11_otp.c       OTP secrets: import and wrap; unwrap + HMAC + destroy
 */
#ifndef SAM_P11_INTERNAL_H
#define SAM_P11_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sam/backend.h"
#include "sam/rc.h" /* the sam_rc values only: the plugin calls no core function */

#include "p11_ck.h"

/* ---- profiles (p11_profile.c) ---------------------------------------- */

#define P11_MAX_WRAP_PREFS 4

typedef struct st_p11_profile_t {
    const char *name;
    const char *library_hint;           /* usual path of the module, for messages */
    unsigned long default_reinit_after; /* temporary objects between re-inits; 0: only to recover */
    int ec_unwrap_params;               /* put CKA_EC_PARAMS into the EC unwrap template */
    int pss_mgf1_is_hash;               /* RSASSA-PSS only with MGF1 over the signature's hash */
    int session_copies;                 /* use session copies of the seal, audit and CSC keys */
    size_t n_wrap_prefs;
    CK_MECHANISM_TYPE wrap_prefs[P11_MAX_WRAP_PREFS]; /* wrapping mechanisms, preferred first */
} p11_profile_t;

/* The profile called name, or NULL. */
const p11_profile_t *p11_profile_find(const char *name);
/* "softhsm, nshield": for messages. */
const char *p11_profile_names(void);

/* ---- mechanisms (p11_mech.c, pure) ----------------------------------- */

enum {
    P11_HAVE_RSA_GEN = 1u << 0,    /* CKM_RSA_PKCS_KEY_PAIR_GEN */
    P11_HAVE_RSA_PKCS = 1u << 1,   /* CKM_RSA_PKCS */
    P11_HAVE_RSA_PSS = 1u << 2,    /* CKM_RSA_PKCS_PSS */
    P11_HAVE_EC_GEN = 1u << 3,     /* CKM_EC_KEY_PAIR_GEN */
    P11_HAVE_ECDSA = 1u << 4,      /* CKM_ECDSA */
    P11_HAVE_HMAC = 1u << 5,       /* CKM_SHA256_HMAC */
    P11_HAVE_SECRET_GEN = 1u << 6, /* CKM_GENERIC_SECRET_KEY_GEN */
    P11_HAVE_AES_GEN = 1u << 7,    /* CKM_AES_KEY_GEN */
    P11_HAVE_CMAC = 1u << 8,       /* CKM_AES_CMAC */
};

typedef struct st_p11_mechs_t {
    unsigned have;          /* P11_HAVE_* */
    CK_MECHANISM_TYPE wrap; /* the chosen wrapping mechanism */
    CK_MECHANISM_TYPE seal; /* the MAC for a new seal key: CKM_SHA256_HMAC or CKM_AES_CMAC */
} p11_mechs_t;

/*
 * Decide from the module's mechanism list what the plugin can do. Fails with
 * SAM_E_MECHANISM (msg says what is missing) without a wrapping mechanism
 * among wrap_prefs, a MAC for the seal key, or EC P-256 generation and ECDSA
 * (the audit and CSC keys). On success msg lists the optional mechanisms that
 * are missing (the algorithms that will be refused), or is empty.
 */
int p11_mech_probe(const CK_MECHANISM_TYPE *list, size_t n, const CK_MECHANISM_TYPE *wrap_prefs,
                   size_t n_prefs, p11_mechs_t *out, char *msg, size_t cap);
/* "CKM_AES_KEY_WRAP_PAD", or NULL for a mechanism the plugin does not name. */
const char *p11_mech_name(CK_MECHANISM_TYPE m);

/* ---- CK_RV (p11_rv.c, pure) ------------------------------------------ */

/* The sam_rc for rv (SAM_E_BACKEND for values not in the table). */
int p11_rv_rc(CK_RV rv);
/* "CKR_PIN_INCORRECT", or NULL for a value not in the table. */
const char *p11_rv_name(CK_RV rv);
/* A few words for people, e.g. "wrong PIN". */
const char *p11_rv_text(CK_RV rv);

/* ---- DER helpers (p11_der.c, pure) ------------------------------------ */

#define P11_MAX_DIGEST_INFO 83 /* SHA-512: 19 + 64 */
#define P11_MAX_EC_FIELD 66    /* P-521 */

/* Bytes of hash h, 0 for SAM_HASH_NONE or unknown values. */
size_t p11_hash_len(sam_hash h);
/* DigestInfo DER for PKCS#1 v1.5. SAM_E_PARSE when hash_len is not h's. */
int p11_digest_info(sam_hash h, const uint8_t *hash, size_t hash_len, uint8_t *out, size_t cap,
                    size_t *out_len);
/* ECDSA: r||s (each half the input) to DER Ecdsa-Sig-Value with minimal INTEGERs. */
int p11_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *out, size_t cap,
                         size_t *out_len);

typedef struct st_p11_curve_t {
    sam_curve curve;
    const char *name;       /* "P-256" */
    const char *ossl_group; /* "prime256v1" */
    size_t field_len;       /* bytes of a coordinate */
    const uint8_t *oid_der; /* DER OBJECT IDENTIFIER: the CKA_EC_PARAMS value */
    size_t oid_der_len;
} p11_curve_t;

/* The curve's description, or NULL. */
const p11_curve_t *p11_curve_by_id(sam_curve c);
/* The curve whose CKA_EC_PARAMS is der, or NULL. */
const p11_curve_t *p11_curve_by_params(const uint8_t *der, size_t len);
/*
 * CKA_EC_POINT is a DER OCTET STRING around the uncompressed point; some
 * modules return the raw point. Set *pt to the uncompressed point (04||X||Y)
 * inside in. SAM_E_PARSE when it is neither.
 */
int p11_ec_point_unwrap(const uint8_t *in, size_t in_len, size_t field_len, const uint8_t **pt,
                        size_t *pt_len);

/* ---- wrapped-key blob (p11_blob.c, pure) ------------------------------ */

/*
 * The blob: a 16-byte header, then the bytes C_WrapKey returned.
 *   0..3   magic "SP11"
 *   4      format version (1)
 *   5      key type: 1 RSA, 2 EC (sam_key_type)
 *   6..7   RSA modulus bits, or sam_curve for EC (big-endian)
 *   8..11  wrapping mechanism, CK_MECHANISM_TYPE (big-endian)
 *   12..13 length of the wrapped bytes (big-endian)
 *   14..15 zero
 */
#define P11_BLOB_HEADER_LEN 16
#define P11_BLOB_VERSION 1
#define P11_MAX_WRAPPED_BYTES (SAM_MAX_WRAPPED_LEN - P11_BLOB_HEADER_LEN)

/* Key types of the header besides sam_key_type: an OTP secret (HMAC key). */
#define P11_BLOB_KIND_OTP 0x80

/* Write the header for a blob holding a key of kind and size wrapped with mech. */
int p11_blob_write(uint8_t *out, size_t cap, uint8_t kind, uint16_t size, CK_MECHANISM_TYPE mech,
                   size_t wrapped_len);
/* The header's size field for a key of spec: RSA modulus bits or sam_curve. */
uint16_t p11_blob_spec_size(const sam_key_spec_t *spec);
/* Write the header for a blob of spec wrapped with mech. */
int p11_blob_write_header(uint8_t *out, size_t cap, const sam_key_spec_t *spec,
                          CK_MECHANISM_TYPE mech, size_t wrapped_len);

typedef struct st_p11_blob_t {
    CK_MECHANISM_TYPE mech;
    const uint8_t *wrapped; /* points into the input */
    size_t wrapped_len;
} p11_blob_t;

/* Check in's header (kind, size) and split it. SAM_E_INVALID_KEY_PAIR, msg says why. */
int p11_blob_split(sam_bytes_t in, uint8_t kind, uint16_t size, p11_blob_t *out, char *msg,
                   size_t cap);
/* Check in against spec and split it. SAM_E_INVALID_KEY_PAIR, msg says why. */
int p11_blob_parse(sam_bytes_t in, const sam_key_spec_t *spec, p11_blob_t *out, char *msg,
                   size_t cap);

/* ---- the plugin's state ------------------------------------------------ */

typedef struct st_p11_ctx_t {
    const sam_host_v1_t *host;

    /* configuration (p11_config.c); strings are malloc'd copies */
    const p11_profile_t *profile;
    char *library;
    char *token_label;
    char *labels[SAM_MODULE_KEY_COUNT];
    char *pin; /* host->secure_alloc memory, from host->read_secret */
    size_t pin_len;
    unsigned max_sessions;
    unsigned long reinit_after; /* 0: re-initialize only to recover */

    /* the library (p11_module.c) */
    void *dl;
    CK_FUNCTION_LIST_PTR fl;
    int initialized; /* C_Initialize succeeded: C_Finalize is ours to call */
    CK_SLOT_ID slot;
    int have_anchor;
    CK_SESSION_HANDLE anchor; /* keeps the login; used only under the exclusive lock */
    p11_mechs_t mechs;

    /* module keys (p11_keys.c); handles change on every re-init */
    int keys_wanted; /* bind or create succeeded once: a re-init binds again */
    int keys_bound;  /* the handles below are valid */
    CK_OBJECT_HANDLE key[SAM_MODULE_KEY_COUNT]; /* WRAP, SEAL, AUDIT private, CSC private */
    CK_OBJECT_HANDLE pub[SAM_MODULE_KEY_COUNT]; /* AUDIT and CSC public halves */
    /* Session copies (owned by the anchor session) that key[] may point to
     * instead of the token objects: see p11_keys.c. 0: none. */
    CK_OBJECT_HANDLE copy[SAM_MODULE_KEY_COUNT];
    size_t n_copies;
    CK_MECHANISM_TYPE seal_mech;                /* from the seal key's type */
    size_t seal_len;

    /* the session pool (p11_session.c) */
    int pool_ready;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;   /* for p11_session_get() */
    pthread_cond_t urgent_cond; /* for p11_session_get_urgent() */
    CK_SESSION_HANDLE *idle;
    unsigned n_idle;           /* sessions in idle[] */
    unsigned n_open;           /* sessions open, idle or lent */
    unsigned n_urgent_waiting; /* callers waiting on urgent_cond */

    /* availability (p11_backend.c, p11_reinit.c) */
    int rw_ready;
    pthread_rwlock_t rw;       /* operations hold it shared, open/bind/create/reinit exclusive */
    int ready;                 /* the module answers and we are logged in; written exclusive */
    atomic_int need_reinit;    /* a call saw the module fail */
    atomic_ulong temp_objects; /* session objects made since the last (re)init */
    atomic_ulong reinit_count; /* re-inits done (for logs and tests) */
    struct timespec last_failed_reinit;
    char unavailable_msg[256]; /* why the module is unavailable; written exclusive */
} p11_ctx_t;

/* ---- errors (p11_error.c) --------------------------------------------- */

/* host->set_error(rc, ...), remembering the text for p11_last_error(). Returns rc. */
int p11_err(p11_ctx_t *ctx, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* p11_err with rv's sam_rc and "<what>: <text> (<CKR_NAME>)". Returns the sam_rc. */
int p11_fail(p11_ctx_t *ctx, CK_RV rv, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The calling thread's last message from p11_err (never NULL). */
const char *p11_last_error(void);

/* ---- configuration (p11_config.c) -------------------------------------- */

/* Parse params and labels into ctx (and read the PIN). */
int p11_config_parse(p11_ctx_t *ctx, const sam_param_t *params,
                     const char *const labels[SAM_MODULE_KEY_COUNT]);
/* Release what p11_config_parse allocated (the PIN wiped). */
void p11_config_free(p11_ctx_t *ctx);

/* ---- the library (p11_module.c) ----------------------------------------- */

/* dlopen the library and get its function list. */
int p11_module_load(p11_ctx_t *ctx);
/* C_Initialize, find the token, probe mechanisms, open the anchor session, log in. */
int p11_module_start(p11_ctx_t *ctx);
/* Log out and C_Finalize (sessions and session objects go with it). */
void p11_module_stop(p11_ctx_t *ctx);
void p11_module_unload(p11_ctx_t *ctx);

/* ---- sessions (p11_session.c) ------------------------------------------- */

int p11_pool_init(p11_ctx_t *ctx);
/* Forget every session (after C_Finalize): only under the exclusive lock. */
void p11_pool_reset(p11_ctx_t *ctx);
void p11_pool_free(p11_ctx_t *ctx);
/* A session of our own until p11_session_put(); waits while all are lent. */
int p11_session_get(p11_ctx_t *ctx, CK_SESSION_HANDLE *s);
/* The same for short operations others wait on: one session is kept for these. */
int p11_session_get_urgent(p11_ctx_t *ctx, CK_SESSION_HANDLE *s);
/* Return it; broken sessions are closed instead of pooled. */
void p11_session_put(p11_ctx_t *ctx, CK_SESSION_HANDLE s, int broken);
/* Whether rv means the session (or the module behind it) is gone. */
int p11_rv_session_broken(CK_RV rv);

/* ---- objects (p11_object.c) -------------------------------------------- */

/* Read one attribute into buf (cap bytes); SAM_E_LIMIT when it does not fit. */
int p11_get_attr(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
                 void *buf, size_t cap, size_t *len);
/* Read a CK_ULONG attribute (key type, class) or a CK_BBOOL one. */
int p11_get_ulong(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
                  CK_ULONG *out);
int p11_get_bool(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
                 int *out);
/* Find up to max objects matching tmpl; *found is how many (at most max). */
int p11_find(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n_tmpl,
             CK_OBJECT_HANDLE *out, size_t max, size_t *found);
/*
 * Destroy a temporary object. When the module refuses, the session is
 * marked broken (*broken = 1): closing it destroys its session objects.
 */
void p11_destroy_temp(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, int *broken);
/*
 * Wrap obj under the wrapping key into out: the blob header (kind, size),
 * then what C_WrapKey returned. *broken when the session must not be reused.
 */
int p11_wrap_to_blob(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, uint8_t kind,
                     uint16_t size, sam_outbuf_t *out, int *broken);

/* ---- keys (p11_keys.c, p11_spki.c, p11_generate.c) ----------------------- */

int p11_keys_create(p11_ctx_t *ctx);
/* Find the module keys by label and cache their handles. */
int p11_keys_bind(p11_ctx_t *ctx);
int p11_keys_public(p11_ctx_t *ctx, sam_module_key which, sam_outbuf_t *spki);
/* The SPKI DER of a public key object (RSA or EC). */
int p11_spki_of_object(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
                       sam_outbuf_t *spki);
int p11_generate(p11_ctx_t *ctx, const sam_key_spec_t *spec, sam_outbuf_t *spki,
                 sam_outbuf_t *wrapped);
/* Count CKO_PRIVATE_KEY and CKO_SECRET_KEY objects with CKA_TOKEN=false. */
int p11_count_temporary(p11_ctx_t *ctx, size_t *count);

/* ---- signing and sealing (p11_sign.c, p11_seal.c) ----------------------- */

int p11_sign(p11_ctx_t *ctx, const sam_key_spec_t *spec, sam_bytes_t wrapped,
             const sam_sig_params_t *params, const sam_bytes_t *hashes, size_t n,
             sam_outbuf_t *sigs);
int p11_sign_module(p11_ctx_t *ctx, sam_module_key which, const sam_sig_params_t *params,
                    sam_bytes_t hash, sam_outbuf_t *sig);
int p11_seal(p11_ctx_t *ctx, sam_bytes_t data, sam_outbuf_t *mac);
int p11_seal_verify(p11_ctx_t *ctx, sam_bytes_t data, sam_bytes_t mac);

/* ---- OTP secrets (p11_otp.c) ---------------------------------------------- */

int p11_otp_protect(p11_ctx_t *ctx, sam_bytes_t secret, sam_outbuf_t *blob);
int p11_otp_hmac(p11_ctx_t *ctx, sam_bytes_t blob, uint32_t hmac, const sam_bytes_t *msgs, size_t n,
                 sam_outbuf_t *macs);

/* ---- re-initialization (p11_reinit.c) ----------------------------------- */

/* Under the exclusive lock: C_Finalize, C_Initialize, log in, rebind keys. */
int p11_reinit_locked(p11_ctx_t *ctx);

#endif
