/*
 * sam-admin user add|passwd|disable: CSC users in the state store named by
 * static_config.json. The password is read from a file or a descriptor,
 * never from the command line, hashed slowly (password.h) and wiped.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include "sam/password.h"
#include "sam/rc.h"
#include "sam/secmem.h"
#include "sam/store.h"

#define CMD "user"

enum { OPT_DIR = 256, OPT_USER, OPT_PASSWORD_SOURCE, OPT_PASSWORD };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"user", required_argument, NULL, OPT_USER},
    {"password-source", required_argument, NULL, OPT_PASSWORD_SOURCE},
    /* Spelled out so that getopt does not take it for an abbreviation of
     * --password-source: a password on argv is refused, never used. */
    {"password", required_argument, NULL, OPT_PASSWORD},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_user(FILE *f)
{
    fprintf(f, "Usage: sam-admin user add     --config-dir DIR --user ID --password-source SRC\n"
               "       sam-admin user passwd  --config-dir DIR --user ID --password-source SRC\n"
               "       sam-admin user disable --config-dir DIR --user ID\n"
               "\n"
               "Manage the users of the CSC API (/csc/v1) in the state store that\n"
               "DIR/static_config.json names. The password is stored only as a salted,\n"
               "slow hash; it is never taken from the command line.\n"
               "\n"
               "  --config-dir DIR         directory of the SAM's configuration files\n"
               "  --user ID                the user's id (1 to 256 bytes)\n"
               "  --password-source SRC    file:PATH or fd:N (one line; the newline is dropped)\n"
               "  -h, --help               show this help\n");
}

typedef enum { ACT_ADD, ACT_PASSWD, ACT_DISABLE } action_t;

static int hash_from(const char *source, char **hash)
{
    char *pw = NULL;
    size_t len = 0;
    int ret = -1;

    if (sam_read_secret(source, &pw, &len) != SAM_OK) {
        admin_err("password: %s", sam_error_message());
        goto out;
    }
    if (sam_password_hash(pw, len, hash) != SAM_OK) {
        admin_err("password: %s", sam_error_message());
        goto out;
    }
    ret = 0;
out:
    if (pw != NULL) {
        sam_wipe(pw, len);
        sam_secure_free(pw);
    }
    return ret;
}

static int run(action_t act, const char *dir, const char *user, const char *source)
{
    sam_store_t *store = NULL;
    char *hash = NULL;
    int rc, code = ADMIN_EXIT_FAIL;

    if (act != ACT_DISABLE && hash_from(source, &hash) != 0)
        goto out;
    if (admin_open_store(dir, &store) != 0)
        goto out;
    if (act == ACT_ADD)
        rc = sam_store_user_add(store, user, hash);
    else if (act == ACT_PASSWD)
        rc = sam_store_user_set_password(store, user, hash);
    else
        rc = sam_store_user_set_disabled(store, user, true);
    if (rc != SAM_OK) {
        admin_err("user %s: %s", user, sam_error_message());
        goto out;
    }
    printf("user %s: %s\n", user,
           act == ACT_ADD      ? "added"
           : act == ACT_PASSWD ? "password changed"
                               : "disabled");
    code = ADMIN_EXIT_OK;
out:
    free(hash);
    sam_store_close(store);
    return code;
}

int admin_cmd_user(int argc, char **argv)
{
    const char *dir = NULL, *user = NULL, *source = NULL;
    action_t act;
    int c;

    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        admin_usage_user(stdout);
        return ADMIN_EXIT_OK;
    }
    if (argc < 2)
        return admin_usage_error(CMD, "an action is required: add, passwd or disable");
    if (strcmp(argv[1], "add") == 0)
        act = ACT_ADD;
    else if (strcmp(argv[1], "passwd") == 0)
        act = ACT_PASSWD;
    else if (strcmp(argv[1], "disable") == 0)
        act = ACT_DISABLE;
    else
        return admin_usage_error(CMD, "unknown action '%s'", argv[1]);
    argc--;
    argv++;
    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_user(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_USER:
            user = optarg;
            break;
        case OPT_PASSWORD_SOURCE:
            source = optarg;
            break;
        case OPT_PASSWORD:
            return admin_usage_error(CMD, "a password is never taken from the command line; "
                                          "use --password-source file:PATH or fd:N");
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (admin_no_operands(CMD, argc, argv) != ADMIN_CONTINUE)
        return ADMIN_EXIT_USAGE;
    if (dir == NULL || user == NULL)
        return admin_usage_error(CMD, "--config-dir and --user are required");
    if (act != ACT_DISABLE && source == NULL)
        return admin_usage_error(CMD, "--password-source is required");
    if (act == ACT_DISABLE && source != NULL)
        return admin_usage_error(CMD, "disable takes no --password-source");
    return run(act, dir, user, source);
}
