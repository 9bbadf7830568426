/*
 * The two operator configuration files: static_config.json (listeners, TLS,
 * administrators, plugins, store, audit, limits, SAD and algorithm policy,
 * CSC) and dynamic_config.json (authorization servers and SSAs, replaced at
 * run time through PUT /sam/v1/configurations/dynamic). docs/configuration.md
 * documents every field.
 *
 * Validation is strict: unknown fields, duplicate JSON keys, wrong types,
 * values out of bounds, duplicate ids or keys are refused. Every error sets
 * the detail message (sam_error_message()) to
 *     "NAME: line L, column C: field "PATH" ..."
 * where NAME is the file (or the name given to _parse(); no "NAME: " part
 * when it is NULL) and PATH the field, e.g. "administrators[1].public_key".
 *
 * Ownership: the _load()/_parse() functions return a new object the caller
 * releases with the matching _free(); _free(NULL) is a no-op. A loaded object
 * is immutable and may be read from several threads at once.
 */
#ifndef SAM_CONFIG_H
#define SAM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"
#include "sam/strbuf.h"

#define SAM_STATIC_CONFIG_FILE "static_config.json"
#define SAM_DYNAMIC_CONFIG_FILE "dynamic_config.json"
#define SAM_INFRA_CONFIG_FILE "sam_infrastructure.json"

/* The largest configuration file read (either kind). */
#define SAM_CONFIG_MAX_BYTES (4u * 1024 * 1024)
/* Ids of administrators, authorization servers and SSAs: 1..256 bytes. */
#define SAM_CONFIG_ID_MAX 256
/* The largest version a dynamic configuration may carry (2^53 - 1, exact in any JSON reader). */
#define SAM_DYNAMIC_VERSION_MAX INT64_C(9007199254740991)

/* ---- public keys ------------------------------------------------------ */

/* A registered public key: RSA (2048..16384 bits) or EC on P-256/P-384/P-521. */
typedef struct st_sam_public_key_t {
    uint8_t *spki; /* canonical DER SubjectPublicKeyInfo (malloc'd) */
    size_t spki_len;
    uint8_t sha256[32]; /* SHA-256 of spki: what a client certificate's SPKI is matched by */
} sam_public_key_t;

/*
 * Decode a public key written as base64 DER SubjectPublicKeyInfo or as PEM
 * ("-----BEGIN PUBLIC KEY-----"). On success out holds the canonical DER and
 * its hash (release with sam_public_key_clear()). SAM_E_PARSE (detail says
 * why), SAM_E_UNSUPPORTED_ALG (key type or size not accepted), SAM_E_NOMEM.
 */
int sam_public_key_parse(const char *text, size_t len, sam_public_key_t *out);
void sam_public_key_clear(sam_public_key_t *k);

/* ---- algorithm policy ------------------------------------------------- */

/* Key algorithms, as named in "algorithms.key_algorithms". */
#define SAM_KEYALG_RSA_2048 (1u << 0)
#define SAM_KEYALG_RSA_3072 (1u << 1)
#define SAM_KEYALG_RSA_4096 (1u << 2)
#define SAM_KEYALG_P256 (1u << 3)
#define SAM_KEYALG_P384 (1u << 4)
#define SAM_KEYALG_P521 (1u << 5)
#define SAM_KEYALG_ALL 0x3fu

/* Signature algorithms, by JOSE name, as in "algorithms.signature_algorithms". */
#define SAM_SIGALG_RS256 (1u << 0)
#define SAM_SIGALG_RS384 (1u << 1)
#define SAM_SIGALG_RS512 (1u << 2)
#define SAM_SIGALG_PS256 (1u << 3)
#define SAM_SIGALG_PS384 (1u << 4)
#define SAM_SIGALG_PS512 (1u << 5)
#define SAM_SIGALG_ES256 (1u << 6)
#define SAM_SIGALG_ES384 (1u << 7)
#define SAM_SIGALG_ES512 (1u << 8)
#define SAM_SIGALG_ALL 0x1ffu

typedef struct st_sam_alg_policy_t {
    uint32_t key_algorithms;       /* SAM_KEYALG_* bits allowed */
    uint32_t signature_algorithms; /* SAM_SIGALG_* bits allowed */
} sam_alg_policy_t;

/* SAM_OK, or SAM_E_UNSUPPORTED_ALG with a detail naming the algorithm. */
int sam_alg_policy_check_key(const sam_alg_policy_t *p, const sam_key_spec_t *spec);
/* By scheme and hash (PSS with any MGF1/salt counts as PSnnn of its hash). */
int sam_alg_policy_check_sig(const sam_alg_policy_t *p, const sam_sig_params_t *params);
/* The SAM_KEYALG_ bit of a name ("RSA-2048", "secp256r1" and curve aliases), 0 if unknown. */
uint32_t sam_keyalg_from_name(const char *name);
/* The SAM_SIGALG_ bit of a JOSE name ("RS256"...), 0 if unknown. */
uint32_t sam_sigalg_from_name(const char *name);
/* Canonical name of one bit, NULL for anything else. */
const char *sam_keyalg_name(uint32_t bit);
const char *sam_sigalg_name(uint32_t bit);

