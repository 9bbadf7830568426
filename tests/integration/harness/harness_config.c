/*
 * The harness's SAM: a temporary directory, a SoftHSMv2 token with the
 * SAM's module keys (the built `sam-admin create`), and the static and
 * dynamic configuration files.
 */
#define _GNU_SOURCE /* mkdtemp */
#include "harness_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sam/config.h"
#include "sam/strbuf.h"

#define TOKEN_LABEL "opensam-it"
#define SAM_ID "it-sam"

int samh_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "samharness: path too long: %s/%s\n", dir, name);
        return -1;
    }
    return 0;
}

int samh_write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    size_t len = strlen(text), done = 0;
    if (fd < 0) {
        fprintf(stderr, "samharness: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "samharness: cannot write %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd) == 0 ? 0 : -1;
}

int samh_write_config(samh_t *h, const char *name, const char *text)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    if (samh_path(path, sizeof(path), h->config_dir, name) != 0)
        return -1;
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    (void)unlink(tmp);
    if (samh_write_file(tmp, text, 0600) != 0)
        return -1;
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "samharness: cannot install %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int free_port(uint16_t *port)
{
    struct sockaddr_in in;
    socklen_t len = sizeof(in);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) != 0 ||
        getsockname(fd, (struct sockaddr *)&in, &len) != 0) {
        fprintf(stderr, "samharness: cannot find a free port: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(in.sin_port);
    close(fd);
    return 0;
}

static void json_path_member(sam_strbuf_t *b, const char *key, const char *dir, const char *name,
                             const char *sep)
{
    char path[PATH_MAX];
    if (samh_path(path, sizeof(path), dir, name) != 0)
        path[0] = '\0';
    sam_strbuf_printf(b, "\"%s\": ", key);
    sam_strbuf_json_string(b, path, strlen(path));
    sam_strbuf_puts(b, sep);
}

static int write_static(samh_t *h)
{
    const samh_options_t *o = &h->opts;
    sam_strbuf_t b = SAM_STRBUF_INIT;
    char path[PATH_MAX];
    int rc = -1;

    sam_strbuf_printf(&b,
                      "{\n  \"node\": \"%s\",\n"
                      "  \"listen\": [{\"address\": \"127.0.0.1\", \"port\": %u}],\n"
                      "  \"threads\": %u,\n  \"workers\": %u,\n  \"tls\": {",
                      h->node, (unsigned)h->port, o->threads != 0 ? o->threads : 2,
                      o->workers != 0 ? o->workers : 2);
    json_path_member(&b, "certificate", h->dir, "server.pem", ", ");
    json_path_member(&b, "private_key", h->dir, "server.key", o->no_client_ca ? "" : ", ");
    if (!o->no_client_ca)
        json_path_member(&b, "client_ca", h->dir, "ca.pem", "");
    sam_strbuf_printf(&b,
                      "},\n  \"administrators\": [{\"id\": \"%s\", \"public_key\": \"%s\"}],\n"
                      "  \"plugins\": {\"verifiers\": [",
                      h->admin_id, h->clients[SAMH_ADMIN].spki_b64);
    if (samh_path(path, sizeof(path), SAM_TEST_PLUGIN_DIR, "sam_verifier_jws.so") != 0)
        goto out;
    sam_strbuf_json_string(&b, path, strlen(path));
    sam_strbuf_puts(&b, "]},\n  \"store\": {\"type\": \"sqlite\", ");
    json_path_member(&b, "path", h->dir, "state.sqlite", "},\n  \"audit\": {");
    json_path_member(&b, "service_log", h->dir, "service.log", ", ");
    json_path_member(&b, "admin_log", h->dir, "admin.log", "}");
    if (o->limits != NULL)
        sam_strbuf_printf(&b, ",\n  \"limits\": {%s}", o->limits);
    if (o->static_extra != NULL)
        sam_strbuf_printf(&b, ",\n  %s", o->static_extra);
    sam_strbuf_puts(&b, "\n}\n");
    if (sam_strbuf_finish(&b) != 0) {
        fprintf(stderr, "samharness: static configuration too long\n");
        goto out;
    }
    rc = samh_write_config(h, SAM_STATIC_CONFIG_FILE, b.ptr);
out:
    sam_strbuf_free(&b);
    return rc;
}

static int write_dynamic(samh_t *h)
{
    char text[2048];
    if (h->opts.dynamic_json != NULL)
        return samh_write_config(h, SAM_DYNAMIC_CONFIG_FILE, h->opts.dynamic_json);
    int n = snprintf(text, sizeof(text),
                     "{\n  \"version\": 1,\n"
                     "  \"authorization_servers\": [{\"id\": \"%s\", \"public_key\": \"%s\"}],\n"
                     "  \"signing_service_privileged_users\": [{\"id\": \"%s\", "
                     "\"public_key\": \"%s\", \"allowed_authorization_servers\": [\"%s\"]}]\n}\n",
                     h->as_id, h->as_spki_b64, h->ssa_id, h->clients[SAMH_SSA].spki_b64, h->as_id);
    if (n < 0 || (size_t)n >= sizeof(text))
        return -1;
    return samh_write_config(h, SAM_DYNAMIC_CONFIG_FILE, text);
}

static int create_sam(samh_t *h)
{
    char tool[PATH_MAX];
    if (samh_path(tool, sizeof(tool), SAM_TEST_BINARY_DIR, "bin/sam-admin") != 0)
        return -1;
    char *argv[] = {tool,
                    "create",
                    "--config-dir",
                    h->config_dir,
                    "--token-label",
                    h->token.label,
                    "--pin-source",
                    h->token.pin_source,
                    "--sam-id",
                    SAM_ID,
                    NULL};
    if (sam_test_run(argv) != 0) {
        fprintf(stderr, "samharness: %s create failed\n", tool);
        return -1;
    }
    snprintf(h->sam_id, sizeof(h->sam_id), "%s", SAM_ID);
    return 0;
}

int samh_config_generate(samh_t *h)
{
    if (samh_path(h->config_dir, sizeof(h->config_dir), h->dir, "config") != 0 ||
        mkdir(h->config_dir, 0700) != 0) {
        fprintf(stderr, "samharness: cannot make the configuration directory\n");
        return -1;
    }
    if (samh_path(h->service_log, sizeof(h->service_log), h->dir, "service.log") != 0 ||
        samh_path(h->admin_log, sizeof(h->admin_log), h->dir, "admin.log") != 0)
        return -1;
    if (free_port(&h->port) != 0)
        return -1;
    if (sam_test_token_create(&h->token, TOKEN_LABEL) != 0)
        return -1;
    if (create_sam(h) != 0 || write_static(h) != 0 || write_dynamic(h) != 0)
        return -1;
    return 0;
}

int samh_setup(samh_t **out, const samh_options_t *opts)
{
    const char *tmp = getenv("TMPDIR");
    samh_t *h = calloc(1, sizeof(*h));
    *out = NULL;
    if (h == NULL)
        return -1;
    /* A server that hangs up mid-write (a refused handshake) must not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    if (opts != NULL)
        h->opts = *opts;
    snprintf(h->node, sizeof(h->node), "it-node");
    snprintf(h->admin_id, sizeof(h->admin_id), "it-admin");
    snprintf(h->ssa_id, sizeof(h->ssa_id), "it-ssa");
    snprintf(h->as_id, sizeof(h->as_id), "it-as");
    snprintf(h->dir, sizeof(h->dir), "%s/opensam-it-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(h->dir) == NULL) {
        fprintf(stderr, "samharness: mkdtemp: %s\n", strerror(errno));
        h->dir[0] = '\0';
        goto fail;
    }
    if (samh_path(h->log_path, sizeof(h->log_path), h->dir, "samd.log") != 0 ||
        samh_certs_generate(h) != 0 || samh_config_generate(h) != 0)
        goto fail;
    *out = h;
    return 0;
fail:
    samh_free(h);
    return -1;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void samh_free(samh_t *h)
{
    if (h == NULL)
        return;
    if (h->pid > 0) {
        int status;
        (void)samh_stop(h, 0, &status);
    }
    sam_test_token_destroy(&h->token);
    /* SAMH_KEEP=1 keeps the directory (logs, configuration) for a post-mortem. */
    const char *keep = getenv("SAMH_KEEP");
    if (h->dir[0] != '\0') {
        if (keep != NULL && strcmp(keep, "1") == 0)
            fprintf(stderr, "samharness: kept %s\n", h->dir);
        else
            nftw(h->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(h);
}
