/*
 * sam-admin credential delete: what DELETE /sam/v1/credentials/{id} does,
 * through the same core operation (sam_op_credential_delete).
 */
#include "admin.h"

#include <string.h>

#include "sam/ops.h"
#include "sam/rc.h"

#define CMD "credential delete"

enum { OPT_DIR = 256 };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_credential_delete(FILE *f)
{
    fprintf(f, "Usage: sam-admin credential delete --config-dir DIR CREDENTIAL_ID\n"
               "\n"
               "Delete a CSC credential, as DELETE /sam/v1/credentials/{id} does. The key\n"
               "pair stays as it is; only the credential is removed.\n"
               "\n"
               "  --config-dir DIR   directory of the SAM's configuration files\n"
               "  -h, --help         show this help\n");
}

static int delete_credential(const char *dir, const char *id)
{
    sam_service_t *svc = NULL;
    sam_op_facts_t facts = {0};
    int rc, code = ADMIN_EXIT_FAIL;

    if (admin_open_service(dir, &svc) != 0)
        goto out;
    rc = sam_op_credential_delete(svc, id, &facts);
    if (rc == SAM_E_NOT_FOUND) {
        admin_err("no credential %s", id);
        goto out;
    }
    if (rc != SAM_OK) {
        admin_err("credential %s: %s", id, sam_error_message());
        goto out;
    }
    printf("credential %s: deleted\n", id);
    code = ADMIN_EXIT_OK;
out:
    sam_op_facts_clear(&facts);
    admin_close_service(svc);
    return code;
}

int admin_credential_delete(int argc, char **argv)
{
    const char *dir = NULL;
    int c;

    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_credential_delete(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            dir = optarg;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return admin_usage_error(CMD, "exactly one CREDENTIAL_ID is required");
    if (dir == NULL)
        return admin_usage_error(CMD, "--config-dir is required");
    return delete_credential(dir, argv[optind]);
}
