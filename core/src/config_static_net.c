/* The network part of static_config.json: "listen", "threads", "workers", "tls". */
#include "config_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

#define DEFAULT_THREADS 2
#define DEFAULT_WORKERS 16

static bool numeric_address(const char *s)
{
    struct in6_addr a6;
    struct in_addr a4;
    return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

static int parse_listener(const sam_json_t *item, const char *path, sam_listen_t *l)
{
    static const char *const keys[] = {"address", "port", NULL};
    char fpath[SAM_CFG_PATH_MAX];
    uint32_t port = 0;
    if (item->type != SAM_JSON_OBJECT)
        return sam_cfg_fail(item, path, "must be an object");
    int rc = sam_cfg_rc(sam_json_only_keys(item, path, keys));
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "address");
    rc = sam_cfg_string(item, "address", fpath, true, INET6_ADDRSTRLEN, &l->address);
    if (rc != SAM_OK)
        return rc;
    if (!numeric_address(l->address))
        return sam_cfg_fail(
            sam_json_get(item, "address"), fpath,
            "must be a numeric IPv4 or IPv6 address, e.g. \"127.0.0.1\" or \"::1\"");
    sam_cfg_path(fpath, sizeof(fpath), path, "port");
    rc = sam_cfg_uint(item, "port", fpath, true, 1, 65535, &port);
    l->port = (uint16_t)port;
    return rc;
}

static int parse_listen(const sam_json_t *root, sam_static_config_t *c)
{
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc = sam_cfg_array(root, "listen", "listen", true, SAM_CONFIG_MAX_LISTEN, &arr);
    if (rc != SAM_OK)
        return rc;
    if (arr->u.arr.count == 0)
        return sam_cfg_fail(arr, "listen", "must name at least one address and port");
    c->listen = calloc(arr->u.arr.count, sizeof(*c->listen));
    if (c->listen == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        sam_cfg_path_index(ipath, sizeof(ipath), "listen", i);
        c->listen_count = i + 1;
        rc = parse_listener(arr->u.arr.items[i], ipath, &c->listen[i]);
        if (rc != SAM_OK)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (c->listen[j].port == c->listen[i].port &&
                strcmp(c->listen[j].address, c->listen[i].address) == 0)
                return sam_cfg_fail(arr->u.arr.items[i], ipath, "repeats listen[%zu]", j);
        }
    }
    return SAM_OK;
}

static int parse_tls(const sam_json_t *root, sam_tls_config_t *t)
{
    static const char *const keys[] = {"certificate", "private_key", "client_ca", "min_version",
                                       NULL};
    const sam_json_t *tls = NULL;
    char *version = NULL;
    int rc = sam_cfg_need_object(root, "tls", "tls", keys, &tls);
    if (rc == SAM_OK)
        rc = sam_cfg_abs_path(tls, "certificate", "tls.certificate", true, &t->certificate);
    if (rc == SAM_OK)
        rc = sam_cfg_abs_path(tls, "private_key", "tls.private_key", true, &t->private_key);
    if (rc == SAM_OK)
        rc = sam_cfg_abs_path(tls, "client_ca", "tls.client_ca", false, &t->client_ca);
    if (rc == SAM_OK)
        rc = sam_cfg_string(tls, "min_version", "tls.min_version", false, 8, &version);
    if (rc != SAM_OK)
        goto out;
    t->min_version = SAM_TLS_1_2;
    if (version != NULL) {
        if (strcmp(version, "1.2") == 0) {
            t->min_version = SAM_TLS_1_2;
        } else if (strcmp(version, "1.3") == 0) {
            t->min_version = SAM_TLS_1_3;
        } else {
            rc = sam_cfg_fail(sam_json_get(tls, "min_version"), "tls.min_version",
                              "must be \"1.2\" or \"1.3\"");
            goto out;
        }
    }
out:
    free(version);
    return rc;
}

int sam_cfg_parse_net(const sam_json_t *root, sam_static_config_t *c)
{
    c->threads = DEFAULT_THREADS;
    c->workers = DEFAULT_WORKERS;
    int rc = parse_listen(root, c);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(root, "threads", "threads", false, 1, 64, &c->threads);
    if (rc == SAM_OK)
        rc = sam_cfg_uint(root, "workers", "workers", false, 1, 256, &c->workers);
    if (rc == SAM_OK)
        rc = parse_tls(root, &c->tls);
    return rc;
}

void sam_cfg_free_net(sam_static_config_t *c)
{
    for (size_t i = 0; i < c->listen_count; i++)
        free(c->listen[i].address);
    free(c->listen);
    c->listen = NULL;
    c->listen_count = 0;
    free(c->tls.certificate);
    free(c->tls.private_key);
    free(c->tls.client_ca);
    memset(&c->tls, 0, sizeof(c->tls));
}
