#include "audit_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_support.h"
#include "sam/fileio.h"
#include "sam/rc.h"
#include "softhsm_token.h"

size_t aud_count_rid(const char *const *files, size_t n, const char *rid)
{
    char needle[96];
    size_t count = 0;
    snprintf(needle, sizeof(needle), "\"request_id\":\"%s\"", rid);
    for (size_t i = 0; i < n; i++) {
        char *text = NULL;
        size_t len;
        if (sam_file_read(files[i], 256u << 20, &text, &len) != SAM_OK)
            continue;
        for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
            count++;
        free(text);
    }
    return count;
}

char *aud_line_of(const char *path, const char *rid)
{
    char needle[96], *text = NULL, *line = NULL;
    size_t len;
    snprintf(needle, sizeof(needle), "\"request_id\":\"%s\"", rid);
    cr_assert_eq(sam_file_read(path, 256u << 20, &text, &len), SAM_OK);
    char *p = strstr(text, needle);
    if (p != NULL) {
        char *start = p, *end = strchr(p, '\n');
        while (start > text && start[-1] != '\n')
            start--;
        line = strndup(start, end != NULL ? (size_t)(end - start) : strlen(start));
    }
    free(text);
    return line;
}

int aud_verify(samh_t *h, const char *const *files, size_t n)
{
    char tool[PATH_MAX], infra[PATH_MAX + 32];
    char *argv[40];
    size_t k = 0;
    snprintf(tool, sizeof(tool), "%s/bin/sam-audit", SAM_TEST_BINARY_DIR);
    snprintf(infra, sizeof(infra), "%s/sam_infrastructure.json", h->config_dir);
    cr_assert_lt(n, 30);
    argv[k++] = tool;
    argv[k++] = "verify";
    argv[k++] = "--infra";
    argv[k++] = infra;
    for (size_t i = 0; i < n; i++)
        argv[k++] = (char *)files[i];
    argv[k] = NULL;
    return sam_test_run(argv);
}

char *aud_sad(samh_t *h, const char *kp, const void *hash, size_t len)
{
    api_hash_t hh = {.len = len};
    memcpy(hh.b, hash, len);
    char *id = api_kp_string(kp, "id");
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = &hh, .n_hashes = 1,
                   .num_signatures = 1};
    char *sad = api_sad(h, &s);
    free(id);
    return sad;
}

char *aud_sign_body(const char *kp, const char *alg, const void *hash, size_t len)
{
    api_req_t r = {hash, len, alg, NULL, 0};
    return api_sign_body(kp, "alice", NULL, &r, 1);
}
