/* Host tests for lib/fmt: every supported conversion is compared with the
 * host's snprintf, at every buffer size, plus HyperBerry's deliberate differences. */
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/fmt.h"

#define SENTINEL 0x5a
#define BUF_LEN 256

static unsigned cases_checked;

/*
 * Formats the arguments with the host snprintf and with fmt_snprintf into a
 * buffer of every size from 0 to the full length + 2, comparing the return
 * value, the bytes (memcmp, so embedded NULs from %c count) and that nothing
 * past `size` was written.
 */
#define EXPECT_SAME(...)                                                               \
	do {                                                                           \
		char want_full[BUF_LEN];                                               \
		int want_n = snprintf(want_full, sizeof(want_full), __VA_ARGS__);      \
		assert_true(want_n >= 0 && want_n < BUF_LEN - 2);                      \
		for (size_t size = 0; size <= (size_t)want_n + 2; size++) {            \
			char want[BUF_LEN], got[BUF_LEN];                              \
			memset(want, SENTINEL, sizeof(want));                          \
			memset(got, SENTINEL, sizeof(got));                            \
			int w = snprintf(size ? want : NULL, size, __VA_ARGS__);       \
			int g = fmt_snprintf(size ? got : NULL, size, __VA_ARGS__);    \
			if (w != g || memcmp(want, got, sizeof(want)) != 0) {          \
				print_error("%s:%d: \"%s\" size %zu: host [%.*s] %d, "    \
					    "fmt [%.*s] %d\n", __FILE__, __LINE__, want_full,  \
					    size, (int)size, want, w, (int)size, got, g);      \
				fail();                                                \
			}                                                              \
		}                                                                      \
		cases_checked++;                                                       \
	} while (0)

static void test_plain_text_and_percent(void **state)
{
	EXPECT_SAME("%s", "");
	EXPECT_SAME("plain text");
	EXPECT_SAME("%%");
	EXPECT_SAME("a%%b%%%%c");
	EXPECT_SAME("x=%d y=%s z=%#lx!", -3, "str", 0xabcUL);
}

static void test_signed_decimal(void **state)
{
	static const int values[] = { 0, 1, -1, 7, -7, 42, 1000, -99999, INT_MAX, INT_MIN };

	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		int v = values[i];

		EXPECT_SAME("%d", v);
		EXPECT_SAME("%i", v);
		EXPECT_SAME("[%5d]", v);
		EXPECT_SAME("[%-5d]", v);
		EXPECT_SAME("[%05d]", v);
		EXPECT_SAME("[%+d]", v);
		EXPECT_SAME("[% d]", v);
		EXPECT_SAME("[%+05d]", v);
		EXPECT_SAME("[% 06d]", v);
		EXPECT_SAME("[%-+7d]", v);
		EXPECT_SAME("[%.3d]", v);
		EXPECT_SAME("[%.0d]", v);
		EXPECT_SAME("[%5.0d]", v);
		EXPECT_SAME("[%8.3d]", v);
		EXPECT_SAME("[%-8.3d]", v);
		EXPECT_SAME("[%40d]", v);
		EXPECT_SAME("[%*d]", 6, v);
		EXPECT_SAME("[%*d]", -6, v);	/* negative '*' width means '-' */
		EXPECT_SAME("[%.*d]", 4, v);
		EXPECT_SAME("[%.*d]", -1, v);	/* negative precision: none */
		EXPECT_SAME("[%*.*d]", 9, 5, v);
		EXPECT_SAME("[%0*d]", 9, v);
	}
}

static void test_unsigned_hex_octal(void **state)
{
	static const unsigned values[] = { 0, 1, 8, 15, 255, 4096, 0xdeadbeefu, UINT_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		unsigned v = values[i];

		EXPECT_SAME("%u", v);
		EXPECT_SAME("[%12u]", v);
		EXPECT_SAME("[%-12u]", v);
		EXPECT_SAME("[%012u]", v);
		EXPECT_SAME("%x %X", v, v);
		EXPECT_SAME("[%#x] [%#X]", v, v);
		EXPECT_SAME("[%08x]", v);
		EXPECT_SAME("[%#010x]", v);
		EXPECT_SAME("[%-#10x]", v);
		EXPECT_SAME("[%.8x]", v);
		EXPECT_SAME("[%#.8x]", v);
		EXPECT_SAME("[%.0x]", v);
		EXPECT_SAME("[%#.0x]", v);
		EXPECT_SAME("[%#12.6X]", v);
		EXPECT_SAME("%o", v);
		EXPECT_SAME("[%#o]", v);
		EXPECT_SAME("[%.0o]", v);
		EXPECT_SAME("[%#.0o]", v);
		EXPECT_SAME("[%#5o]", v);
		EXPECT_SAME("[%#.4o]", v);
		EXPECT_SAME("[%#08o]", v);
	}
}

