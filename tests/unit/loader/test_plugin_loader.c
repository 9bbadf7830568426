#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/module.h"
#include "sam/plugin_loader.h"
#include "sam/rc.h"

#define FX(name) FIXTURE_DIR "/" name ".so"

static void expect_refused(const char *path, const char *why)
{
    sam_plugin_t *p = NULL;
    int rc = sam_plugin_load(path, &sam_backend_kind, &p);
    cr_assert_eq(rc, SAM_E_PLUGIN, "%s: rc %d", path, rc);
    cr_assert_null(p);
    const char *msg = sam_error_message();
    cr_assert(strstr(msg, path) != NULL, "message names the file: %s", msg);
    cr_assert(strstr(msg, why) != NULL, "message says why (%s): %s", why, msg);
}

Test(plugin_loader, loads_a_good_plugin)
{
    sam_plugin_t *p = NULL;
    cr_assert_eq(sam_plugin_load(FX("fx_good"), &sam_backend_kind, &p), SAM_OK, "%s",
                 sam_error_message());
    const sam_backend_v1_t *b = sam_plugin_table(p);
    cr_assert_str_eq(b->name, "good");
    cr_assert_str_eq(sam_plugin_path(p), FX("fx_good"));
    sam_plugin_unload(p);
}

Test(plugin_loader, refuses_wrong_abi_version)
{
    expect_refused(FX("fx_bad_version"), "ABI version 99");
}

Test(plugin_loader, refuses_short_table)
{
    expect_refused(FX("fx_short"), "shorter");
}

Test(plugin_loader, refuses_missing_function)
{
    expect_refused(FX("fx_no_sign"), "required function sign is missing");
}

Test(plugin_loader, refuses_file_without_symbol)
{
    expect_refused(FX("fx_no_symbol"), "no symbol sam_backend_v1");
}

Test(plugin_loader, refuses_empty_name)
{
    expect_refused(FX("fx_empty_name"), "name");
}

Test(plugin_loader, refuses_missing_file)
{
    expect_refused(FIXTURE_DIR "/does-not-exist.so", "cannot load");
}

Test(plugin_loader, refuses_duplicate_name_and_same_file_twice)
{
    sam_plugin_t *a = NULL, *b = NULL;
    cr_assert_eq(sam_plugin_load(FX("fx_good"), &sam_backend_kind, &a), SAM_OK);
    expect_refused(FX("fx_same_name"), "already loaded");
    expect_refused(FX("fx_good"), "already loaded");
    /* Another name loads alongside. */
    cr_assert_eq(sam_plugin_load(FX("fx_other"), &sam_backend_kind, &b), SAM_OK);
    sam_plugin_unload(b);
    sam_plugin_unload(a);
    /* Once unloaded, the name is free again. */
    cr_assert_eq(sam_plugin_load(FX("fx_same_name"), &sam_backend_kind, &a), SAM_OK);
    sam_plugin_unload(a);
}

Test(plugin_loader, module_open_reports_plugin_errors)
{
    sam_module_t *m = NULL;
    const char *labels[SAM_MODULE_KEY_COUNT] = {"a", "b", "c", "d"};
    cr_assert_eq(sam_module_open(FX("fx_bad_version"), NULL, labels, &m), SAM_E_PLUGIN);
    cr_assert_null(m);
    /* A plugin whose open() fails is closed and unloaded again. */
    cr_assert_neq(sam_module_open(FX("fx_good"), NULL, labels, &m), SAM_OK);
    cr_assert_null(m);
    cr_assert_eq(sam_module_open(FX("fx_good"), NULL, labels, &m), -8, "loadable again");
}

/* Slots appended to ABI 1 are used only where struct_size covers them. */
Test(plugin_loader, appended_slots_only_within_struct_size)
{
    sam_module_t *m = NULL;
    const char *labels[SAM_MODULE_KEY_COUNT] = {"a", "b", "c", "d"};
    uint8_t buf[16] = {0};
    sam_outbuf_t out = {buf, sizeof(buf), 0};

    cr_assert_eq(sam_module_open(FX("fx_old_table"), NULL, labels, &m), SAM_OK, "%s",
                 sam_error_message());
    cr_assert(!sam_module_has_otp(m), "an older table's size hides the slots");
    cr_assert_eq(sam_module_otp_protect(m, (sam_bytes_t){buf, 1}, &out), SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(sam_module_otp_hmac(m, (sam_bytes_t){buf, 1}, SAM_OTP_HMAC_SHA1,
                                     &(sam_bytes_t){buf, 8}, 1, &out),
                 SAM_E_UNSUPPORTED_ALG);
    sam_module_close(m);
    m = NULL;
    cr_assert_eq(sam_module_open(FX("fx_otp_table"), NULL, labels, &m), SAM_OK);
    cr_assert(sam_module_has_otp(m));
    cr_assert_eq(sam_module_otp_protect(m, (sam_bytes_t){buf, 1}, &out), -8, "the plugin's own");
    sam_module_close(m);
}

/* The shipped backend exports exactly one symbol, sam_backend_v1 (under
 * -DSAM_SANITIZE=ON the sanitizers add their own, which do not count). */
Test(plugin_loader, pkcs11_plugin_exports_one_symbol)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", SAM_TEST_PKCS11_PLUGIN);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char line[512];
    int exported = 0, ours = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char addr[64], type[8], name[256];
        if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
            continue;
        if (strncmp(name, "__odr_asan", 10) == 0 || strncmp(name, "__asan", 6) == 0 ||
            strncmp(name, "__ubsan", 7) == 0 || strncmp(name, "__sanitizer", 11) == 0)
            continue;
        exported++;
        if (strcmp(name, "sam_backend_v1") == 0)
            ours++;
    }
    cr_assert_eq(pclose(f), 0, "nm failed");
    cr_assert_eq(ours, 1);
    cr_assert_eq(exported, 1, "only sam_backend_v1 is exported (found %d symbols)", exported);
}
