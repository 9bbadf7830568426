/*
 * sam-admin check: validate the configuration installed in a directory, the
 * three files and the checks across them; with --module, also open the
 * cryptographic module and check that it holds the SAM's keys.
 */
#include "admin.h"

#include "sam/config.h"
#include "sam/rc.h"

#define CMD "check"

enum { OPT_DIR = 256, OPT_MODULE };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"module", no_argument, NULL, OPT_MODULE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_check(FILE *f)
{
    fprintf(f,
            "Usage: sam-admin check --config-dir DIR [--module]\n"
            "\n"
            "Validate DIR/%s, DIR/%s and\n"
            "DIR/%s (this one may be absent: no SSA is registered\n"
            "until it is installed), and the checks across them. Changes nothing.\n"
            "\n"
            "  --config-dir DIR   directory of the SAM's configuration files\n"
            "  --module           also open the module and check it holds the SAM's keys\n"
            "  -h, --help         show this help\n",
            SAM_INFRA_CONFIG_FILE, SAM_STATIC_CONFIG_FILE, SAM_DYNAMIC_CONFIG_FILE);
}

static int check_module(const sam_infra_t *infra)
{
    sam_module_t *m = NULL;
    int ret = -1;
    if (admin_open_module(infra, &m) != 0)
        goto out;
    if (sam_module_bind_keys(m) != SAM_OK || sam_module_health(m) != SAM_OK) {
        admin_err("module check failed: %s", sam_error_message());
        goto out;
    }
    printf("module: ok (token holds the keys of SAM %s)\n", infra->sam_id);
    ret = 0;
out:
    sam_module_close(m);
    return ret;
}

typedef struct {
    sam_infra_t *infra;
    sam_static_config_t *s;
    sam_dynamic_config_t *d;
} loaded_t;

/* Each file on its own; returns the number of failures. */
static int check_files(const char *dir, loaded_t *l)
{
    char path[PATH_MAX];
    int failures = 0;
    if (admin_path_join(path, sizeof(path), dir, SAM_INFRA_CONFIG_FILE) != 0)
        return 1;
    if (sam_infra_load(path, &l->infra) != SAM_OK) {
        admin_err("%s", sam_error_message());
        failures++;
    } else {
        printf("%s: ok (SAM %s)\n", path, l->infra->sam_id);
    }
    if (admin_path_join(path, sizeof(path), dir, SAM_STATIC_CONFIG_FILE) != 0)
        return failures + 1;
    if (sam_static_config_load(path, &l->s) != SAM_OK) {
        admin_err("%s", sam_error_message());
        failures++;
    } else {
        printf("%s: ok (%zu administrators)\n", path, l->s->administrator_count);
    }
    if (admin_path_join(path, sizeof(path), dir, SAM_DYNAMIC_CONFIG_FILE) != 0)
        return failures + 1;
    int rc = sam_dynamic_config_load(path, &l->d);
    if (rc == SAM_E_NOT_FOUND) {
        printf("%s: not installed\n", path);
    } else if (rc != SAM_OK) {
        admin_err("%s", sam_error_message());
        failures++;
    } else {
        printf("%s: ok (version %lld, %zu authorization servers, %zu SSAs)\n", path,
               (long long)l->d->version, l->d->authorization_server_count, l->d->ssa_count);
    }
    return failures;
}

int admin_cmd_check(int argc, char **argv)
{
    const char *dir = NULL;
    int c, module = 0, code;
    loaded_t l = {NULL, NULL, NULL};

    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_check(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_MODULE:
            module = 1;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (dir == NULL)
        return admin_usage_error(CMD, "--config-dir is required");
    code = admin_no_operands(CMD, argc, argv);
    if (code != ADMIN_CONTINUE)
        return code;

    int failures = check_files(dir, &l);
    if (l.s != NULL && l.d != NULL && sam_config_check_roles(l.s, l.d) != SAM_OK) {
        admin_err("%s", sam_error_message());
        failures++;
    }
    if (module && l.infra != NULL && check_module(l.infra) != 0)
        failures++;
    code = failures == 0 ? ADMIN_EXIT_OK : ADMIN_EXIT_FAIL;
    sam_infra_free(l.infra);
    sam_static_config_free(l.s);
    sam_dynamic_config_free(l.d);
    return code;
}