static void test_length_modifiers(void **state)
{
	EXPECT_SAME("%ld %ld %lu %lx", LONG_MIN, LONG_MAX, ULONG_MAX, ULONG_MAX);
	EXPECT_SAME("%lld %lld", (long long)INT64_MIN, (long long)INT64_MAX);
	EXPECT_SAME("%llu %llx %llX", (unsigned long long)UINT64_MAX,
		    (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	EXPECT_SAME("%#llo", (unsigned long long)UINT64_MAX);
	EXPECT_SAME("[%25lld] [%-25lld] [%025lld]", (long long)INT64_MIN, (long long)INT64_MIN,
		    (long long)INT64_MIN);
	EXPECT_SAME("[%+lld] [% lld]", (long long)INT64_MAX, (long long)INT64_MAX);
	EXPECT_SAME("[%#018llx]", 0x40000000ULL);
	EXPECT_SAME("%" PRId64 " %" PRIu64 " %" PRIx64, INT64_MIN, UINT64_MAX, UINT64_MAX);
	EXPECT_SAME("%zu %zx %zd %zd", SIZE_MAX, SIZE_MAX, (ptrdiff_t)-5, (ptrdiff_t)PTRDIFF_MIN);
	EXPECT_SAME("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, UINTMAX_MAX);
	EXPECT_SAME("%td %td", (ptrdiff_t)-3, (ptrdiff_t)PTRDIFF_MAX);
	/* h and hh narrow the promoted int back, like C does. */
	EXPECT_SAME("%hd %hd %hu %hx", 70000, -70000, 65537, -1);
	EXPECT_SAME("%hhd %hhd %hhu %hhx", 200, -129, 300, -1);
	EXPECT_SAME("[%05hhd] [%-4hu]", -5, 7);
	/* A mix checks each conversion consumes exactly one argument of its size. */
	EXPECT_SAME("%hhd|%lld|%d|%zu|%s|%llx", 1, (long long)INT64_MIN, -2, (size_t)3, "s",
		    0x123456789abcdefULL);
}

static void test_char_and_string(void **state)
{
	static const char unterminated[3] = { 'a', 'b', 'c' };

	EXPECT_SAME("%c%c%c", 'a', 'B', '~');
	EXPECT_SAME("[%3c] [%-3c]", 'x', 'y');
	EXPECT_SAME("[%c]", 0);	/* an embedded NUL still counts */
	EXPECT_SAME("%s", "hello");
	EXPECT_SAME("[%10s] [%-10s]", "hello", "hello");
	EXPECT_SAME("[%3s]", "longer than width");
	EXPECT_SAME("[%.3s] [%.0s] [%.10s]", "hello", "hello", "hello");
	EXPECT_SAME("[%10.3s] [%-10.3s]", "hello", "hello");
	EXPECT_SAME("[%*s] [%-*s]", 7, "ab", 7, "ab");
	EXPECT_SAME("[%*s]", -7, "ab");
	EXPECT_SAME("[%.*s]", 2, "hello");
	EXPECT_SAME("[%.*s]", -1, "hello");
	/* Precision bounds the read: ASan fails the test if fmt reads a[3]. */
	EXPECT_SAME("[%.*s]", 3, unterminated);
	EXPECT_SAME("[%5.*s]", 2, unterminated);
	EXPECT_SAME("%s=%s;%s", "key", "", "tail");
}

static void test_null_string_and_pointer(void **state)
{
	char buf[64];
	const char *volatile null_str = NULL;	/* hide NULL from -Wformat-overflow */
	int local;

	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", null_str), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%8s]", null_str), 10);
	assert_string_equal(buf, "[  (null)]");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%.3s]", null_str), 5);
	assert_string_equal(buf, "[(nu]");

	/* %p is "0x" plus lowercase hex, the same as %#lx for non-NULL... */
	char want[64];

	snprintf(want, sizeof(want), "%#lx", (unsigned long)(uintptr_t)&local);
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)&local);
	assert_string_equal(buf, want);
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)(uintptr_t)0xffffffffffffffffULL);
	assert_string_equal(buf, "0xffffffffffffffff");
	/* ...and NULL prints 0x0, not glibc's "(nil)". */
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)NULL);
	assert_string_equal(buf, "0x0");
	fmt_snprintf(buf, sizeof(buf), "[%-8p] [%10p]", (void *)0x1000, (void *)0xab);
	assert_string_equal(buf, "[0x1000  ] [      0xab]");
}

