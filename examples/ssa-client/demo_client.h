/*
 * sam-demo-client: an example Server Signing Application (SSA) that drives a
 * SAM over /sam/v1, one step per invocation (see README.md).
 *
 * Conventions inside the program: functions return DC_OK or DC_FAIL and have
 * printed what went wrong (to stderr) before they return DC_FAIL; main()
 * turns DC_FAIL into exit status 1.
 */
#ifndef DEMO_CLIENT_H
#define DEMO_CLIENT_H

#include <stddef.h>

#include "sam/json.h"
#include "sam/strbuf.h"

#define DC_OK 0
#define DC_FAIL 1

/* Bounds on what the client reads. */
#define DC_MAX_CONFIG_BYTES (64u * 1024)    /* sandbox.json */
#define DC_MAX_KEY_PAIR_BYTES (256u * 1024) /* a saved key_pair object */
#define DC_MAX_RESPONSE_BYTES (1024u * 1024)
#define DC_MAX_CERT_BYTES (256u * 1024)

/* sandbox.json, as written by examples/sandbox/run-sandbox. */
typedef struct st_dc_config_t {
    sam_json_t *doc; /* owns the strings below */
    const char *url; /* https://127.0.0.1:PORT, no trailing slash */
    const char *sam_id;
    const char *ca_cert;
    const char *ssa_id;
    const char *ssa_cert;
    const char *ssa_key;
    const char *as_id;
    const char *as_private_key;
    const char *as_alg;
} dc_config_t;

int dc_config_load(const char *path, dc_config_t *cfg);
void dc_config_free(dc_config_t *cfg);

/* Print a step for the reader: "  " + text. */
void dc_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print an error: "sam-demo-client: " + text, to stderr. Returns DC_FAIL. */
int dc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print OpenSSL's error queue after dc_fail(). Returns DC_FAIL. */
int dc_fail_openssl(const char *what);

/*
 * One request to the SAM over HTTP/2 with the SSA's client certificate.
 * path starts with "/sam/v1/"; body (JSON) may be NULL for no body; sad, when
 * not NULL, goes into the SAD header (never printed). On a 2xx answer *out
 * is the parsed JSON body (NULL when there is none; free with
 * sam_json_free()). Any other answer prints the SAM's error and
 * error_description and returns DC_FAIL.
 */
int dc_call(const dc_config_t *cfg, const char *method, const char *path, const sam_strbuf_t *body,
            const char *sad, sam_json_t **out);

/* path segment, percent-encoded for a URL (malloc'd; free()). NULL on failure. */
char *dc_url_escape(const char *segment);

/* Read a key_pair object saved by an earlier step. */
int dc_key_pair_load(const char *path, sam_json_t **kp);
/* Save the "key_pair" member of a SAM response to path (mode 0600). */
int dc_key_pair_save(const char *path, const sam_json_t *response);
/* A string member of obj, or NULL when absent or not a string. */
const char *dc_str(const sam_json_t *obj, const char *key);
/* The signature algorithm this client uses with the key: "ES256" or "RS256". */
int dc_key_pair_sig_alg(const sam_json_t *kp, const char **alg);
/* Write data to path atomically with mode. */
int dc_write_file(const char *path, const void *data, size_t len, unsigned mode);

/* The steps; argv[0] is the command name. */
int dc_cmd_generate(const dc_config_t *cfg, int argc, char **argv);
int dc_cmd_assign(const dc_config_t *cfg, int argc, char **argv);
int dc_cmd_csr(const dc_config_t *cfg, int argc, char **argv);
int dc_cmd_certify(const dc_config_t *cfg, int argc, char **argv);
int dc_cmd_sign(const dc_config_t *cfg, int argc, char **argv);

#endif
