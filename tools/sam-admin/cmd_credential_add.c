/*
 * sam-admin credential add: what POST /sam/v1/credentials does, through the
 * same core operation (sam_op_credential_create), on this node. Every input
 * is checked before the module or the store is touched; the operation then
 * checks the key pair, the user and the certificate and changes nothing when
 * it refuses. The PIN and the OTP secret come from files or descriptors only
 * and are wiped after use.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include "sam/fileio.h"
#include "sam/json.h"
#include "sam/ops.h"
#include "sam/rc.h"
#include "sam/secmem.h"
#include "sam/totp.h"

#define CMD "credential add"
#define MAX_USER_ID SAM_OP_MAX_USER_ID
#define MAX_DESCRIPTION SAM_OP_MAX_DESCRIPTION
#define MAX_MULTISIGN SAM_OP_MAX_MULTISIGN

enum {
    OPT_DIR = 256,
    OPT_USER,
    OPT_KEY_PAIR,
    OPT_CERTIFICATES,
    OPT_AUTH_MODE,
    OPT_PIN_FILE,
    OPT_PIN_FD,
    OPT_OTP_FILE,
    OPT_OTP_FD,
    OPT_OTP_ALGORITHM,
    OPT_OTP_DIGITS,
    OPT_OTP_PERIOD,
    OPT_MULTISIGN,
    OPT_SCAL,
    OPT_DESCRIPTION,
    OPT_SECRET_ON_ARGV,
};

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"user", required_argument, NULL, OPT_USER},
    {"key-pair", required_argument, NULL, OPT_KEY_PAIR},
    {"certificates", required_argument, NULL, OPT_CERTIFICATES},
    {"auth-mode", required_argument, NULL, OPT_AUTH_MODE},
    {"pin-file", required_argument, NULL, OPT_PIN_FILE},
    {"pin-fd", required_argument, NULL, OPT_PIN_FD},
    {"otp-secret-file", required_argument, NULL, OPT_OTP_FILE},
    {"otp-secret-fd", required_argument, NULL, OPT_OTP_FD},
    {"otp-algorithm", required_argument, NULL, OPT_OTP_ALGORITHM},
    {"otp-digits", required_argument, NULL, OPT_OTP_DIGITS},
    {"otp-period", required_argument, NULL, OPT_OTP_PERIOD},
    {"multisign", required_argument, NULL, OPT_MULTISIGN},
    {"scal", required_argument, NULL, OPT_SCAL},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    /* Spelled out so that getopt does not take them for abbreviations of
     * --pin-file or --otp-secret-file: a secret on argv is refused, never used. */
    {"pin", required_argument, NULL, OPT_SECRET_ON_ARGV},
    {"otp-secret", required_argument, NULL, OPT_SECRET_ON_ARGV},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_credential_add(FILE *f)
{
    fprintf(f,
            "Usage: sam-admin credential add --config-dir DIR --user ID --key-pair FILE\n"
            "           --certificates FILE [--certificates FILE...]\n"
            "           [--auth-mode explicit|implicit|oauth2code] [--pin-file FILE | --pin-fd N]\n"
            "           [--otp-secret-file FILE | --otp-secret-fd N [--otp-algorithm "
            "SHA1|SHA256|SHA512]\n"
            "            [--otp-digits 6|8] [--otp-period SECONDS]]\n"
            "           [--multisign N] [--scal 1|2] [--description TEXT]\n"
            "\n"
            "Create a CSC credential, as POST /sam/v1/credentials does, and print its id.\n"
            "The key pair must be assigned to the user and certified; the first\n"
            "certificate must certify its public key; the user must exist.\n"
            "\n"
            "  --config-dir DIR        directory of the SAM's configuration files\n"
            "  --user ID               the CSC user who owns the credential (1 to %d bytes)\n"
            "  --key-pair FILE         the key_pair object (JSON) of /sam/v1, certified\n"
            "  --certificates FILE     PEM (one or more) or DER; end-entity first, then its\n"
            "                          issuers; repeat for more files (at most %d in all)\n"
            "  --auth-mode MODE        explicit (default), implicit or oauth2code\n"
            "  --pin-file FILE         the PIN, one line (explicit mode only)\n"
            "  --pin-fd N              the PIN, read from descriptor N\n"
            "  --otp-secret-file FILE  a TOTP secret in base32, one line (explicit mode only)\n"
            "  --otp-secret-fd N       the TOTP secret, read from descriptor N\n"
            "  --otp-algorithm ALG     SHA1 (default), SHA256 or SHA512\n"
            "  --otp-digits N          6 (default) or 8\n"
            "  --otp-period SECONDS    1 to %d (default 30)\n"
            "  --multisign N           signatures one authorization allows, 1 to %d (default 1)\n"
            "  --scal 1|2              sole control assurance level (default 1)\n"
            "  --description TEXT      at most %d bytes\n"
            "  -h, --help              show this help\n",
            MAX_USER_ID, SAM_STORE_MAX_CERTIFICATES, SAM_TOTP_MAX_PERIOD, MAX_MULTISIGN,
            MAX_DESCRIPTION);
}

