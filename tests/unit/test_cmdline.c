/* Unit tests for lib/cmdline.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "lib/cmdline.h"

static void test_finds_values(void **state)
{
	char v[16];

	assert_true(cmdline_get("console=ttyAMA0 hb.selftest=sgi loglevel=3", "hb.selftest", v, sizeof(v)));
	assert_string_equal(v, "sgi");
	assert_true(cmdline_get("  loglevel=3\tquiet ", "loglevel", v, sizeof(v)));
	assert_string_equal(v, "3");
	assert_true(cmdline_get("a quiet b", "quiet", v, sizeof(v)));
	assert_string_equal(v, "");
}

static void test_no_prefix_matches(void **state)
{
	char v[16];

	assert_false(cmdline_get("hb.selftests=x", "hb.selftest", v, sizeof(v)));
	assert_false(cmdline_get("xhb.selftest=x", "hb.selftest", v, sizeof(v)));
	assert_false(cmdline_get("", "a", v, sizeof(v)));
	assert_false(cmdline_get(NULL, "a", v, sizeof(v)));
}

static void test_truncates(void **state)
{
	char v[4];

	assert_true(cmdline_get("k=abcdefgh", "k", v, sizeof(v)));
	assert_string_equal(v, "abc");
}

static void test_first_wins(void **state)
{
	char v[8];

	assert_true(cmdline_get("k=1 k=2", "k", v, sizeof(v)));
	assert_string_equal(v, "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_values),
		cmocka_unit_test(test_no_prefix_matches),
		cmocka_unit_test(test_truncates),
		cmocka_unit_test(test_first_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