/* Formats that -Wformat rightly rejects: written only to check our choice. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void test_unknown_conversion_verbatim(void **state)
{
	char buf[64];

	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%q"), 2);
	assert_string_equal(buf, "%q");
	fmt_snprintf(buf, sizeof(buf), "a%-08.3lqb");
	assert_string_equal(buf, "a%-08.3lqb");
	/* The argument is not consumed by the unknown conversion. */
	fmt_snprintf(buf, sizeof(buf), "%y%d", 5);
	assert_string_equal(buf, "%y5");
	/* A format ending inside a conversion prints what there was. */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "abc%"), 4);
	assert_string_equal(buf, "abc%");
	fmt_snprintf(buf, sizeof(buf), "x%-5l");
	assert_string_equal(buf, "x%-5l");
}

/* Flag combinations C defines but gcc warns about as likely mistakes. */
static void test_overridden_flags(void **state)
{
	EXPECT_SAME("[%08.3d] [%08.3d]", 5, -5);	/* a precision disables '0' */
	EXPECT_SAME("[%-08d] [%-08d]", 5, -5);	/* '-' beats '0' */
	EXPECT_SAME("[%#-08x] [%0-6u]", 255u, 9u);
	EXPECT_SAME("[%+ d] [% +d]", 5, 5);	/* '+' beats ' ' */
}
#pragma GCC diagnostic pop

static void test_snprintf_edges(void **state)
{
	char buf[8];

	/* size 0: nothing written, NULL allowed, full length returned. */
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 0, "abc"), 3);
	assert_int_equal((unsigned char)buf[0], SENTINEL);
	/* size 1: only the terminator. */
	assert_int_equal(fmt_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal((unsigned char)buf[1], SENTINEL);
	/* Exactly fits vs. one short. */
	assert_int_equal(fmt_snprintf(buf, 4, "%s", "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_snprintf(buf, 3, "%s", "abc"), 3);
	assert_string_equal(buf, "ab");
	/* Huge widths keep counting but stay bounded. */
	assert_int_equal(fmt_snprintf(NULL, 0, "%100000d", 1), 100000);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%99999999999d", 1), 100000);
	assert_string_equal(buf, "       ");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%*d", INT_MIN, 1), 100000);
	assert_string_equal(buf, "1      ");
	assert_int_equal(fmt_snprintf(NULL, 0, "%.*u", INT_MAX, 1u), 100000);
#pragma GCC diagnostic pop
}

struct collector {
	char text[BUF_LEN];
	size_t len;
};

static void collect(void *ctx, char c)
{
	struct collector *col = ctx;

	assert_true(col->len < sizeof(col->text) - 1);
	col->text[col->len++] = c;
	col->text[col->len] = '\0';
}

static void test_sink_gets_every_char(void **state)
{
	struct collector col = { .len = 0 };

	assert_int_equal(fmt_format(collect, &col, "cpu%u: %-6s|%08llx", 3u, "up",
				    0x40080000ULL), 21);
	assert_int_equal(col.len, 21);
	assert_string_equal(col.text, "cpu3: up    |40080000");

	col.len = 0;
	assert_int_equal(fmt_format(collect, &col, "%s", ""), 0);
	assert_int_equal(col.len, 0);
}

static int __attribute__((format(printf, 3, 4))) wrap_vsnprintf(char *buf, size_t size,
								 const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_va_list_entry_points(void **state)
{
	char buf[32];

	assert_int_equal(wrap_vsnprintf(buf, sizeof(buf), "%d/%lld/%s", -1, (long long)INT64_MIN, "z"),
			 25);
	assert_string_equal(buf, "-1/-9223372036854775808/z");
	assert_int_equal(wrap_vsnprintf(buf, 5, "%d/%lld/%s", -1, (long long)INT64_MIN, "z"), 25);
	assert_string_equal(buf, "-1/-");
}

static void test_enough_cases_compared(void **state)
{
	/* Guards against the table silently shrinking. */
	assert_true(cases_checked > 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_and_percent),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_unsigned_hex_octal),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_char_and_string),
		cmocka_unit_test(test_null_string_and_pointer),
		cmocka_unit_test(test_unknown_conversion_verbatim),
		cmocka_unit_test(test_overridden_flags),
		cmocka_unit_test(test_snprintf_edges),
		cmocka_unit_test(test_sink_gets_every_char),
		cmocka_unit_test(test_va_list_entry_points),
		cmocka_unit_test(test_enough_cases_compared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