/* The command line as given; secrets only as where to read them. */
typedef struct st_add_args_t {
    const char *dir, *user, *key_pair, *auth_mode, *scal, *description;
    const char *cert_files[SAM_STORE_MAX_CERTIFICATES];
    size_t cert_file_count;
    char pin_source[PATH_MAX + 8], otp_source[PATH_MAX + 8]; /* "file:PATH" or "fd:N"; "" none */
    const char *otp_algorithm, *otp_digits, *otp_period;
    unsigned long multisign;
} add_args_t;

/* The secrets, in locked memory, wiped and freed by secrets_free(). */
typedef struct st_secrets_t {
    char *pin, *otp;
    size_t pin_len, otp_len;
} secrets_t;

static void secrets_free(secrets_t *s)
{
    if (s->pin != NULL) {
        sam_wipe(s->pin, s->pin_len);
        sam_secure_free(s->pin);
    }
    if (s->otp != NULL) {
        sam_wipe(s->otp, s->otp_len);
        sam_secure_free(s->otp);
    }
    s->pin = s->otp = NULL;
}

static int set_source(char *buf, size_t cap, const char *kind, const char *value, const char *what)
{
    unsigned long fd;
    int n;

    if (buf[0] != '\0')
        return admin_usage_error(CMD, "give the %s once", what);
    if (strcmp(kind, "fd") == 0 && admin_parse_uint(value, 0, 1024, &fd) != 0)
        return admin_usage_error(CMD, "%s descriptor '%s' is not a number from 0 to 1024", what,
                                 value);
    n = snprintf(buf, cap, "%s:%s", kind, value);
    if (n < 0 || (size_t)n >= cap)
        return admin_usage_error(CMD, "%s file name too long", what);
    return ADMIN_CONTINUE;
}

/* Everything that can be judged without the store or the module. */
static int check_args(add_args_t *a, sam_totp_params_t *otp)
{
    unsigned long n;

    if (a->dir == NULL || a->user == NULL || a->key_pair == NULL || a->cert_file_count == 0)
        return admin_usage_error(
            CMD, "--config-dir, --user, --key-pair and --certificates are required");
    if (a->auth_mode == NULL)
        a->auth_mode = "explicit";
    if (a->scal == NULL)
        a->scal = "1";
    if (a->otp_source[0] == '\0' &&
        (a->otp_algorithm != NULL || a->otp_digits != NULL || a->otp_period != NULL))
        return admin_usage_error(CMD, "--otp-algorithm, --otp-digits and --otp-period need an "
                                      "OTP secret (--otp-secret-file or --otp-secret-fd)");
    *otp = sam_totp_defaults;
    if (a->otp_algorithm != NULL && sam_totp_algorithm(a->otp_algorithm, &otp->hmac) != SAM_OK)
        return admin_usage_error(CMD, "--otp-algorithm must be SHA1, SHA256 or SHA512");
    if (a->otp_digits != NULL) {
        if (admin_parse_uint(a->otp_digits, 6, 8, &n) != 0 || n == 7)
            return admin_usage_error(CMD, "--otp-digits must be 6 or 8");
        otp->digits = (unsigned)n;
    }
    if (a->otp_period != NULL) {
        if (admin_parse_uint(a->otp_period, 1, SAM_TOTP_MAX_PERIOD, &n) != 0)
            return admin_usage_error(CMD, "--otp-period must be 1 to %d", SAM_TOTP_MAX_PERIOD);
        otp->period = (unsigned)n;
    }
    /* The rest is the core's own check of the settings, as for the API. */
    sam_op_credential_t settings = {.user_id = a->user,
                                    .auth_mode = a->auth_mode,
                                    .scal = a->scal,
                                    .multisign = (uint32_t)a->multisign,
                                    .description = a->description,
                                    .pin = a->pin_source[0] != '\0' ? "" : NULL,
                                    .otp_secret = a->otp_source[0] != '\0' ? "" : NULL,
                                    .otp = *otp};
    if (sam_op_credential_check(&settings) != SAM_OK)
        return admin_usage_error(CMD, "%s", sam_error_message());
    return ADMIN_CONTINUE;
}

/* The key pair object, parsed with the API's bounds. */
static int read_key_pair(const char *path, sam_json_t **out)
{
    char *text = NULL;
    size_t len = 0;
    int ret = -1;

    *out = NULL;
    if (sam_file_read(path, SAM_STORE_MAX_KEY_PAIR_LEN, &text, &len) != SAM_OK) {
        admin_err("key pair: %s", sam_error_message());
        goto out;
    }
    if (sam_json_parse(text, len, &sam_json_default_limits, out) != SAM_OK) {
        admin_err("key pair %s: %s", path, sam_error_message());
        goto out;
    }
    if ((*out)->type != SAM_JSON_OBJECT) {
        admin_err("key pair %s: not a JSON object", path);
        goto out;
    }
    ret = 0;
out:
    if (ret != 0) {
        sam_json_free(*out);
        *out = NULL;
    }
    free(text);
    return ret;
}

