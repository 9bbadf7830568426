/* Messages, option parsing and file-system checks shared by the sam-admin commands. */
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void admin_err(const char *fmt, ...)
{
    va_list ap;
    fputs("sam-admin: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int admin_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sam-admin: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'sam-admin %s --help'.\n", cmd);
    return ADMIN_EXIT_USAGE;
}

void admin_getopt_reset(void)
{
    optind = 0; /* glibc: 0 also resets the parser's internal state */
    opterr = 0; /* we word the errors ourselves */
}

int admin_getopt(const char *cmd, int argc, char **argv, const struct option *opts)
{
    /* Leading ':' makes a missing argument ':' rather than '?'. */
    int c = getopt_long(argc, argv, ":h", opts, NULL);
    if (c == ':') {
        admin_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
        return '?';
    }
    if (c == '?') {
        if (optopt != 0)
            admin_usage_error(cmd, "unknown option '-%c'", optopt);
        else
            admin_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    return c;
}

int admin_no_operands(const char *cmd, int argc, char **argv)
{
    if (optind < argc)
        return admin_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return ADMIN_CONTINUE;
}

int admin_path_join(char *buf, size_t cap, const char *dir, const char *file)
{
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    int n = snprintf(buf, cap, "%.*s/%s", (int)dlen, dir, file);
    if (n < 0 || (size_t)n >= cap) {
        admin_err("path too long: %s/%s", dir, file);
        return -1;
    }
    return 0;
}

int admin_check_config_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        admin_err("configuration directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        admin_err("configuration directory %s is not a directory", dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        admin_err("configuration directory %s is not writable: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int admin_refuse_existing(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        admin_err("%s already exists; refusing to overwrite it (nothing was changed)", path);
        return -1;
    }
    if (errno != ENOENT) {
        admin_err("cannot check %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int admin_lock_dir(const char *dir, int *fd)
{
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0) {
        admin_err("cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        admin_err("cannot lock %s: %s", dir, strerror(errno));
        (void)close(*fd);
        *fd = -1;
        return -1;
    }
    return 0;
}

int admin_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;

    /* strtoul accepts leading spaces and a sign; an option value may have neither. */
    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
