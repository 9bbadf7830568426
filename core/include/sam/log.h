/* Operational logging to stderr (the audit log is another thing). Never log secrets. */
#ifndef SAM_LOG_H
#define SAM_LOG_H

#include <stdarg.h>

#include "sam/plugin.h" /* SAM_LOG_* levels */

void sam_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sam_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Messages above level are dropped (default SAM_LOG_INFO). */
void sam_log_set_level(int level);

#endif
