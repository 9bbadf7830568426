/* server_bench: key pair set-up over /sam/v1 and /proc readings; see sb_setup.h. */
#include "sb_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sam/json.h"
#include "sam/strbuf.h"

/* One request as the SSA; 0 when it answered `want`, with *kp the canonical "key_pair" member. */
static int call_kp(samh_t *h, const char *method, const char *path, const char *body, long want,
                   char **kp)
{
    samh_request_t req = {.method = method,
                          .path = path,
                          .body = body,
                          .body_len = strlen(body),
                          .client = SAMH_SSA,
                          .timeout_ms = 60000};
    samh_response_t r;
    sam_json_t *v = NULL;
    int rc = -1;

    *kp = NULL;
    if (samh_request(h, &req, &r) != 0) {
        fprintf(stderr, "server_bench: %s %s: no response: %s\n", method, path, r.error);
        goto out;
    }
    if (r.status != want) {
        fprintf(stderr, "server_bench: %s %s: status %ld, expected %ld: %s\n", method, path,
                r.status, want, r.body);
        goto out;
    }
    const sam_json_t *m = NULL;
    if (sam_json_parse(r.body, r.body_len, &sam_json_default_limits, &v) == 0)
        m = sam_json_get(v, "key_pair");
    if (m == NULL || m->type != SAM_JSON_OBJECT) {
        fprintf(stderr, "server_bench: %s %s: no key_pair in %s\n", method, path, r.body);
        goto out;
    }
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_json_write_canonical(&b, m);
    if (sam_strbuf_finish(&b) == 0) {
        *kp = sam_strbuf_take(&b, NULL);
        rc = 0;
    }
    sam_strbuf_free(&b);
out:
    sam_json_free(v);
    samh_response_free(&r);
    return rc;
}

char *sb_kp_id(const char *kp_json)
{
    sam_json_t *v = NULL;
    char *id = NULL;
    if (sam_json_parse(kp_json, strlen(kp_json), &sam_json_default_limits, &v) == 0) {
        const sam_json_t *m = sam_json_get(v, "id");
        if (m != NULL && m->type == SAM_JSON_STRING)
            id = strdup(m->u.str.ptr);
    }
    sam_json_free(v);
    if (id == NULL)
        fprintf(stderr, "server_bench: key_pair without an id\n");
    return id;
}

char *sb_ready_key(samh_t *h, const char *template_json, const char *signer)
{
    char *generated = NULL, *assigned = NULL, *ready = NULL, *id = NULL;
    char path[256], *body = NULL;
    sam_strbuf_t b = SAM_STRBUF_INIT;

    sam_strbuf_printf(&b, "{\"key_template\":%s}", template_json);
    if (sam_strbuf_finish(&b) != 0 || (body = sam_strbuf_take(&b, NULL)) == NULL ||
        call_kp(h, "POST", "/sam/v1/key_pairs", body, 201, &generated) != 0)
        goto out;
    free(body);
    body = NULL;

    sam_strbuf_printf(&b, "{\"key_pair\":%s,\"signer\":{\"id\":", generated);
    sam_strbuf_json_string(&b, signer, strlen(signer));
    sam_strbuf_puts(&b, "},\"subject\":\"CN=OpenSAM bench signer\"}");
    snprintf(path, sizeof(path), "/sam/v1/signers/%s/key_pairs", signer);
    if (sam_strbuf_finish(&b) != 0 || (body = sam_strbuf_take(&b, NULL)) == NULL ||
        call_kp(h, "POST", path, body, 200, &assigned) != 0)
        goto out;
    free(body);
    body = NULL;

    if ((id = sb_kp_id(assigned)) == NULL)
        goto out;
    sam_strbuf_printf(&b, "{\"key_pair\":%s,\"signer\":{\"id\":", assigned);
    sam_strbuf_json_string(&b, signer, strlen(signer));
    sam_strbuf_puts(&b, "},\"status\":{\"certified\":true,\"enabled\":true}}");
    snprintf(path, sizeof(path), "/sam/v1/key_pairs/%s", id);
    if (sam_strbuf_finish(&b) != 0 || (body = sam_strbuf_take(&b, NULL)) == NULL)
        goto out;
    (void)call_kp(h, "PUT", path, body, 200, &ready);
out:
    sam_strbuf_free(&b);
    free(body);
    free(generated);
    free(assigned);
    free(id);
    return ready;
}

/* The "Name:   value kB" line of /proc/<pid>/status. */
long sb_proc_rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

double sb_proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

double sb_self_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
