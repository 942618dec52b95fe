/* Host tests for core/console_filter: what reaches the terminal from a
 * guest's bytes, by hand-picked cases and by random input checked against
 * the filter's promises (no control byte but tab, newline and backspace;
 * only well-formed UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/console_filter.h"

/* Filters a whole buffer with fresh state; returns the output, NUL-ended. */
static const char *filter(const char *in, size_t len)
{
	static char out[4096];
	struct console_filter f = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		size_t k = console_filter_byte(&f, (uint8_t)in[i], out + n);

		assert_true(k <= CONSOLE_FILTER_MAX_OUT);
		n += k;
		assert_true(n + CONSOLE_FILTER_MAX_OUT < sizeof(out));
	}
	out[n] = 0;
	return out;
}

#define F(lit) filter((lit), sizeof(lit) - 1)

static void test_plain_text_unchanged(void **state)
{
	assert_string_equal(F("hello, world 0123 ~!\n"), "hello, world 0123 ~!\n");
	assert_string_equal(F("a\tb\n"), "a\tb\n");
	assert_string_equal(F("line\r\n"), "line\n");
}

static void test_controls_in_caret_notation(void **state)
{
	assert_string_equal(F("\033[2J\033[31mred"), "^[[2J^[[31mred");
	assert_string_equal(F("\033]0;title\007"), "^[]0;title^G");
	assert_string_equal(F("bell\a vt\v del\x7f nul"), "bell^G vt^K del^? nul");
	/* Backspace passes: vm.c keeps it within the VM's own line. */
	assert_string_equal(F("ab\b \b"), "ab\b \b");
	assert_string_equal(F("x\x00y"), "x^@y");
	/* A carriage return cannot go back over the VM's prefix. */
	assert_string_equal(F("[other] spoof\r[vm] x"), "[other] spoof[vm] x");
}

static void test_utf8(void **state)
{
	assert_string_equal(F("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\x93"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\x93");
	/* C1 controls, as UTF-8 (U+009B is CSI) and as raw 8-bit bytes. */
	assert_string_equal(F("\xc2\x9b" "2J"), "?2J");
	assert_string_equal(F("\x9b" "2J"), "?2J");
	assert_string_equal(F("\xc2\xa0"), "\xc2\xa0");		/* U+00A0 is fine */
	/* Bidirectional overrides: U+202E, U+2066. */
	assert_string_equal(F("a\xe2\x80\xae" "b\xe2\x81\xa6" "c"), "a?b?c");
	assert_string_equal(F("\xe2\x80\xa9"), "\xe2\x80\xa9");	/* U+2029 is not one */
	/* Overlong, surrogate, beyond U+10FFFF, impossible bytes. */
	assert_string_equal(F("\xc0\xaf"), "??");
	assert_string_equal(F("\xe0\x80\xaf"), "???");
	assert_string_equal(F("\xed\xa0\x80"), "???");
	assert_string_equal(F("\xf4\x90\x80\x80"), "????");
	assert_string_equal(F("\xf5\xff\xfe"), "???");
	/* Cut short by ASCII, by a newline, by another lead byte. */
	assert_string_equal(F("\xe2\x82x"), "?x");
	assert_string_equal(F("\xf0\x9f\n"), "?\n");
	assert_string_equal(F("\xe2\xc3\xa9"), "?\xc3\xa9");
	assert_string_equal(F("\xe2\x1b"), "?^[");
}

/* Each output byte is printable ASCII, tab, newline or part of a complete,
 * well-formed, non-control UTF-8 sequence. */
static void check_safe(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	while (*p) {
		if (*p < 0x80) {
			assert_true((*p >= 0x20 && *p < 0x7f) || *p == '\t' || *p == '\n' || *p == '\b');
			p++;
			continue;
		}
		unsigned len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;

		assert_true(*p >= 0xc2 && *p <= 0xf4);
		for (unsigned i = 1; i < len; i++)
			assert_int_equal(p[i] & 0xc0, 0x80);
		assert_false(p[0] == 0xc2 && p[1] <= 0x9f);
		p += len;
	}
}

static void test_random_bytes_come_out_safe(void **state)
{
	char in[512];

	srand(8);
	for (unsigned round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand() % (int)sizeof(in));

		for (size_t i = 0; i < len; i++) {
			int r = rand() % 4;

			/* Mix of plain, control, and UTF-8-looking bytes. */
			in[i] = (char)(r == 0 ? rand() % 32 : r == 1 ? 0x80 + rand() % 128 : rand() % 256);
		}
		/* Ends in a newline, as a console line does: no open sequence. */
		in[len] = '\n';
		check_safe(filter(in, len + 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_controls_in_caret_notation),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_random_bytes_come_out_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
