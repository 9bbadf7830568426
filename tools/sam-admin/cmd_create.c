/*
 * sam-admin create: make a new SAM. Its module keys are created in the
 * token and its sam_infrastructure.json is written; nothing is touched when
 * the file already exists. The PIN is never on the command line: only where
 * the module reads it from.
 */
#include "admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sam/config.h"
#include "sam/rc.h"

#define CMD "create"
#define TOKEN_LABEL_MAX 32 /* CK_TOKEN_INFO.label */
#define PREFIX_MAX 100     /* labels stay under the infrastructure file's 128 bytes */

enum {
    OPT_DIR = 256,
    OPT_TOKEN,
    OPT_PIN,
    OPT_LIBRARY,
    OPT_PROFILE,
    OPT_PLUGIN,
    OPT_ID,
    OPT_PREFIX
};

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"token-label", required_argument, NULL, OPT_TOKEN},
    {"pin-source", required_argument, NULL, OPT_PIN},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"backend-plugin", required_argument, NULL, OPT_PLUGIN},
    {"sam-id", required_argument, NULL, OPT_ID},
    {"key-label-prefix", required_argument, NULL, OPT_PREFIX},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *const label_suffix[SAM_MODULE_KEY_COUNT] = {"-wrap", "-seal", "-audit", "-csc"};

typedef struct {
    const char *dir, *token, *pin, *library, *profile, *plugin, *sam_id, *prefix;
} create_args_t;

/* Everything the infrastructure file will hold, owned here. */
typedef struct {
    char sam_id[SAM_ID_MAX + 1];
    char pin_source[PATH_MAX + 8];
    char library[PATH_MAX];
    char plugin[PATH_MAX];
    char prefix[PREFIX_MAX + 1];
    char labels[SAM_MODULE_KEY_COUNT][PREFIX_MAX + 8];
} create_values_t;

void admin_usage_create(FILE *f)
{
    fprintf(f,
            "Usage: sam-admin create --config-dir DIR --token-label LABEL --pin-source SOURCE\n"
            "                        [--library PATH] [--profile softhsm|nshield]\n"
            "                        [--backend-plugin PATH] [--sam-id ID]\n"
            "                        [--key-label-prefix PREFIX]\n"
            "\n"
            "Create a new SAM: generate its keys (wrapping, seal, audit, CSC) in the token\n"
            "and write DIR/%s (mode 0600). Refuses, and touches\n"
            "nothing, when that file exists or the token already holds keys with these labels.\n"
            "\n"
            "  --config-dir DIR         directory of the SAM's configuration files\n"
            "  --token-label LABEL      label of the initialized PKCS#11 token\n"
            "  --pin-source SOURCE      where the user PIN is read: file:PATH or fd:N\n"
            "                           (the PIN itself is never given on the command line)\n"
            "  --library PATH           PKCS#11 module (default %s)\n"
            "  --profile NAME           module profile: softhsm or nshield (default softhsm)\n"
            "  --backend-plugin PATH    backend plugin (default %s)\n"
            "  --sam-id ID              the SAM's id, 1-64 of A-Z a-z 0-9 . _ -\n"
            "                           (default \"sam-\" and 16 random hex digits)\n"
            "  --key-label-prefix P     module key labels P-wrap, P-seal, P-audit, P-csc\n"
            "                           (default \"opensam-<sam id>\")\n"
            "  -h, --help               show this help\n",
            SAM_INFRA_CONFIG_FILE, SAM_DEFAULT_PKCS11_LIBRARY, SAM_DEFAULT_BACKEND_PLUGIN);
}