/* ---- static configuration --------------------------------------------- */

#define SAM_CONFIG_MAX_LISTEN 16
#define SAM_CONFIG_MAX_ADMINS 256
#define SAM_CONFIG_MAX_PLUGINS 16
#define SAM_CONFIG_MAX_LOA_LEVELS 16

typedef struct st_sam_listen_t {
    char *address; /* numeric IPv4 or IPv6 address, e.g. "127.0.0.1", "::" */
    uint16_t port;
} sam_listen_t;

typedef enum { SAM_TLS_1_2 = 12, SAM_TLS_1_3 = 13 } sam_tls_version;

typedef struct st_sam_tls_config_t {
    char *certificate; /* absolute path, PEM chain */
    char *private_key; /* absolute path, PEM */
    char *client_ca;   /* absolute path or NULL: CAs whose names are sent in the request */
    sam_tls_version min_version;
} sam_tls_config_t;

typedef struct st_sam_admin_t {
    char *id;
    sam_public_key_t key;
} sam_admin_t;

typedef enum { SAM_STORE_SQLITE = 1, SAM_STORE_POSTGRESQL = 2 } sam_store_type;

typedef struct st_sam_store_config_t {
    sam_store_type type;
    char *path;     /* SQLite: absolute path of the database file */
    char *conninfo; /* PostgreSQL: libpq connection string (no password in it) */
} sam_store_config_t;

typedef struct st_sam_audit_config_t {
    char *service_log; /* absolute path */
    char *admin_log;   /* absolute path, not the service log */
    bool syslog;       /* also send a one-line summary of each record to syslog */
    bool sync;         /* fdatasync each batch (default); false only for benchmarks */
} sam_audit_config_t;

typedef struct st_sam_limits_t {
    uint32_t max_body_bytes;
    uint32_t max_json_depth;
    uint32_t max_hashes_per_request;
    uint32_t max_header_bytes;
    uint32_t max_streams_per_connection;
    uint32_t max_resets_per_minute; /* stream resets per connection (rapid reset) */
    uint32_t max_connections;
    uint32_t request_timeout_seconds;
    uint32_t idle_timeout_seconds;
    uint32_t max_pending_jobs; /* queue of the module/store worker pool */
} sam_limits_t;

typedef struct st_sam_sad_config_t {
    uint32_t max_lifetime_seconds; /* exp - iat at most this */
    uint32_t clock_skew_seconds;
    char *min_loa;     /* NULL: no minimum; else one of loa_levels */
    char **loa_levels; /* known levels, lowest first */
    size_t loa_level_count;
    bool require_assignment_consent; /* SKAD required for key assignment */
} sam_sad_config_t;

typedef struct st_sam_csc_config_t {
    bool enabled;
    char *name, *logo, *region, *lang, *description; /* set when enabled */
    uint32_t pin_max_failures;
    uint32_t otp_max_failures;
    uint32_t access_token_lifetime_seconds;
    uint32_t refresh_token_lifetime_seconds;
    uint32_t sad_lifetime_seconds;
} sam_csc_config_t;

typedef struct st_sam_static_config_t {
    char *node; /* NULL: the host name at run time */
    sam_listen_t *listen;
    size_t listen_count;
    uint32_t threads; /* event loops */
    uint32_t workers; /* module and store worker pool */
    sam_tls_config_t tls;
    sam_admin_t *administrators;
    size_t administrator_count;
    char **verifier_plugins; /* absolute paths */
    size_t verifier_plugin_count;
    sam_store_config_t store;
    sam_audit_config_t audit;
    sam_limits_t limits;
    sam_sad_config_t sad;
    sam_alg_policy_t algorithms;
    sam_csc_config_t csc;
} sam_static_config_t;

/*
 * Read and validate a static configuration file (at most SAM_CONFIG_MAX_BYTES).
 * Errors: SAM_E_CONFIG (invalid), SAM_E_NOT_FOUND, SAM_E_IO, SAM_E_LIMIT
 * (file), SAM_E_NOMEM; the detail begins with the path.
 */
int sam_static_config_load(const char *path, sam_static_config_t **out);
/* Validate text[0..len) (need not be NUL-terminated). Errors: SAM_E_CONFIG, SAM_E_NOMEM. */
int sam_static_config_parse(const char *text, size_t len, const char *name,
                            sam_static_config_t **out);
void sam_static_config_free(sam_static_config_t *c);

