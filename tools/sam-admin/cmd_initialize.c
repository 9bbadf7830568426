/*
 * sam-admin initialize: install on this node the sam_infrastructure.json of
 * a SAM created elsewhere, after checking that the module it names answers
 * and holds the SAM's keys.
 */
#include "admin.h"

#include <string.h>

#include "sam/config.h"
#include "sam/rc.h"

#define CMD "initialize"

enum { OPT_DIR = 256, OPT_FROM };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"from", required_argument, NULL, OPT_FROM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_initialize(FILE *f)
{
    fprintf(f,
            "Usage: sam-admin initialize --config-dir DIR --from FILE\n"
            "\n"
            "Install FILE, the %s of an existing SAM (made by\n"
            "'sam-admin create' on another node), as DIR/%s.\n"
            "The module and token FILE names must be reachable from this node, with the\n"
            "PIN where FILE says, and must hold the SAM's keys. Refuses to overwrite an\n"
            "existing file.\n"
            "\n"
            "  --config-dir DIR   directory of the SAM's configuration files\n"
            "  --from FILE        the infrastructure file to install\n"
            "  -h, --help         show this help\n",
            SAM_INFRA_CONFIG_FILE, SAM_INFRA_CONFIG_FILE);
}

static int parse_args(int argc, char **argv, const char **dir, const char **from)
{
    int c;
    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_initialize(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            *dir = optarg;
            break;
        case OPT_FROM:
            *from = optarg;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (*dir == NULL || *from == NULL)
        return admin_usage_error(CMD, "--config-dir and --from are required");
    return admin_no_operands(CMD, argc, argv);
}

int admin_cmd_initialize(int argc, char **argv)
{
    const char *dir = NULL, *from = NULL;
    sam_infra_t *infra = NULL;
    sam_module_t *m = NULL;
    char path[PATH_MAX];
    int rc, code = parse_args(argc, argv, &dir, &from);

    if (code != ADMIN_CONTINUE)
        return code;
    code = ADMIN_EXIT_FAIL;
    rc = sam_infra_load(from, &infra);
    if (rc != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    if (admin_check_config_dir(dir) != 0 ||
        admin_path_join(path, sizeof(path), dir, SAM_INFRA_CONFIG_FILE) != 0 ||
        admin_refuse_existing(path) != 0)
        goto out;
    if (admin_open_module(infra, &m) != 0)
        goto out;
    rc = sam_module_bind_keys(m);
    if (rc != SAM_OK) {
        admin_err("the module does not hold the keys of SAM %s: %s; nothing was installed",
                  infra->sam_id, sam_error_message());
        goto out;
    }
    rc = sam_module_health(m);
    if (rc != SAM_OK) {
        admin_err("the module holds the keys of SAM %s but fails its health check: %s",
                  infra->sam_id, sam_error_message());
        goto out;
    }
    /* Write what was checked, not the file again (it might have changed since). */
    if (admin_install_infra(infra, path) != 0)
        goto out;
    printf("installed SAM %s\nwrote %s\n", infra->sam_id, path);
    code = ADMIN_EXIT_OK;
out:
    sam_module_close(m);
    sam_infra_free(infra);
    return code;
}
