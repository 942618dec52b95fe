/* printf-style formatting into a character sink, for the console log and the
 * guests' runtime. Integers and strings only: target code has no floating point. */
#ifndef HB_LIB_FMT_H
#define HB_LIB_FMT_H

#include <stdarg.h>

#include "lib/types.h"

/*
 * Supported: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ' '#',
 * width and precision as numbers or '*', length modifiers hh h l ll z j t.
 * Deliberate differences from C's printf:
 *   - %s of NULL prints "(null)" (cut by a precision like any string);
 *   - %p always prints "0x" and lowercase hex, NULL included ("0x0");
 *   - an unknown conversion is printed verbatim, flags and width included,
 *     so a typo in a log format is visible instead of eating arguments.
 * Every function returns the number of characters the format produces
 * (saturated at INT_MAX), never a negative error.
 */

typedef void (*fmt_sink_fn)(void *ctx, char c);

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* C99 snprintf semantics: writes at most size-1 characters plus a NUL when
 * size > 0 (buf may be NULL when size == 0) and returns the full length the
 * output would have had, so truncation shows as a result >= size. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
