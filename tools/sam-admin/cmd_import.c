/*
 * sam-admin import: validate a static or dynamic configuration file and
 * install it atomically in the configuration directory. The bytes installed
 * are the bytes validated (the file is read once). A dynamic configuration
 * must carry a version greater than the installed one. On any error nothing
 * changes.
 */
#include "admin.h"

#include <stdlib.h>
#include <unistd.h>

#include "sam/config.h"
#include "sam/fileio.h"
#include "sam/rc.h"

#define CMD "import"
#define CONFIG_MODE 0640 /* no secrets inside, but nothing for other users either */

enum { OPT_DIR = 256, OPT_STATIC, OPT_DYNAMIC };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"static", required_argument, NULL, OPT_STATIC},
    {"dynamic", required_argument, NULL, OPT_DYNAMIC},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *dir;
    const char *file;
    int dynamic;
} import_args_t;

void admin_usage_import(FILE *f)
{
    fprintf(f,
            "Usage: sam-admin import --config-dir DIR (--static FILE | --dynamic FILE)\n"
            "\n"
            "Validate FILE and install it atomically as DIR/%s or\n"
            "DIR/%s. A dynamic configuration's version must be greater\n"
            "than the installed one's. Public keys must not give one client both roles\n"
            "(administrator and SSA). On any error nothing is changed and the message\n"
            "names the file, line, column and field.\n"
            "\n"
            "  --config-dir DIR    directory of the SAM's configuration files\n"
            "  --static FILE       install FILE as the static configuration\n"
            "  --dynamic FILE      install FILE as the dynamic configuration\n"
            "  -h, --help          show this help\n",
            SAM_STATIC_CONFIG_FILE, SAM_DYNAMIC_CONFIG_FILE);
}

static int parse_args(int argc, char **argv, import_args_t *a)
{
    int c, kinds = 0;
    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_import(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            a->dir = optarg;
            break;
        case OPT_STATIC:
            a->file = optarg;
            a->dynamic = 0;
            kinds++;
            break;
        case OPT_DYNAMIC:
            a->file = optarg;
            a->dynamic = 1;
            kinds++;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (a->dir == NULL || kinds != 1)
        return admin_usage_error(CMD, "--config-dir and one of --static or --dynamic are required");
    return admin_no_operands(CMD, argc, argv);
}

/* The installed counterpart, for the checks across files; NULL when absent or unusable. */
static sam_static_config_t *installed_static(const char *dir)
{
    char path[PATH_MAX];
    sam_static_config_t *s = NULL;
    if (admin_path_join(path, sizeof(path), dir, SAM_STATIC_CONFIG_FILE) != 0)
        return NULL;
    int rc = sam_static_config_load(path, &s);
    if (rc != SAM_OK && rc != SAM_E_NOT_FOUND)
        admin_err("warning: roles not checked against the installed static configuration: %s",
                  sam_error_message());
    return s;
}

static sam_dynamic_config_t *installed_dynamic(const char *dir)
{
    char path[PATH_MAX];
    sam_dynamic_config_t *d = NULL;
    if (admin_path_join(path, sizeof(path), dir, SAM_DYNAMIC_CONFIG_FILE) != 0)
        return NULL;
    int rc = sam_dynamic_config_load(path, &d);
    if (rc != SAM_OK && rc != SAM_E_NOT_FOUND)
        admin_err("warning: roles not checked against the installed dynamic configuration: %s",
                  sam_error_message());
    return d;
}

static int check_static(const import_args_t *a, const char *text, size_t len)
{
    sam_static_config_t *s = NULL;
    sam_dynamic_config_t *d = NULL;
    int ret = -1;
    if (sam_static_config_parse(text, len, a->file, &s) != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    d = installed_dynamic(a->dir);
    if (d != NULL && sam_config_check_roles(s, d) != SAM_OK) {
        admin_err("%s: %s", a->file, sam_error_message());
        goto out;
    }
    ret = 0;
out:
    sam_static_config_free(s);
    sam_dynamic_config_free(d);
    return ret;
}

static int check_dynamic(const import_args_t *a, const char *target, const char *text, size_t len)
{
    sam_static_config_t *s = NULL;
    sam_dynamic_config_t *d = NULL, *old = NULL;
    int ret = -1;
    if (sam_dynamic_config_parse(text, len, a->file, &d) != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    int rc = sam_dynamic_config_load(target, &old);
    if (rc != SAM_OK && rc != SAM_E_NOT_FOUND) {
        admin_err("cannot read the installed version: %s; remove %s to install another",
                  sam_error_message(), target);
        goto out;
    }
    if (sam_dynamic_config_check_version(old != NULL ? old->version : 0, d->version) != SAM_OK) {
        admin_err("%s: %s (nothing was changed)", a->file, sam_error_message());
        goto out;
    }
    s = installed_static(a->dir);
    if (s != NULL && sam_config_check_roles(s, d) != SAM_OK) {
        admin_err("%s: %s", a->file, sam_error_message());
        goto out;
    }
    ret = 0;
out:
    sam_static_config_free(s);
    sam_dynamic_config_free(d);
    sam_dynamic_config_free(old);
    return ret;
}

int admin_cmd_import(int argc, char **argv)
{
    import_args_t a = {NULL, NULL, 0};
    char target[PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    int lock = -1, code = parse_args(argc, argv, &a);

    if (code != ADMIN_CONTINUE)
        return code;
    code = ADMIN_EXIT_FAIL;
    if (admin_check_config_dir(a.dir) != 0 ||
        admin_path_join(target, sizeof(target), a.dir,
                        a.dynamic ? SAM_DYNAMIC_CONFIG_FILE : SAM_STATIC_CONFIG_FILE) != 0)
        goto out;
    if (sam_file_read(a.file, SAM_CONFIG_MAX_BYTES, &text, &len) != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    /* Serialize with other imports (and samd's writes) from the version check to the rename. */
    if (admin_lock_dir(a.dir, &lock) != 0)
        goto out;
    if ((a.dynamic ? check_dynamic(&a, target, text, len) : check_static(&a, text, len)) != 0)
        goto out;
    if (sam_file_write_atomic(target, text, len, CONFIG_MODE, 0) != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    printf("installed %s\n", target);
    code = ADMIN_EXIT_OK;
out:
    if (lock >= 0)
        (void)close(lock); /* releases the lock */
    free(text);
    return code;
}
