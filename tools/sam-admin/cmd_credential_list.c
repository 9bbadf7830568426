/*
 * sam-admin credential list: a user's CSC credentials, one line each, with
 * what an operator needs to tell them apart and to see a lockout; never a
 * PIN hash, an OTP record or a key pair's sealed parts.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include "sam/json.h"
#include "sam/ops.h"
#include "sam/rc.h"

#define CMD "credential list"
#define PAGE 1000
/* The store lists in id order after the last id, so pages always advance;
 * the cap only bounds the loop (a million credentials per user). */
#define MAX_PAGES 1000

enum { OPT_DIR = 256, OPT_USER };

static const struct option opts[] = {
    {"config-dir", required_argument, NULL, OPT_DIR},
    {"user", required_argument, NULL, OPT_USER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void admin_usage_credential_list(FILE *f)
{
    fprintf(f, "Usage: sam-admin credential list --config-dir DIR --user ID\n"
               "\n"
               "List a user's CSC credentials, one per line after a header, columns\n"
               "separated by a tab: ID USER AUTH_MODE SCAL MULTISIGN KEY_ID PIN OTP.\n"
               "PIN and OTP are \"none\" (the credential has no such factor), \"ok\",\n"
               "\"N/MAX failed\" (consecutive failures) or \"locked\". No secret is shown.\n"
               "\n"
               "  --config-dir DIR   directory of the SAM's configuration files\n"
               "  --user ID          the CSC user\n"
               "  -h, --help         show this help\n");
}

/* "none", "ok", "N/MAX failed" or "locked" into buf. */
static int factor_state(sam_store_t *store, const char *id, sam_store_failure_kind kind,
                        bool present, uint32_t max, char *buf, size_t cap)
{
    uint32_t failures = 0;

    if (!present) {
        snprintf(buf, cap, "none");
        return 0;
    }
    if (sam_store_credential_failures(store, id, kind, &failures) != SAM_OK) {
        admin_err("credential %s: %s", id, sam_error_message());
        return -1;
    }
    if (failures >= max)
        snprintf(buf, cap, "locked");
    else if (failures > 0)
        snprintf(buf, cap, "%u/%u failed", (unsigned)failures, (unsigned)max);
    else
        snprintf(buf, cap, "ok");
    return 0;
}

static int print_one(sam_store_t *store, const sam_csc_config_t *csc, const char *id)
{
    sam_store_credential_t *c = NULL;
    sam_json_t *kp = NULL;
    const char *key_id = NULL;
    char pin[32], otp[32];
    int rc, ret = -1;

    rc = sam_store_credential_get(store, id, &c);
    if (rc == SAM_E_NOT_FOUND) {
        ret = 0; /* deleted since the page was read (samd runs meanwhile) */
        goto out;
    }
    if (rc != SAM_OK) {
        admin_err("credential %s: %s", id, sam_error_message());
        goto out;
    }
    /* Parsed only for its id, which the store keeps inside the object. */
    if (sam_json_parse(c->key_pair, strlen(c->key_pair), &sam_json_default_limits, &kp) == SAM_OK)
        key_id = sam_op_key_pair_id(kp);
    if (factor_state(store, id, SAM_STORE_PIN_FAILURES, c->pin_hash != NULL, csc->pin_max_failures,
                     pin, sizeof(pin)) != 0 ||
        factor_state(store, id, SAM_STORE_OTP_FAILURES, c->otp_secret != NULL,
                     csc->otp_max_failures, otp, sizeof(otp)) != 0)
        goto out;
    printf("%s\t%s\t%s\t%s\t%u\t%s\t%s\t%s\n", c->id, c->user_id, c->auth_mode, c->scal,
           (unsigned)c->multisign, key_id != NULL ? key_id : "?", pin, otp);
    ret = 0;
out:
    sam_json_free(kp);
    sam_store_credential_free(c);
    return ret;
}

static int list(const char *dir, const char *user)
{
    sam_static_config_t *sc = NULL;
    sam_store_t *store = NULL;
    char **ids = NULL, *after = NULL;
    size_t n = 0;
    bool disabled;
    int rc, code = ADMIN_EXIT_FAIL;

    if (admin_open_store_config(dir, &sc, &store) != 0)
        goto out;
    rc = sam_store_user_get(store, user, NULL, &disabled);
    if (rc == SAM_E_NOT_FOUND) {
        admin_err("no CSC user %s", user);
        goto out;
    }
    if (rc != SAM_OK) {
        admin_err("user %s: %s", user, sam_error_message());
        goto out;
    }
    printf("ID\tUSER\tAUTH_MODE\tSCAL\tMULTISIGN\tKEY_ID\tPIN\tOTP\n");
    for (int page = 0; page < MAX_PAGES; page++) {
        if (sam_store_credential_list(store, user, after, PAGE, &ids, &n) != SAM_OK) {
            admin_err("user %s: %s", user, sam_error_message());
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            if (print_one(store, &sc->csc, ids[i]) != 0)
                goto out;
        if (n < PAGE) {
            code = ADMIN_EXIT_OK;
            goto out;
        }
        free(after);
        after = ids[n - 1];
        ids[n - 1] = NULL;
        sam_store_ids_free(ids, n);
        ids = NULL;
        n = 0;
    }
    admin_err("user %s: more than %d credentials; the list stops here", user, PAGE * MAX_PAGES);
out:
    sam_store_ids_free(ids, n);
    free(after);
    sam_store_close(store);
    sam_static_config_free(sc);
    return code;
}

int admin_credential_list(int argc, char **argv)
{
    const char *dir = NULL, *user = NULL;
    int c;

    admin_getopt_reset();
    while ((c = admin_getopt(CMD, argc, argv, opts)) != -1) {
        switch (c) {
        case 'h':
            admin_usage_credential_list(stdout);
            return ADMIN_EXIT_OK;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_USER:
            user = optarg;
            break;
        default:
            return ADMIN_EXIT_USAGE;
        }
    }
    if (admin_no_operands(CMD, argc, argv) != ADMIN_CONTINUE)
        return ADMIN_EXIT_USAGE;
    if (dir == NULL || user == NULL)
        return admin_usage_error(CMD, "--config-dir and --user are required (the store lists "
                                      "credentials per user)");
    return list(dir, user);
}