static int read_secret(const char *source, const char *what, char **out, size_t *len)
{
    if (source[0] == '\0')
        return 0;
    if (sam_read_secret(source, out, len) != SAM_OK) {
        admin_err("%s: %s", what, sam_error_message());
        return -1;
    }
    return 0;
}

static int add(const add_args_t *a, const sam_totp_params_t *otp)
{
    admin_certs_t certs = {.count = 0};
    secrets_t sec = {0};
    sam_json_t *kp = NULL;
    sam_service_t *svc = NULL;
    sam_op_facts_t facts = {0};
    char id[33];
    int code = ADMIN_EXIT_FAIL;

    for (size_t i = 0; i < a->cert_file_count; i++)
        if (admin_certs_read(&certs, a->cert_files[i]) != 0)
            goto out;
    if (read_key_pair(a->key_pair, &kp) != 0 ||
        read_secret(a->pin_source, "PIN", &sec.pin, &sec.pin_len) != 0 ||
        read_secret(a->otp_source, "OTP secret", &sec.otp, &sec.otp_len) != 0 ||
        admin_open_service(a->dir, &svc) != 0)
        goto out;
    sam_op_credential_t in = {.key_pair = kp,
                              .user_id = a->user,
                              .certificates = (const char *const *)certs.b64,
                              .certificate_count = certs.count,
                              .auth_mode = a->auth_mode,
                              .pin = sec.pin,
                              .pin_len = sec.pin_len,
                              .multisign = (uint32_t)a->multisign,
                              .scal = a->scal,
                              .description = a->description,
                              .otp_secret = sec.otp,
                              .otp_secret_len = sec.otp_len,
                              .otp = *otp};
    if (sam_op_credential_create(svc, &in, id, &facts) != SAM_OK) {
        admin_err("credential for user %s not created: %s", a->user, sam_error_message());
        goto out;
    }
    printf("%s\n", id);
    code = ADMIN_EXIT_OK;
out:
    secrets_free(&sec);
    sam_op_facts_clear(&facts);
    admin_close_service(svc);
    sam_json_free(kp);
    admin_certs_free(&certs);
    return code;
}

int admin_credential_add(int argc, char **argv)
{
    add_args_t a = {.multisign = 1};
    sam_totp_params_t otp;
    int c, ret;

    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        ret = ADMIN_CONTINUE;
        switch (c) {
        case 'h':
            admin_usage_credential_add(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            a.dir = optarg;
            break;
        case OPT_USER:
            a.user = optarg;
            break;
        case OPT_KEY_PAIR:
            a.key_pair = optarg;
            break;
        case OPT_CERTIFICATES:
            if (a.cert_file_count == SAM_STORE_MAX_CERTIFICATES)
                return admin_usage_error(CMD, "at most %d --certificates",
                                         SAM_STORE_MAX_CERTIFICATES);
            a.cert_files[a.cert_file_count++] = optarg;
            break;
        case OPT_AUTH_MODE:
            a.auth_mode = optarg;
            break;
        case OPT_PIN_FILE:
        case OPT_PIN_FD:
            ret = set_source(a.pin_source, sizeof(a.pin_source), c == OPT_PIN_FD ? "fd" : "file",
                             optarg, "PIN");
            break;
        case OPT_OTP_FILE:
        case OPT_OTP_FD:
            ret = set_source(a.otp_source, sizeof(a.otp_source), c == OPT_OTP_FD ? "fd" : "file",
                             optarg, "OTP secret");
            break;
        case OPT_OTP_ALGORITHM:
            a.otp_algorithm = optarg;
            break;
        case OPT_OTP_DIGITS:
            a.otp_digits = optarg;
            break;
        case OPT_OTP_PERIOD:
            a.otp_period = optarg;
            break;
        case OPT_MULTISIGN:
            if (admin_parse_uint(optarg, 1, MAX_MULTISIGN, &a.multisign) != 0)
                return admin_usage_error(CMD, "--multisign must be 1 to %d", MAX_MULTISIGN);
            break;
        case OPT_SCAL:
            a.scal = optarg;
            break;
        case OPT_DESCRIPTION:
            a.description = optarg;
            break;
        case OPT_SECRET_ON_ARGV:
            return admin_usage_error(CMD, "a PIN or OTP secret is never taken from the command "
                                          "line; use --pin-file, --pin-fd, --otp-secret-file or "
                                          "--otp-secret-fd");
        default:
            return ADMIN_EXIT_USAGE;
        }
        if (ret != ADMIN_CONTINUE)
            return ret;
    }
    if (admin_no_operands(CMD, argc, argv) != ADMIN_CONTINUE)
        return ADMIN_EXIT_USAGE;
    if ((ret = check_args(&a, &otp)) != ADMIN_CONTINUE)
        return ret;
    return add(&a, &otp);
}
