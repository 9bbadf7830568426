/*
 * sam-admin credential unlock: reset the consecutive-failure counters of a
 * CSC credential's PIN and/or OTP after a lockout ("PIN locked", "OTP
 * locked"), in the state store that static_config.json names. The next
 * authorization then gets the full number of attempts again.
 */
#include "admin.h"

#include "sam/rc.h"
#include "sam/store.h"

#define CMD "credential unlock"

enum { OPT_DIR = 256, OPT_PIN, OPT_OTP };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"pin", no_argument, NULL, OPT_PIN},
    {"otp", no_argument, NULL, OPT_OTP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_credential_unlock(FILE *f)
{
    fprintf(f, "Usage: sam-admin credential unlock CREDENTIAL_ID --config-dir DIR [--pin] [--otp]\n"
               "\n"
               "Unlock a CSC credential whose PIN or OTP was locked after too many\n"
               "consecutive failures (csc.pin_max_failures, csc.otp_max_failures): reset\n"
               "the failure counter in the state store that DIR/static_config.json names.\n"
               "\n"
               "  --config-dir DIR   directory of the SAM's configuration files\n"
               "  --pin              unlock the PIN only\n"
               "  --otp              unlock the OTP only (neither: both)\n"
               "  -h, --help         show this help\n");
}

static int unlock(const char *dir, const char *id, bool pin, bool otp)
{
    static const struct {
        sam_store_failure_kind kind;
        const char *name;
    } factors[] = {{SAM_STORE_PIN_FAILURES, "PIN"}, {SAM_STORE_OTP_FAILURES, "OTP"}};
    sam_store_t *store = NULL;
    int code = ADMIN_EXIT_FAIL;

    if (admin_open_store(dir, &store) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(factors) / sizeof(factors[0]); i++) {
        if ((factors[i].kind == SAM_STORE_PIN_FAILURES && !pin) ||
            (factors[i].kind == SAM_STORE_OTP_FAILURES && !otp))
            continue;
        int rc = sam_store_credential_failure_reset(store, id, factors[i].kind);
        if (rc == SAM_E_NOT_FOUND || rc == SAM_E_INVALID_ARG) {
            admin_err("no credential %s", id);
            goto out;
        }
        if (rc != SAM_OK) {
            admin_err("credential %s: %s", id, sam_error_message());
            goto out;
        }
        printf("credential %s: %s unlocked\n", id, factors[i].name);
    }
    code = ADMIN_EXIT_OK;
out:
    sam_store_close(store);
    return code;
}

int admin_credential_unlock(int argc, char **argv)
{
    const char *dir = NULL;
    bool pin = false, otp = false;
    int c;

    /* argv[0] is "unlock". */
    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_credential_unlock(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_PIN:
            pin = true;
            break;
        case OPT_OTP:
            otp = true;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return admin_usage_error(CMD, "exactly one CREDENTIAL_ID is required");
    if (dir == NULL)
        return admin_usage_error(CMD, "--config-dir is required");
    if (!pin && !otp)
        pin = otp = true;
    return unlock(dir, argv[optind], pin, otp);
}
