/*
 * The plugin's parameters. Unknown or repeated names are refused, naming
 * them; the PIN parameter is a secret source, never the PIN itself, and is
 * never echoed in a message.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11_internal.h"

#define P11_MAX_LABEL 64 /* module key labels (CKA_LABEL) */
#define P11_MAX_SESSIONS 256
#define P11_DEFAULT_SESSIONS 8

static const char *const known_params[] = {"library", "token_label", "pin",
                                           "profile", "sessions",    "reinit_after"};

static int is_known(const char *name)
{
    for (size_t i = 0; i < sizeof(known_params) / sizeof(known_params[0]); i++) {
        if (strcmp(known_params[i], name) == 0)
            return 1;
    }
    return 0;
}

/* Refuse unknown and repeated names, all of them in one message. */
static int check_names(p11_ctx_t *ctx, const sam_param_t *params)
{
    char unknown[256] = "";
    for (const sam_param_t *p = params; p != NULL && p->name != NULL; p++) {
        if (p->value == NULL)
            return p11_err(ctx, SAM_E_CONFIG, "pkcs11 backend: parameter %s has no value", p->name);
        for (const sam_param_t *q = params; q != p; q++) {
            if (strcmp(q->name, p->name) == 0)
                return p11_err(ctx, SAM_E_CONFIG, "pkcs11 backend: parameter %s given twice",
                               p->name);
        }
        if (!is_known(p->name)) {
            size_t used = strlen(unknown);
            snprintf(unknown + used, sizeof(unknown) - used, "%s%s", used > 0 ? ", " : "", p->name);
        }
    }
    if (unknown[0] != '\0')
        return p11_err(ctx, SAM_E_CONFIG,
                       "pkcs11 backend: unknown parameter(s): %s (known: library, token_label, "
                       "pin, profile, sessions, reinit_after)",
                       unknown);
    return SAM_OK;
}

static int parse_ulong(p11_ctx_t *ctx, const char *name, const char *text, unsigned long min,
                       unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || errno != 0 || end == text || *end != '\0' || v < min ||
        v > max)
        return p11_err(
            ctx, SAM_E_CONFIG,
            "pkcs11 backend: parameter %s must be a number from %lu to %lu, not \"%.32s\"", name,
            min, max, text);
    *out = v;
    return SAM_OK;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static int read_pin(p11_ctx_t *ctx, const char *source)
{
    if (strncmp(source, "file:", 5) != 0 && strncmp(source, "fd:", 3) != 0)
        return p11_err(ctx, SAM_E_CONFIG,
                       "pkcs11 backend: parameter pin must be a secret source \"file:PATH\" or "
                       "\"fd:N\" (the PIN itself is never accepted in the configuration)");
    char *pin = NULL;
    size_t len = 0;
    int rc = ctx->host->read_secret(source, &pin, &len);
    if (rc != SAM_OK) {
        const char *why = rc == SAM_E_PARSE         ? "it is empty"
                          : rc == SAM_E_LIMIT       ? "it is too long"
                          : rc == SAM_E_INVALID_ARG ? "the source must be \"file:PATH\" or \"fd:N\""
                                                    : "it cannot be read";
        return p11_err(ctx, rc, "pkcs11 backend: PIN from %s: %s", source, why);
    }
    ctx->pin = pin;
    ctx->pin_len = len;
    return SAM_OK;
}

int p11_config_parse(p11_ctx_t *ctx, const sam_param_t *params,
                     const char *const labels[SAM_MODULE_KEY_COUNT])
{
    int rc = check_names(ctx, params);
    if (rc != SAM_OK)
        return rc;

    const char *library = sam_param_get(params, "library");
    const char *token = sam_param_get(params, "token_label");
    const char *pin = sam_param_get(params, "pin");
    const char *profile = sam_param_get(params, "profile");
    const char *sessions = sam_param_get(params, "sessions");
    const char *reinit = sam_param_get(params, "reinit_after");

    if (library == NULL || token == NULL || pin == NULL)
        return p11_err(ctx, SAM_E_CONFIG, "pkcs11 backend: parameter %s is required",
                       library == NULL ? "library"
                       : token == NULL ? "token_label"
                                       : "pin");
    /* A bare name would be searched for along the loader's path. */
    if (library[0] != '/')
        return p11_err(ctx, SAM_E_CONFIG,
                       "pkcs11 backend: library must be an absolute path, not \"%s\"", library);
    if (token[0] == '\0' || strlen(token) > 32)
        return p11_err(ctx, SAM_E_CONFIG,
                       "pkcs11 backend: token_label must have 1 to 32 bytes (PKCS#11 labels are "
                       "32 bytes)");

    ctx->profile = p11_profile_find(profile != NULL ? profile : "softhsm");
    if (ctx->profile == NULL)
        return p11_err(ctx, SAM_E_CONFIG, "pkcs11 backend: unknown profile \"%s\" (known: %s)",
                       profile, p11_profile_names());

    unsigned long v = P11_DEFAULT_SESSIONS;
    if (sessions != NULL &&
        (rc = parse_ulong(ctx, "sessions", sessions, 1, P11_MAX_SESSIONS, &v)) != SAM_OK)
        return rc;
    ctx->max_sessions = (unsigned)v;
    v = ctx->profile->default_reinit_after;
    if (reinit != NULL &&
        (rc = parse_ulong(ctx, "reinit_after", reinit, 0, 1000000000UL, &v)) != SAM_OK)
        return rc;
    ctx->reinit_after = v;

    for (int i = 0; i < SAM_MODULE_KEY_COUNT; i++) {
        const char *l = labels != NULL ? labels[i] : NULL;
        if (l == NULL || l[0] == '\0' || strlen(l) > P11_MAX_LABEL)
            return p11_err(ctx, SAM_E_CONFIG,
                           "pkcs11 backend: module key label %d must have 1 to %d bytes", i,
                           P11_MAX_LABEL);
        for (int j = 0; j < i; j++) {
            if (strcmp(labels[j], l) == 0)
                return p11_err(ctx, SAM_E_CONFIG,
                               "pkcs11 backend: module key label \"%s\" used twice", l);
        }
        if ((ctx->labels[i] = dup_str(l)) == NULL)
            return p11_err(ctx, SAM_E_NOMEM, "pkcs11 backend: out of memory");
    }
    if ((ctx->library = dup_str(library)) == NULL || (ctx->token_label = dup_str(token)) == NULL)
        return p11_err(ctx, SAM_E_NOMEM, "pkcs11 backend: out of memory");

    return read_pin(ctx, pin);
}

void p11_config_free(p11_ctx_t *ctx)
{
    if (ctx->pin != NULL) {
        ctx->host->wipe(ctx->pin, ctx->pin_len);
        ctx->host->secure_free(ctx->pin);
    }
    ctx->pin = NULL;
    ctx->pin_len = 0;
    free(ctx->library);
    free(ctx->token_label);
    ctx->library = ctx->token_label = NULL;
    for (int i = 0; i < SAM_MODULE_KEY_COUNT; i++) {
        free(ctx->labels[i]);
        ctx->labels[i] = NULL;
    }
}
