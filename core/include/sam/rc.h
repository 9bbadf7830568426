/*
 * The one error vocabulary of OpenSAM. Every function that can fail returns a
 * sam_rc: 0 is success, negative values are errors. A thread-local detail
 * message (set with sam_error_set()) says in plain words what was wrong; it
 * never contains secrets.
 */
#ifndef SAM_RC_H
#define SAM_RC_H

#include <stddef.h>

typedef enum {
    SAM_OK = 0,
    SAM_E_NOMEM = -1,             /* allocation failed */
    SAM_E_INVALID_ARG = -2,       /* caller broke a function's contract */
    SAM_E_PARSE = -3,             /* malformed input: JSON, base64, DER, file */
    SAM_E_LIMIT = -4,             /* input over a configured bound */
    SAM_E_UNSUPPORTED_ALG = -5,   /* algorithm, size or curve not supported or not allowed */
    SAM_E_INVALID_KEY_PAIR = -6,  /* key_pair fails its integrity check or is another SAM's */
    SAM_E_BACKEND_UNAVAILABLE = -7, /* the cryptographic module cannot be reached */
    SAM_E_BACKEND = -8,           /* the module refused or failed an operation */
    SAM_E_PIN = -9,               /* wrong PIN, or PIN locked */
    SAM_E_NOT_FOUND = -10,        /* a named object (key, file, token) does not exist */
    SAM_E_EXISTS = -11,           /* would overwrite something that must not be */
    SAM_E_IO = -12,               /* file or system call failed */
    SAM_E_PLUGIN = -13,           /* a plugin failed to load or is not acceptable */
    SAM_E_MECHANISM = -14,        /* the module lacks a required mechanism */
    SAM_E_CONFIG = -15,           /* configuration invalid */
    SAM_E_VERSION_CONFLICT = -16, /* configuration version does not grow */
    SAM_E_INTERNAL = -17,         /* a defect */
    SAM_E_SAD_INVALID = -18,      /* SAD missing, malformed, badly signed or not for this use */
    SAM_E_SAD_EXPIRED = -19,      /* SAD outside its validity window */
    SAM_E_SAD_EXHAUSTED = -20,    /* SAD already used as often as it allows */
    SAM_E_KEY_ALREADY_ASSIGNED = -21, /* key pair assigned to another signer */
    SAM_E_KEY_NOT_USABLE = -22,   /* key not assigned to this signer, not certified, or disabled */
    SAM_E_KEY_DELETED = -23,      /* key pair was deleted */
    SAM_E_FORBIDDEN = -24,        /* caller's role may not do this */
    SAM_E_UNAUTHORIZED = -25,     /* caller not identified */
    SAM_E_STORE_UNAVAILABLE = -26, /* the state store cannot be reached or written */
    SAM_E_AUDIT_UNAVAILABLE = -27, /* the audit log cannot be written */
} sam_rc;

/* Short stable identifier, e.g. "invalid_key_pair". */
const char *sam_rc_name(sam_rc rc);
/* Generic sentence for the code, e.g. "the key pair fails its integrity check". */
const char *sam_strerror(sam_rc rc);

/*
 * Record a detail message for the calling thread and return rc, so that
 * `return sam_error_set(SAM_E_PARSE, "field %s: ...", name);` reads naturally.
 * The message is truncated at 512 bytes.
 */
sam_rc sam_error_set(sam_rc rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The calling thread's last detail message, or the generic sentence of the last rc. Never NULL. */
const char *sam_error_message(void);
/* Forget the calling thread's detail message. */
void sam_error_clear(void);
/* Prefix the current detail message, e.g. with the name of the file being read. */
void sam_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
