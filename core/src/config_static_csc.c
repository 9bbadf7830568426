/* The "csc" section of static_config.json: the /csc/v1 layer (csc-v1.md). */
#include "config_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

static bool is_region(const char *s)
{
    return strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

/* A language tag as CSC info.lang wants (RFC 5646), checked loosely: "en", "en-US", "de-CH-1996".
 */
static bool is_lang(const char *s)
{
    size_t first = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (first < 2 || first > 8)
        return false;
    s += first;
    while (*s == '-') {
        size_t n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (n < 1 || n > 8)
            return false;
        s += 1 + n;
    }
    return *s == '\0';
}

static bool is_http_uri(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
        return false;
    return strchr(s, ' ') == NULL;
}

/* The external OAuth2 server lives in the dynamic configuration ("csc_oauth2"),
 * where it can change without a restart; say so to whoever still writes it here. */
static int refuse_static_oauth2(const sam_json_t *csc)
{
    const sam_json_t *o = sam_json_get(csc, "oauth2");
    if (o == NULL)
        return SAM_OK;
    return sam_cfg_fail(o, "csc.oauth2",
                        "is not read any more: register the external authorization server as "
                        "\"csc_oauth2\" in dynamic_config.json (docs/configuration.md)");
}

static int parse_info(const sam_json_t *csc, sam_csc_config_t *c)
{
    int rc = sam_cfg_string(csc, "name", "csc.name", true, 256, &c->name);
    if (rc == SAM_OK)
        rc = sam_cfg_string(csc, "logo", "csc.logo", true, 2048, &c->logo);
    if (rc == SAM_OK && !is_http_uri(c->logo))
        return sam_cfg_fail(sam_json_get(csc, "logo"), "csc.logo",
                            "must be an http:// or https:// URI");
    if (rc == SAM_OK)
        rc = sam_cfg_string(csc, "region", "csc.region", true, 2, &c->region);
    if (rc == SAM_OK && !is_region(c->region))
        return sam_cfg_fail(sam_json_get(csc, "region"), "csc.region",
                            "must be an ISO 3166-1 alpha-2 country code such as \"CH\"");
    if (rc == SAM_OK)
        rc = sam_cfg_string(csc, "lang", "csc.lang", true, 35, &c->lang);
    if (rc == SAM_OK && !is_lang(c->lang))
        return sam_cfg_fail(sam_json_get(csc, "lang"), "csc.lang",
                            "must be a language tag (RFC 5646) such as \"en-US\"");
    if (rc == SAM_OK)
        rc = sam_cfg_string(csc, "description", "csc.description", true, 1024, &c->description);
    return rc;
}

int sam_cfg_parse_csc(const sam_json_t *root, const sam_sad_config_t *sad, sam_csc_config_t *c)
{
    static const char *const keys[] = {"enabled",
                                       "name",
                                       "logo",
                                       "region",
                                       "lang",
                                       "description",
                                       "pin_max_failures",
                                       "otp_max_failures",
                                       "access_token_lifetime_seconds",
                                       "refresh_token_lifetime_seconds",
                                       "sad_lifetime_seconds",
                                       "oauth2",
                                       NULL};
    const sam_json_t *csc = NULL;
    c->enabled = false;
    c->pin_max_failures = 5;
    c->otp_max_failures = 5;
    c->access_token_lifetime_seconds = 3600;
    c->refresh_token_lifetime_seconds = 86400;
    c->sad_lifetime_seconds = sad->max_lifetime_seconds < 300 ? sad->max_lifetime_seconds : 300;
    int rc = sam_cfg_opt_object(root, "csc", "csc", keys, &csc);
    if (rc != SAM_OK || csc == NULL)
        return rc;
    c->enabled = true; /* the block is there: on unless it says otherwise */
    rc = sam_cfg_bool(csc, "enabled", "csc.enabled", false, &c->enabled);
    if (rc == SAM_OK && c->enabled)
        rc = parse_info(csc, c);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(csc, "pin_max_failures", "csc.pin_max_failures", false, 1, 100,
                          &c->pin_max_failures);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(csc, "otp_max_failures", "csc.otp_max_failures", false, 1, 100,
                          &c->otp_max_failures);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(csc, "access_token_lifetime_seconds", "csc.access_token_lifetime_seconds",
                          false, 60, 86400, &c->access_token_lifetime_seconds);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(csc, "refresh_token_lifetime_seconds",
                          "csc.refresh_token_lifetime_seconds", false, 60, 30u * 86400,
                          &c->refresh_token_lifetime_seconds);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(csc, "sad_lifetime_seconds", "csc.sad_lifetime_seconds", false, 1,
                          sad->max_lifetime_seconds, &c->sad_lifetime_seconds);
    if (rc == SAM_OK)
        rc = refuse_static_oauth2(csc);
    return rc;
}

void sam_cfg_free_csc(sam_csc_config_t *c)
{
    free(c->name);
    free(c->logo);
    free(c->region);
    free(c->lang);
    free(c->description);
    memset(c, 0, sizeof(*c));
}
