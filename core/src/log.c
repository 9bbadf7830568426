#include "sam/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int log_threshold = SAM_LOG_INFO;

void sam_log_set_level(int level)
{
    log_threshold = level;
}

void sam_logv(int level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level > log_threshold || level < 0)
        return;
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[level > 3 ? 3 : level]);
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* One write per line keeps lines of concurrent threads whole. */
    fprintf(stderr, "%s\n", line);
}

void sam_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sam_logv(level, fmt, ap);
    va_end(ap);
}
