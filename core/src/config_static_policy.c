/* The policy parts of static_config.json: "limits" and "sad". */
#include "config_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

/* eIDAS levels of assurance, the default ordering for sad.min_loa. */
static const char *const default_loa_levels[] = {"low", "substantial", "high"};

typedef struct {
    const char *key;
    size_t offset;
    uint32_t min, max, def;
} limit_def_t;

#define LIMIT(name, lo, hi, d)                                                                     \
    {                                                                                              \
#name, offsetof(sam_limits_t, name), lo, hi, d                                             \
    }

static const limit_def_t limit_defs[] = {
    LIMIT(max_body_bytes, 1024, 64u * 1024 * 1024, 1024 * 1024),
    LIMIT(max_json_depth, 8, 64, 16),
    LIMIT(max_hashes_per_request, 1, 100000, 1000),
    LIMIT(max_header_bytes, 1024, 1024 * 1024, 16 * 1024),
    LIMIT(max_streams_per_connection, 1, 1000, 100),
    LIMIT(max_resets_per_minute, 1, 100000, 200),
    LIMIT(max_connections, 1, 1000000, 1024),
    LIMIT(request_timeout_seconds, 1, 3600, 30),
    LIMIT(idle_timeout_seconds, 1, 86400, 60),
    LIMIT(max_pending_jobs, 1, 1000000, 1024),
};

#define NLIMITS (sizeof(limit_defs) / sizeof(limit_defs[0]))

int sam_cfg_parse_limits(const sam_json_t *root, sam_limits_t *l)
{
    const char *keys[NLIMITS + 1];
    const sam_json_t *section = NULL;
    char path[SAM_CFG_PATH_MAX];

    for (size_t i = 0; i < NLIMITS; i++) {
        keys[i] = limit_defs[i].key;
        *(uint32_t *)((char *)l + limit_defs[i].offset) = limit_defs[i].def;
    }
    keys[NLIMITS] = NULL;
    int rc = sam_cfg_opt_object(root, "limits", "limits", keys, &section);
    if (rc != SAM_OK || section == NULL)
        return rc;
    for (size_t i = 0; i < NLIMITS && rc == SAM_OK; i++) {
        const limit_def_t *d = &limit_defs[i];
        sam_cfg_path(path, sizeof(path), "limits", d->key);
        rc = sam_cfg_uint(section, d->key, path, false, d->min, d->max,
                          (uint32_t *)((char *)l + d->offset));
    }
    return rc;
}

static int parse_loa_levels(const sam_json_t *sad, sam_sad_config_t *s)
{
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    size_t n = sizeof(default_loa_levels) / sizeof(default_loa_levels[0]);
    int rc = sad == NULL ? SAM_OK
                         : sam_cfg_array(sad, "loa_levels", "sad.loa_levels", false,
                                         SAM_CONFIG_MAX_LOA_LEVELS, &arr);
    if (rc != SAM_OK)
        return rc;
    if (arr != NULL) {
        if (arr->u.arr.count == 0)
            return sam_cfg_fail(arr, "sad.loa_levels", "must name at least one level");
        n = arr->u.arr.count;
    }
    s->loa_levels = calloc(n, sizeof(char *));
    if (s->loa_levels == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        s->loa_level_count = i + 1;
        if (arr == NULL) {
            s->loa_levels[i] = strdup(default_loa_levels[i]);
            if (s->loa_levels[i] == NULL)
                return sam_error_set(SAM_E_NOMEM, "out of memory");
            continue;
        }
        sam_cfg_path_index(ipath, sizeof(ipath), "sad.loa_levels", i);
        rc = sam_cfg_item_string(arr->u.arr.items[i], ipath, SAM_CONFIG_ID_MAX, &s->loa_levels[i]);
        if (rc != SAM_OK)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->loa_levels[j], s->loa_levels[i]) == 0)
                return sam_cfg_fail(arr->u.arr.items[i], ipath, "repeats sad.loa_levels[%zu]", j);
    }
    return SAM_OK;
}

int sam_cfg_parse_sad(const sam_json_t *root, sam_sad_config_t *s)
{
    static const char *const keys[] = {
        "max_lifetime_seconds", "clock_skew_seconds",         "min_loa",
        "loa_levels",           "require_assignment_consent", NULL};
    const sam_json_t *sad = NULL;
    s->max_lifetime_seconds = 300;
    s->clock_skew_seconds = 30;
    s->require_assignment_consent = false;
    int rc = sam_cfg_opt_object(root, "sad", "sad", keys, &sad);
    if (rc == SAM_OK)
        rc = parse_loa_levels(sad, s);
    if (rc != SAM_OK || sad == NULL)
        return rc;
    rc = sam_cfg_uint(sad, "max_lifetime_seconds", "sad.max_lifetime_seconds", false, 1, 86400,
                      &s->max_lifetime_seconds);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(sad, "clock_skew_seconds", "sad.clock_skew_seconds", false, 0, 600,
                          &s->clock_skew_seconds);
    if (rc == SAM_OK)
        rc = sam_cfg_bool(sad, "require_assignment_consent", "sad.require_assignment_consent",
                          false, &s->require_assignment_consent);
    if (rc == SAM_OK)
        rc = sam_cfg_string(sad, "min_loa", "sad.min_loa", false, SAM_CONFIG_ID_MAX, &s->min_loa);
    if (rc == SAM_OK && s->min_loa != NULL && sam_sad_loa_rank(s, s->min_loa) < 0)
        rc = sam_cfg_fail(sam_json_get(sad, "min_loa"), "sad.min_loa",
                          "must be one of sad.loa_levels");
    return rc;
}

void sam_cfg_free_sad(sam_sad_config_t *s)
{
    sam_cfg_free_strings(s->loa_levels, s->loa_level_count);
    free(s->min_loa);
    memset(s, 0, sizeof(*s));
}

int sam_sad_loa_rank(const sam_sad_config_t *sad, const char *loa)
{
    for (size_t i = 0; i < sad->loa_level_count; i++)
        if (strcmp(sad->loa_levels[i], loa) == 0)
            return (int)i;
    return -1;
}

int sam_sad_loa_check(const sam_sad_config_t *sad, const char *loa)
{
    if (sad->min_loa == NULL)
        return SAM_OK;
    if (loa == NULL)
        return sam_error_set(SAM_E_PARSE, "the SAD has no \"loa\"; at least \"%s\" is required",
                             sad->min_loa);
    int have = sam_sad_loa_rank(sad, loa);
    if (have < 0)
        return sam_error_set(SAM_E_PARSE, "the SAD's \"loa\" is not a known level of assurance");
    if (have < sam_sad_loa_rank(sad, sad->min_loa))
        return sam_error_set(SAM_E_PARSE, "the SAD's \"loa\" \"%s\" is below the minimum \"%s\"",
                             sad->loa_levels[have], sad->min_loa);
    return SAM_OK;
}