static int parse_args(int argc, char **argv, create_args_t *a)
{
    int c;
    memset(a, 0, sizeof(*a));
    a->library = SAM_DEFAULT_PKCS11_LIBRARY;
    a->profile = "softhsm";
    a->plugin = SAM_DEFAULT_BACKEND_PLUGIN;
    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_create(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            a->dir = optarg;
            break;
        case OPT_TOKEN:
            a->token = optarg;
            break;
        case OPT_PIN:
            a->pin = optarg;
            break;
        case OPT_LIBRARY:
            a->library = optarg;
            break;
        case OPT_PROFILE:
            a->profile = optarg;
            break;
        case OPT_PLUGIN:
            a->plugin = optarg;
            break;
        case OPT_ID:
            a->sam_id = optarg;
            break;
        case OPT_PREFIX:
            a->prefix = optarg;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (a->dir == NULL || a->token == NULL || a->pin == NULL)
        return admin_usage_error(CMD, "--config-dir, --token-label and --pin-source are required");
    return admin_no_operands(CMD, argc, argv);
}

static bool label_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/*
 * An absolute path to an existing, readable file, for what the infrastructure
 * file records. Symbolic links are kept: /usr/lib/softhsm/libsofthsm2.so is a
 * stable name for a library whose real path changes with the architecture.
 */
static int resolve(const char *what, const char *path, char out[PATH_MAX])
{
    char cwd[PATH_MAX];
    int n;
    if (path[0] == '/') {
        n = snprintf(out, PATH_MAX, "%s", path);
    } else {
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            admin_err("cannot find the current directory: %s", strerror(errno));
            return -1;
        }
        n = snprintf(out, PATH_MAX, "%s/%s", cwd, path);
    }
    if (n < 0 || n >= PATH_MAX) {
        admin_err("%s %s: path too long", what, path);
        return -1;
    }
    if (access(out, R_OK) != 0) {
        admin_err("%s %s: %s", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The PIN source as recorded: 0, or an exit code. */
static int pin_source(const char *src, char *out, size_t cap)
{
    if (strncmp(src, "fd:", 3) == 0) {
        size_t digits = strspn(src + 3, "0123456789");
        if (digits == 0 || digits > 9 || src[3 + digits] != '\0') {
            return admin_usage_error(CMD, "--pin-source fd:N needs a file descriptor number");
        }
        snprintf(out, cap, "%s", src);
        return 0;
    }
    if (strncmp(src, "file:", 5) != 0 || src[5] == '\0') {
        return admin_usage_error(CMD, "--pin-source must be file:PATH or fd:N");
    }
    char abs[PATH_MAX];
    if (resolve("PIN file", src + 5, abs) != 0)
        return ADMIN_EXIT_FAIL;
    int n = snprintf(out, cap, "file:%s", abs);
    return n > 0 && (size_t)n < cap ? 0 : ADMIN_EXIT_FAIL;
}

static int random_sam_id(char *out, size_t cap)
{
    unsigned char r[8];
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        admin_err("cannot get random bytes: %s", strerror(errno));
        return -1;
    }
    snprintf(out, cap, "sam-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
             r[6], r[7]);
    return 0;
}

/* Check and complete the arguments; an exit code on failure, ADMIN_CONTINUE otherwise. */
static int prepare(const create_args_t *a, create_values_t *v)
{
    if (!label_text(a->token, TOKEN_LABEL_MAX))
        return admin_usage_error(CMD, "--token-label must be 1 to %d printable characters",
                                 TOKEN_LABEL_MAX);
    if (strcmp(a->profile, "softhsm") != 0 && strcmp(a->profile, "nshield") != 0)
        return admin_usage_error(CMD, "--profile must be softhsm or nshield");
    if (a->sam_id != NULL && !sam_id_valid(a->sam_id))
        return admin_usage_error(CMD, "--sam-id must be 1 to %d of A-Z a-z 0-9 . _ -", SAM_ID_MAX);
    if (a->prefix != NULL && !label_text(a->prefix, PREFIX_MAX))
        return admin_usage_error(CMD,
                                 "--key-label-prefix must be 1 to %d printable characters "
                                 "without spaces",
                                 PREFIX_MAX);
    int prc = pin_source(a->pin, v->pin_source, sizeof(v->pin_source));
    if (prc != 0)
        return prc;
    if (resolve("PKCS#11 library", a->library, v->library) != 0 ||
        resolve("backend plugin", a->plugin, v->plugin) != 0)
        return ADMIN_EXIT_FAIL;
    if (a->sam_id != NULL)
        snprintf(v->sam_id, sizeof(v->sam_id), "%s", a->sam_id);
    else if (random_sam_id(v->sam_id, sizeof(v->sam_id)) != 0)
        return ADMIN_EXIT_FAIL;
    int n = snprintf(v->prefix, sizeof(v->prefix), "%s%s", a->prefix != NULL ? "" : "opensam-",
                     a->prefix != NULL ? a->prefix : v->sam_id);
    if (n < 0 || (size_t)n >= sizeof(v->prefix))
        return admin_usage_error(CMD, "the key label prefix is too long");
    for (size_t i = 0; i < SAM_MODULE_KEY_COUNT; i++)
        snprintf(v->labels[i], sizeof(v->labels[i]), "%s%s", v->prefix, label_suffix[i]);
    return ADMIN_CONTINUE;
}

static void fill_infra(const create_args_t *a, create_values_t *v, sam_infra_t *infra)
{
    memset(infra, 0, sizeof(*infra));
    snprintf(infra->sam_id, sizeof(infra->sam_id), "%s", v->sam_id);
    infra->backend_plugin = v->plugin;
    infra->params[0] = (sam_param_t){"library", v->library};
    infra->params[1] = (sam_param_t){"token_label", a->token};
    infra->params[2] = (sam_param_t){"pin", v->pin_source};
    infra->params[3] = (sam_param_t){"profile", a->profile};
    for (size_t i = 0; i < SAM_MODULE_KEY_COUNT; i++)
        infra->labels[i] = v->labels[i];
}

int admin_cmd_create(int argc, char **argv)
{
    create_args_t a;
    create_values_t v;
    sam_infra_t infra; /* points into a and v: never sam_infra_free() it */
    sam_module_t *m = NULL;
    char path[PATH_MAX];
    int code = parse_args(argc, argv, &a);

    if (code != ADMIN_CONTINUE)
        return code;
    memset(&v, 0, sizeof(v));
    code = prepare(&a, &v);
    if (code != ADMIN_CONTINUE)
        return code;
    code = ADMIN_EXIT_FAIL;
    /* Everything that can refuse without touching the token comes first. */
    if (admin_check_config_dir(a.dir) != 0 ||
        admin_path_join(path, sizeof(path), a.dir, SAM_INFRA_CONFIG_FILE) != 0 ||
        admin_refuse_existing(path) != 0)
        goto out;
    fill_infra(&a, &v, &infra);
    if (admin_open_module(&infra, &m) != 0)
        goto out;
    int rc = sam_module_create_keys(m);
    if (rc != SAM_OK) {
        if (rc == SAM_E_EXISTS)
            admin_err("token \"%s\" already holds keys labelled %s-*: %s; nothing was created "
                      "(choose another --key-label-prefix or --sam-id)",
                      a.token, v.prefix, sam_error_message());
        else
            admin_err("cannot create the module keys in token \"%s\": %s", a.token,
                      sam_error_message());
        goto out;
    }
    if (admin_install_infra(&infra, path) != 0) {
        admin_err("the module keys labelled %s, %s, %s and %s now exist in token \"%s\" but no "
                  "file refers to them; delete them or create again with another "
                  "--key-label-prefix",
                  v.labels[0], v.labels[1], v.labels[2], v.labels[3], a.token);
        goto out;
    }
    printf("created SAM %s in token \"%s\" (keys %s, %s, %s, %s)\nwrote %s\n", v.sam_id, a.token,
           v.labels[0], v.labels[1], v.labels[2], v.labels[3], path);
    code = ADMIN_EXIT_OK;
out:
    sam_module_close(m);
    return code;
}
