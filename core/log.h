/* Hypervisor log: one line per call, tagged with the core, safe from all
 * cores (lines never interleave). */
#ifndef HB_CORE_LOG_H
#define HB_CORE_LOG_H

#include <stdarg.h>
#include "lib/types.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vwrite(enum log_level level, const char *fmt, va_list ap);

#define log_err(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

/* Locks are usable only once caches are on; before that one core runs. */
void log_enable_locking(void);
/* A dying core must be able to print even if it held the console lock. */
void log_enter_panic_mode(void);

/* Raw console access for the console multiplexer: callers hold console_lock. */
void console_lock(void);
void console_unlock(void);
void console_write_raw(const char *s, size_t len);
/* Ends a streamed partial line, if any (callers hold console_lock). */
void console_end_partial_line(void);
/* Writes one character of `owner`'s stream; when another writer came in
 * between, first starts a new line with `prefix` and the `len` characters
 * the line already had (callers hold console_lock). */
void console_stream_char(const void *owner, const char *prefix, const char *line, size_t len,
			 char c);

#endif
