/* What a guest may put on the shared physical terminal: printable ASCII,
 * tab, newline and well-formed UTF-8; every other byte is shown, never obeyed
 * (docs/security.md, "Guest console output"). A pure function, host-tested. */
#ifndef HB_CORE_CONSOLE_FILTER_H
#define HB_CORE_CONSOLE_FILTER_H

#include "lib/types.h"

/* The most bytes one call can produce. */
#define CONSOLE_FILTER_MAX_OUT 8

/* Per-VM decoder state: the bytes of an unfinished UTF-8 sequence. */
struct console_filter {
	uint8_t seq[4];
	uint8_t len;		/* bytes held in seq */
	uint8_t need;		/* total length of the sequence being read */
};

/* Feeds one byte of guest output; writes what may be shown in its place
 * (0 to CONSOLE_FILTER_MAX_OUT bytes) to out and returns how many:
 * - printable ASCII, '\t', '\n' and '\b' unchanged (the console keeps a
 *   backspace within the VM's own line); '\r' dropped (lines are ended by
 *   the console itself, and a bare '\r' could overwrite the VM's prefix);
 * - other C0 controls and DEL in caret notation ("^[", "^G", "^?"), so an
 *   escape sequence prints as text instead of reaching the terminal;
 * - UTF-8 only once a sequence is complete and well formed; malformed
 *   bytes, overlong forms, surrogates, code points above U+10FFFF, C1
 *   controls (U+0080-U+009F: 8-bit CSI and friends) and the bidirectional
 *   overrides (U+202A-U+202E, U+2066-U+2069) become '?'.
 * A newline ends an unfinished sequence, which then shows as '?'. */
size_t console_filter_byte(struct console_filter *f, uint8_t c, char *out);

#endif
