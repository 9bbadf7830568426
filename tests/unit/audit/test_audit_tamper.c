/*
 * Threat N18: edited, deleted, reordered, duplicated, truncated and spliced
 * records are each caught at the right line; the untouched log verifies.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_fixture.h"
#include "sam/rc.h"

#define N 20

static char *text;
static char *lines[N + 8];
static char bad[PATH_MAX + 32];

/* A log of N records, read back line by line. */
static void base(void)
{
    size_t len;
    ax_setup();
    sam_audit_t *a = ax_open();
    ax_write(a, SAM_AUDIT_SERVICE, 1, N);
    ax_write(a, SAM_AUDIT_ADMIN, 1, 5);
    sam_audit_close(a);
    text = ax_read(ax_service, &len);
    cr_assert_eq(ax_lines(text, lines, N + 8), N);
    snprintf(bad, sizeof(bad), "%s/bad.log", ax_dir);
}

static void done(void)
{
    free(text);
    ax_teardown();
}

TestSuite(audit_tamper, .init = base, .fini = done, .timeout = 120);

static void expect_bad(size_t line, const char *why_part)
{
    sam_audit_verify_t v = ax_verify1(bad);
    cr_assert(!v.ok, "tampering not detected");
    cr_assert_eq(v.bad_line, line, "bad line %llu, expected %zu (%s)",
                 (unsigned long long)v.bad_line, line, v.why);
    if (why_part != NULL)
        cr_assert(strstr(v.why, why_part) != NULL, "why: %s", v.why);
}

Test(audit_tamper, untouched_log_verifies)
{
    sam_audit_verify_t v = ax_verify1(ax_service);
    cr_assert(v.ok, "%s at %llu", v.why, (unsigned long long)v.bad_line);
    cr_assert_eq(v.records, N);
    cr_assert_eq(v.first_seq, 1);
    cr_assert_eq(v.last_seq, N);
    cr_assert(v.anchored);
    v = ax_verify1(ax_admin);
    cr_assert(v.ok && v.records == 5);
}

Test(audit_tamper, every_byte_edit_is_caught)
{
    /* Flip each byte position of record 7 in turn (a sample of them, bounded). */
    size_t len = strlen(lines[6]);
    for (size_t pos = 0; pos < len; pos += 3) {
        char saved = lines[6][pos];
        lines[6][pos] = saved == 'A' ? 'B' : 'A';
        ax_write_lines(bad, lines, N);
        lines[6][pos] = saved;
        sam_audit_verify_t v = ax_verify1(bad);
        cr_assert(!v.ok, "edit at byte %zu not detected", pos);
        cr_assert_eq(v.bad_line, 7, "edit at byte %zu: line %llu (%s)", pos,
                     (unsigned long long)v.bad_line, v.why);
    }
}

Test(audit_tamper, edited_value_fails_the_signature)
{
    char *p = strstr(lines[4], "\"status\":200");
    cr_assert_not_null(p);
    p[10] = '4'; /* 200 -> 400 */
    ax_write_lines(bad, lines, N);
    expect_bad(5, "signature");
}

Test(audit_tamper, deleted_record)
{
    char *l[N];
    size_t k = 0;
    for (size_t i = 0; i < N; i++)
        if (i != 9)
            l[k++] = lines[i];
    ax_write_lines(bad, l, k);
    expect_bad(10, "seq 11 where 10");
}

Test(audit_tamper, reordered_records)
{
    char *t = lines[3];
    lines[3] = lines[4];
    lines[4] = t;
    ax_write_lines(bad, lines, N);
    expect_bad(4, "seq 5 where 4");
}

Test(audit_tamper, duplicated_record)
{
    char *l[N + 1];
    size_t k = 0;
    for (size_t i = 0; i < N; i++) {
        l[k++] = lines[i];
        if (i == 11)
            l[k++] = lines[i];
    }
    ax_write_lines(bad, l, k);
    expect_bad(13, "seq 12 where 13");
}

Test(audit_tamper, truncated_tail)
{
    ax_write_lines(bad, lines, N);
    size_t len;
    char *t = ax_read(bad, &len);
    FILE *f = fopen(bad, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(t, 1, len - 40, f), len - 40);
    cr_assert_eq(fclose(f), 0);
    free(t);
    expect_bad(N, "incomplete");
}

Test(audit_tamper, spliced_logs)
{
    /* The admin log's records after the first 10 of the service log. */
    size_t len;
    char *admin = ax_read(ax_admin, &len);
    char *al[8], *l[N];
    size_t na = ax_lines(admin, al, 8), k = 0;
    for (size_t i = 0; i < 10; i++)
        l[k++] = lines[i];
    for (size_t i = 0; i < na; i++)
        l[k++] = al[i];
    ax_write_lines(bad, l, k);
    expect_bad(11, NULL);
    free(admin);
}

Test(audit_tamper, replaced_record_with_valid_one_of_another_log)
{
    /* Record 1 of the admin log is validly signed and has seq 1: as line 1 of
     * the service log it passes, but line 2 no longer links to it. */
    size_t len;
    char *admin = ax_read(ax_admin, &len);
    char *al[8];
    cr_assert_eq(ax_lines(admin, al, 8), 5);
    lines[0] = al[0];
    ax_write_lines(bad, lines, N);
    expect_bad(2, "prev");
    free(admin);
}

Test(audit_tamper, files_in_the_wrong_order)
{
    char *l1 = bad, l2[PATH_MAX + 32];
    snprintf(l2, sizeof(l2), "%s/second.log", ax_dir);
    ax_write_lines(l1, lines, 10);
    ax_write_lines(l2, lines + 10, N - 10);
    const char *good[] = {l1, l2}, *wrong[] = {l2, l1};
    sam_audit_verify_t v = ax_verify(good, 2);
    cr_assert(v.ok, "%s", v.why);
    cr_assert_eq(v.records, N);
    v = ax_verify(wrong, 2);
    cr_assert(!v.ok);
    cr_assert_eq(v.bad_file, 1);
    cr_assert_eq(v.bad_line, 1);
}