/* The administrator whose key hashes to spki_sha256, or NULL. */
const sam_admin_t *sam_static_config_find_admin(const sam_static_config_t *c,
                                                const uint8_t spki_sha256[32]);
/* Rank of a level of assurance in sad.loa_levels (0 = lowest), or -1 when unknown. */
int sam_sad_loa_rank(const sam_sad_config_t *sad, const char *loa);
/* SAM_OK when loa (NULL: absent) meets sad.min_loa; SAM_E_PARSE with a detail otherwise. */
int sam_sad_loa_check(const sam_sad_config_t *sad, const char *loa);

/* ---- dynamic configuration -------------------------------------------- */

#define SAM_CONFIG_MAX_AUTH_SERVERS 1024
#define SAM_CONFIG_MAX_SSAS 4096

typedef struct st_sam_auth_server_t {
    char *id; /* the "iss" of its SADs */
    sam_public_key_t key;
    char *kid; /* NULL when none: then a SAD's "kid" header is not checked */
} sam_auth_server_t;

typedef struct st_sam_ssa_t {
    char *id;
    sam_public_key_t key;
    size_t *allowed; /* indexes into authorization_servers, in document order */
    size_t allowed_count;
} sam_ssa_t;

/*
 * "csc_oauth2": the external OAuth2 authorization server of /csc/v1
 * (authType "oauth2code", docs/configuration.md). Its JWT access tokens are
 * service tokens (scope "service") and SADs of oauth2code credentials
 * (scope "credential"); it is not among authorization_servers, so no SSA
 * trusts it.
 */
#define SAM_CONFIG_MAX_OAUTH2_KEYS 16
#define SAM_CSC_OAUTH2_ISSUER_RESERVED "opensam-csc:" /* our own CSC issuer's prefix */

typedef struct st_sam_oauth2_key_t {
    sam_public_key_t key;
    char *kid; /* NULL when none */
} sam_oauth2_key_t;

typedef struct st_sam_csc_oauth2_t {
    char *issuer;   /* the "iss" of its tokens (an id, not beginning with "opensam-csc:") */
    char *base_uri; /* info.oauth2 */
    char *audience; /* the "aud" its tokens must hold; NULL: the sam_id */
    sam_oauth2_key_t *keys; /* 1..SAM_CONFIG_MAX_OAUTH2_KEYS */
    size_t key_count;
    uint32_t algorithms; /* SAM_SIGALG_* its tokens may use (default: all) */
} sam_csc_oauth2_t;

typedef struct st_sam_dynamic_config_t {
    int64_t version; /* 1..SAM_DYNAMIC_VERSION_MAX */
    sam_auth_server_t *authorization_servers;
    size_t authorization_server_count;
    sam_ssa_t *ssas;
    size_t ssa_count;
    sam_csc_oauth2_t *csc_oauth2; /* NULL when not configured */
} sam_dynamic_config_t;

/* As for the static file. */
int sam_dynamic_config_load(const char *path, sam_dynamic_config_t **out);
/*
 * Validate a dynamic configuration document from memory (the body of
 * PUT /sam/v1/configurations/dynamic; name NULL gives messages without a
 * file name, fit for an error_description). SAM_E_CONFIG, SAM_E_NOMEM.
 */
int sam_dynamic_config_parse(const char *text, size_t len, const char *name,
                             sam_dynamic_config_t **out);
void sam_dynamic_config_free(sam_dynamic_config_t *c);

/*
 * The document in force, as GET /sam/v1/configurations/dynamic returns it:
 * pretty JSON, members in the documented order, public keys as base64 of the
 * canonical DER. Parsing the output gives an equal configuration.
 * SAM_OK or the strbuf's error.
 */
int sam_dynamic_config_write(const sam_dynamic_config_t *c, sam_strbuf_t *b);

/*
 * SAM_OK when proposed > current, else SAM_E_VERSION_CONFLICT with the
 * detail "version P is not greater than the installed version C".
 * current is 0 when no dynamic configuration is installed.
 */
int sam_dynamic_config_check_version(int64_t current, int64_t proposed);

const sam_ssa_t *sam_dynamic_config_find_ssa(const sam_dynamic_config_t *c,
                                             const uint8_t spki_sha256[32]);
const sam_auth_server_t *sam_dynamic_config_find_as(const sam_dynamic_config_t *c, const char *id);
/* Is the authorization server as (from the same configuration) allowed for ssa? */
bool sam_ssa_trusts(const sam_dynamic_config_t *c, const sam_ssa_t *ssa,
                    const sam_auth_server_t *as);

/*
 * Checks across the two files: roles never mix, so no SSA may use an
 * administrator's key. SAM_OK or SAM_E_CONFIG naming what clashes. samd's
 * PUT should run it on the new document against the static configuration.
 */
int sam_config_check_roles(const sam_static_config_t *s, const sam_dynamic_config_t *d);

#endif
