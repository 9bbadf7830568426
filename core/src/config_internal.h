/*
 * Helpers shared by the configuration validators (config_*.c); not exported
 * beyond libsamcore. Every helper that fails sets the detail message to
 * "line L, column C: field "PATH" ..." and returns SAM_E_CONFIG (or
 * SAM_E_NOMEM); the caller adds the file name once, at the top.
 */
#ifndef SAM_CONFIG_INTERNAL_H
#define SAM_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/config.h"
#include "sam/json.h"

/* Longest field path a message names, e.g. "signing_service_privileged_users[12].id". */
#define SAM_CFG_PATH_MAX 192

/* Limits for configuration documents. */
extern const sam_json_limits_t sam_config_json_limits;

/* "parent.key" (or "key" when parent is empty) into buf. */
void sam_cfg_path(char *buf, size_t cap, const char *parent, const char *key);
/* "parent[i]" into buf. */
void sam_cfg_path_index(char *buf, size_t cap, const char *parent, size_t i);

/* Fail at node v: "line L, column C: field "PATH" <fmt>". Returns SAM_E_CONFIG. */
int sam_cfg_fail(const sam_json_t *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Normalize the rc of a json.h getter (SAM_E_PARSE) to SAM_E_CONFIG, keeping the detail. */
int sam_cfg_rc(int rc);

/* The whole document must be an object, with only the allowed members. */
int sam_cfg_root(const sam_json_t *root, const char *const *allowed);
/* Member that must be absent/null or an object (*out NULL when absent); checks allowed keys. */
int sam_cfg_opt_object(const sam_json_t *obj, const char *key, const char *path,
                       const char *const *allowed, const sam_json_t **out);
/* Required object with only allowed keys. */
int sam_cfg_need_object(const sam_json_t *obj, const char *key, const char *path,
                        const char *const *allowed, const sam_json_t **out);
/* Array with at most max items (absent: *out NULL unless required). */
int sam_cfg_array(const sam_json_t *obj, const char *key, const char *path, bool required,
                  size_t max, const sam_json_t **out);

/*
 * Strings, copied (malloc'd) into *out. Non-empty, at most max bytes, and no
 * control character. An absent optional string leaves *out untouched.
 */
int sam_cfg_string(const sam_json_t *obj, const char *key, const char *path, bool required,
                   size_t max, char **out);
/* An array item that must be such a string. */
int sam_cfg_item_string(const sam_json_t *v, const char *path, size_t max, char **out);
/* An absolute file path (required or optional). */
int sam_cfg_abs_path(const sam_json_t *obj, const char *key, const char *path, bool required,
                     char **out);
/* An id: 1..SAM_CONFIG_ID_MAX bytes of printable ASCII without space, '"' or '\\'. */
int sam_cfg_id(const sam_json_t *obj, const char *key, const char *path, char **out);
bool sam_cfg_id_valid(const char *s, size_t len);

/* Integer in [min, max]; an absent optional one leaves *out as it was (the default). */
int sam_cfg_uint(const sam_json_t *obj, const char *key, const char *path, bool required,
                 uint32_t min, uint32_t max, uint32_t *out);
/* Boolean; an absent optional one leaves *out as it was. */
int sam_cfg_bool(const sam_json_t *obj, const char *key, const char *path, bool required,
                 bool *out);

/* A required "public_key" member decoded into out (see sam_public_key_parse()). */
int sam_cfg_public_key(const sam_json_t *obj, const char *key, const char *path,
                       sam_public_key_t *out);

/* Parse text into a tree with the config limits; rc normalized, detail kept. */
int sam_cfg_parse_json(const char *text, size_t len, sam_json_t **out);
/* Prefix the detail with "name: " when name is not NULL, and normalize rc. */
int sam_cfg_finish_error(int rc, const char *name);

/* Free an array of n strings and the array. */
void sam_cfg_free_strings(char **v, size_t n);

/* Parse the "algorithms" section into p (absent: everything allowed). */
int sam_cfg_parse_algorithms(const sam_json_t *root, sam_alg_policy_t *p);
/* Parse the "limits", "sad" and "csc" sections (defaults for absent fields). */
int sam_cfg_parse_limits(const sam_json_t *root, sam_limits_t *l);
int sam_cfg_parse_sad(const sam_json_t *root, sam_sad_config_t *s);
int sam_cfg_parse_csc(const sam_json_t *root, const sam_sad_config_t *sad, sam_csc_config_t *c);
void sam_cfg_free_sad(sam_sad_config_t *s);
void sam_cfg_free_csc(sam_csc_config_t *c);
/* The "listen", "threads", "workers" and "tls" members. */
int sam_cfg_parse_net(const sam_json_t *root, sam_static_config_t *c);
void sam_cfg_free_net(sam_static_config_t *c);

#endif
