/* Reading `key=value` words from a boot command line (/chosen/bootargs). */
#ifndef HB_LIB_CMDLINE_H
#define HB_LIB_CMDLINE_H

#include "lib/types.h"

/* Copies the value of the first `key=value` word into out (NUL-terminated,
 * truncated to out_size - 1). Returns false if the key is absent. A bare
 * `key` word yields an empty value. */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_size);

#endif
