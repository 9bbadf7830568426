#include "audit_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sam/fileio.h"
#include "sam/rc.h"

sam_test_token_t ax_token;
sam_module_t *ax_module;
char ax_dir[PATH_MAX];
char ax_service[PATH_MAX + 16], ax_admin[PATH_MAX + 16];

void ax_setup(void)
{
    char tmpl[] = "/tmp/sam-audit-test-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    snprintf(ax_dir, sizeof(ax_dir), "%s", tmpl);
    snprintf(ax_service, sizeof(ax_service), "%s/service.log", ax_dir);
    snprintf(ax_admin, sizeof(ax_admin), "%s/admin.log", ax_dir);
    cr_assert_eq(sam_test_token_create(&ax_token, "audit-test"), 0);
    cr_assert_eq(sam_test_module_open(&ax_token, 1, &ax_module), SAM_OK);
}

void ax_teardown(void)
{
    char *argv[] = {"rm", "-rf", ax_dir, NULL};
    sam_module_close(ax_module);
    ax_module = NULL;
    sam_test_token_destroy(&ax_token);
    if (getenv("SAM_AUDIT_TEST_KEEP") == NULL)
        (void)sam_test_run(argv);
}

sam_audit_t *ax_open(void)
{
    sam_audit_t *a = NULL;
    sam_audit_options_t o = {.path = {ax_service, ax_admin},
                             .node = "node-1",
                             .sam_id = "sam-test",
                             .module = ax_module,
                             .sync = true};
    int rc = sam_audit_open(&o, &a);
    cr_assert_eq(rc, SAM_OK, "sam_audit_open: %s", sam_error_message());
    return a;
}

void ax_write(sam_audit_t *a, sam_audit_log log, int first, int n)
{
    for (int i = first; i < first + n; i++) {
        char rid[32];
        snprintf(rid, sizeof(rid), "r%d", i);
        sam_audit_event_t ev = {.event = "test", .outcome = "success", .status = 200,
                                .request_id = rid, .signer = "alice \"quoted\" \xc3\xa9"};
        int rc = sam_audit_record(a, log, &ev);
        cr_assert_eq(rc, SAM_OK, "record %d: %s", i, sam_error_message());
    }
}

sam_audit_verify_t ax_verify(const char *const *files, size_t n)
{
    uint8_t spki[SAM_MAX_SPKI_LEN];
    sam_outbuf_t so = {spki, sizeof(spki), 0};
    sam_audit_verify_t v = {0};
    cr_assert_eq(sam_module_public_key(ax_module, SAM_MODULE_KEY_AUDIT, &so), SAM_OK);
    int rc = sam_audit_verify_files(spki, so.len, files, n, &v);
    cr_assert_eq(rc, SAM_OK, "verify: %s", sam_error_message());
    return v;
}

sam_audit_verify_t ax_verify1(const char *file)
{
    const char *files[] = {file};
    return ax_verify(files, 1);
}

char *ax_read(const char *path, size_t *len)
{
    char *text = NULL;
    cr_assert_eq(sam_file_read(path, 64u << 20, &text, len), SAM_OK, "%s", sam_error_message());
    return text;
}

size_t ax_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (*p != '\0' && n < max) {
        char *nl = strchr(p, '\n');
        lines[n++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

void ax_write_lines(const char *path, char *const *lines, size_t n)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", lines[i]);
    cr_assert_eq(fclose(f), 0);
}

void ax_copy(const char *from, const char *to)
{
    size_t len;
    char *text = ax_read(from, &len);
    FILE *f = fopen(to, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    free(text);
}
