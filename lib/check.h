/* Invariant checks. CHECK always runs; DCHECK only with `make DEBUG=1`.
 * The target build panics; host unit tests abort so sanitizers show a trace. */
#ifndef HB_LIB_CHECK_H
#define HB_LIB_CHECK_H

#ifdef HB_HOST
#include <stdio.h>
#include <stdlib.h>
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "CHECK failed: %s at %s:%d\n", #cond,    \
				__FILE__, __LINE__);                             \
			abort();                                                 \
		}                                                                \
	} while (0)
#else
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (__builtin_expect(!(cond), 0))                                \
			panic("CHECK failed: %s at %s:%d", #cond, __FILE__,      \
			      __LINE__);                                         \
	} while (0)
#endif

#if defined(HB_DEBUG) || defined(HB_HOST)
#define DCHECK(cond) CHECK(cond)
#else
#define DCHECK(cond) ((void)sizeof(cond))
#endif

#endif
