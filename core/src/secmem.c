/*
 * Secure memory: each block is its own anonymous mapping, locked in RAM
 * (best effort: mlock can fail under RLIMIT_MEMLOCK, which we log once) and
 * excluded from core dumps. A small header before the user area keeps the
 * mapping size so that free can wipe and unmap it.
 */
#include "sam/secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sam/rc.h"

#define SECMEM_MAGIC 0x5ec3e3a1u
#define SECRET_MAX 4096

typedef struct {
    size_t map_len;
    uint32_t magic;
    uint32_t locked;
} secmem_header_t;

#define HEADER_SPACE 32 /* keeps the user area 16-byte aligned */
_Static_assert(sizeof(secmem_header_t) <= HEADER_SPACE, "header fits");

void sam_wipe(void *p, size_t len)
{
    if (p != NULL && len > 0)
        explicit_bzero(p, len);
}

int sam_ct_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

void *sam_secure_alloc(size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || len > SIZE_MAX - HEADER_SPACE - (size_t)page)
        return NULL;
    size_t map_len = (len + HEADER_SPACE + (size_t)page - 1) / (size_t)page * (size_t)page;
    uint8_t *base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    secmem_header_t *h = (secmem_header_t *)base;
    h->map_len = map_len;
    h->magic = SECMEM_MAGIC;
    h->locked = mlock(base, map_len) == 0;
    (void)madvise(base, map_len, MADV_DONTDUMP);
    return base + HEADER_SPACE;
}

void sam_secure_free(void *p)
{
    if (p == NULL)
        return;
    uint8_t *base = (uint8_t *)p - HEADER_SPACE;
    secmem_header_t *h = (secmem_header_t *)base;
    if (h->magic != SECMEM_MAGIC)
        abort(); /* not ours: freeing it would corrupt memory */
    size_t map_len = h->map_len;
    int locked = h->locked;
    sam_wipe(base, map_len);
    if (locked)
        (void)munlock(base, map_len);
    (void)munmap(base, map_len);
}

static int parse_fd(const char *s, int *fd)
{
    long v = 0;
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > 100000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *fd = (int)v;
    return 0;
}

int sam_read_secret(const char *source, char **out, size_t *len)
{
    int rc = SAM_E_INVALID_ARG, fd = -1, own_fd = 0;
    char *buf = NULL;
    size_t n = 0;

    if (source == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "no secret source given");
    if (strncmp(source, "file:", 5) == 0) {
        fd = open(source + 5, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = sam_error_set(errno == ENOENT ? SAM_E_NOT_FOUND : SAM_E_IO,
                               "secret file %s: %s", source + 5, strerror(errno));
            goto out;
        }
        own_fd = 1;
    } else if (strncmp(source, "fd:", 3) == 0) {
        if (parse_fd(source + 3, &fd) != 0) {
            rc = sam_error_set(SAM_E_INVALID_ARG, "secret source \"%s\": bad file descriptor", source);
            goto out;
        }
    } else {
        rc = sam_error_set(SAM_E_INVALID_ARG,
                           "secret source must be \"file:PATH\" or \"fd:N\" (got another form)");
        goto out;
    }
    if ((buf = sam_secure_alloc(SECRET_MAX + 1)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "no secure memory for a secret");
        goto out;
    }
    for (;;) {
        if (n == SECRET_MAX + 1)
            break;
        ssize_t r = read(fd, buf + n, SECRET_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sam_error_set(SAM_E_IO, "reading secret: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    /* One line: everything after the first newline is ignored. */
    char *nl = memchr(buf, '\n', n);
    if (nl != NULL)
        n = (size_t)(nl - buf);
    else if (n > SECRET_MAX) {
        rc = sam_error_set(SAM_E_LIMIT, "secret longer than %d bytes", SECRET_MAX);
        goto out;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n == 0) {
        rc = sam_error_set(SAM_E_PARSE, "secret is empty");
        goto out;
    }
    if (memchr(buf, '\0', n) != NULL) {
        rc = sam_error_set(SAM_E_PARSE, "secret contains a NUL byte");
        goto out;
    }
    sam_wipe(buf + n, SECRET_MAX + 1 - n);
    *out = buf;
    *len = n;
    buf = NULL;
    rc = SAM_OK;
out:
    sam_secure_free(buf);
    if (own_fd)
        close(fd);
    return rc;
}
