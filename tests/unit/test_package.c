/* Host tests for core/package: CRC vectors, a good package round trip, and
 * every header, layout and entry check, plus a corrupt-and-reopen sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/package.h"
#include "tests/unit/pkg_builder.h"

#define BUF_SIZE (1024 * 1024)

static uint8_t g_kernel[5000], g_initrd[300];
static const uint8_t g_config[] = { 0xd0, 0x0d, 0xfe, 0xed, 1, 2, 3, 4, 5, 6, 7 };
static uint8_t *g_buf;
static size_t g_size;

static const struct pkgb_file g_files[] = {
	{ "build/guests/psci.bin", g_kernel, sizeof(g_kernel) },
	{ "initrd.cpio", g_initrd, sizeof(g_initrd) },
	{ "same-kernel-other-name", g_kernel, sizeof(g_kernel) },
};

/* Offsets of the header fields (core/package.h). */
enum {
	H_VERSION = 0x08, H_HDRSIZE = 0x0c, H_TOTAL = 0x10, H_COUNT = 0x18, H_TABLE = 0x1c,
	H_STRINGS = 0x20, H_STRSIZE = 0x24, H_CONFIG = 0x28, H_CONFSIZE = 0x2c, H_RESERVED = 0x38,
};

static uint8_t *entry(unsigned i)
{
	return g_buf + pkgb_get32(g_buf + H_TABLE) + i * PKG_ENTRY_SIZE;
}

static int setup(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(g_kernel); i++)
		g_kernel[i] = (uint8_t)(i * 7 + 1);
	memset(g_initrd, 0x5a, sizeof(g_initrd));
	g_buf = malloc(BUF_SIZE);
	if (!g_buf)
		return -1;
	g_size = pkgb_build(g_buf, BUF_SIZE, g_config, sizeof(g_config), g_files, 3);
	return g_size ? 0 : -1;
}

static int teardown(void **state)
{
	free(g_buf);
	return 0;
}

/* Rebuilds the good package before each test edits it. */
static int fresh(void **state)
{
	return pkgb_build(g_buf, BUF_SIZE, g_config, sizeof(g_config), g_files, 3) == g_size ? 0 : -1;
}

static int open_buf(void)
{
	struct package pkg;
	int err = package_open(g_buf, g_size, &pkg);

	if (err)
		assert_int_equal(pkg.file_count, 0);
	return err;
}

/* Edits a header field, then fixes the checksum so the edit itself is judged. */
static int open_with_field(unsigned off, uint32_t value)
{
	pkgb_put32(g_buf + off, value);
	pkgb_fix_meta_crc(g_buf, g_size);
	return open_buf();
}

static void test_crc32_vectors(void **state)
{
	assert_int_equal(package_crc32(0, "", 0), 0);
	assert_int_equal(package_crc32(0, "123456789", 9), 0xcbf43926);
	assert_int_equal(package_crc32(0, "The quick brown fox jumps over the lazy dog", 43),
			 0x414fa339);
	/* Running form: split input gives the same result. */
	assert_int_equal(package_crc32(package_crc32(0, "12345", 5), "6789", 4), 0xcbf43926);
}

static void test_round_trip(void **state)
{
	struct package pkg;
	struct package_file f, g;

	assert_int_equal(package_open(g_buf, g_size, &pkg), 0);
	assert_int_equal(pkg.file_count, 3);
	assert_int_equal(pkg.total_size, g_size);
	assert_int_equal(pkg.config_size, sizeof(g_config));
	assert_memory_equal(pkg.config, g_config, sizeof(g_config));
	assert_true(IS_ALIGNED(g_size, PKG_FILE_ALIGN));

	assert_int_equal(package_find(&pkg, "initrd.cpio", &f), 1);
	assert_string_equal(f.name, "initrd.cpio");
	assert_int_equal(f.size, sizeof(g_initrd));
	assert_memory_equal(f.data, g_initrd, sizeof(g_initrd));
	assert_true(IS_ALIGNED(f.data - g_buf, PKG_FILE_ALIGN));
	assert_true(package_file_verify(&f));

	assert_int_equal(package_find(&pkg, "build/guests/psci.bin", &f), 0);
	assert_int_equal(package_find(&pkg, "same-kernel-other-name", &g), 2);
	assert_ptr_equal(f.data, g.data);	/* shared data */
	assert_memory_equal(f.data, g_kernel, sizeof(g_kernel));

	assert_int_equal(package_find(&pkg, "initrd", NULL), -PKG_ERR_NOTFOUND);
	assert_int_equal(package_find(&pkg, "initrd.cpio.x", NULL), -PKG_ERR_NOTFOUND);
	assert_int_equal(package_find(&pkg, "", NULL), -PKG_ERR_NOTFOUND);
	assert_int_equal(package_find(&pkg, NULL, NULL), -PKG_ERR_NOTFOUND);
	assert_int_equal(package_find(NULL, "initrd.cpio", NULL), -PKG_ERR_NOTFOUND);
	assert_int_equal(package_file_at(&pkg, 3, &f), -PKG_ERR_NOTFOUND);
	assert_int_equal(package_file_at(&pkg, 2, &f), 0);
	assert_string_equal(f.name, "same-kernel-other-name");
}

static void test_file_crc_detects_corruption(void **state)
{
	struct package pkg;
	struct package_file f;

	assert_int_equal(package_open(g_buf, g_size, &pkg), 0);
	assert_int_equal(package_find(&pkg, "initrd.cpio", &f), 1);
	g_buf[f.data - g_buf + 17] ^= 1;
	/* Data is not covered by the metadata CRC: open still succeeds. */
	assert_int_equal(package_open(g_buf, g_size, &pkg), 0);
	assert_false(package_file_verify(&f));
}

static void test_truncated(void **state)
{
	struct package pkg;
	size_t len;

	assert_int_equal(package_open(NULL, 100, &pkg), -PKG_ERR_TRUNCATED);
	assert_int_equal(package_open(g_buf, 7, &pkg), -PKG_ERR_TRUNCATED);
	assert_int_equal(package_open(g_buf, 63, &pkg), -PKG_ERR_TRUNCATED);
	/* Every prefix short of total_size fails; the reader stays inside it (ASan). */
	for (len = 0; len < g_size; len += (len < 256 ? 1 : 509)) {
		uint8_t *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, g_buf, len);
		assert_int_not_equal(package_open(copy, len, &pkg), 0);
		free(copy);
	}
	assert_int_equal(package_open(g_buf, g_size, &pkg), 0);
	assert_int_equal(package_open(g_buf, g_size + 100, &pkg), 0);
}

static void test_bad_header(void **state)
{
	g_buf[0] = 'X';
	assert_int_equal(open_buf(), -PKG_ERR_BADMAGIC);
	fresh(state);
	assert_int_equal(open_with_field(H_VERSION, 2), -PKG_ERR_BADVERSION);
	fresh(state);
	assert_int_equal(open_with_field(H_HDRSIZE, 128), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_RESERVED, 1), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_TOTAL, (uint32_t)g_size - 8), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_TOTAL, 0), -PKG_ERR_BADLAYOUT);
	fresh(state);
	pkgb_put64(g_buf + H_TOTAL, g_size + PKG_FILE_ALIGN);
	pkgb_fix_meta_crc(g_buf, g_size);
	assert_int_equal(open_buf(), -PKG_ERR_TRUNCATED);
	fresh(state);
	pkgb_put64(g_buf + H_TOTAL, UINT64_MAX & ~0xfffULL);
	assert_int_equal(open_buf(), -PKG_ERR_TRUNCATED);
	fresh(state);
	assert_int_equal(open_with_field(H_COUNT, PKG_MAX_FILES + 1), -PKG_ERR_TOOMANY);
	fresh(state);
	assert_int_equal(open_with_field(H_COUNT, 0xffffffff), -PKG_ERR_TOOMANY);
}

static void test_bad_layout(void **state)
{
	uint32_t config = pkgb_get32(g_buf + H_CONFIG), strings = pkgb_get32(g_buf + H_STRINGS);

	assert_int_equal(open_with_field(H_TABLE, 0), -PKG_ERR_BADLAYOUT);	/* in the header */
	fresh(state);
	assert_int_equal(open_with_field(H_TABLE, (uint32_t)g_size - 8), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_TABLE, 68), -PKG_ERR_BADLAYOUT);	/* misaligned */
	fresh(state);
	assert_int_equal(open_with_field(H_STRSIZE, 0xfffffff0), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_CONFIG, config + 4), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_CONFIG, 0xfffffff8), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_CONFSIZE, 0), -PKG_ERR_BADLAYOUT);
	fresh(state);
	assert_int_equal(open_with_field(H_CONFSIZE, (uint32_t)g_size), -PKG_ERR_BADLAYOUT);
	fresh(state);
	/* Strings over the config. */
	assert_int_equal(open_with_field(H_STRSIZE, config - strings + 1), -PKG_ERR_BADLAYOUT);
	fresh(state);
	/* Table over the strings: one more entry than written. */
	assert_int_equal(open_with_field(H_COUNT, 4), -PKG_ERR_BADLAYOUT);
}

static void test_bad_crc(void **state)
{
	uint32_t strings = pkgb_get32(g_buf + H_STRINGS), config = pkgb_get32(g_buf + H_CONFIG);

	g_buf[strings + 2] ^= 0x20;	/* a name */
	assert_int_equal(open_buf(), -PKG_ERR_BADCRC);
	fresh(state);
	g_buf[config + 5] ^= 1;
	assert_int_equal(open_buf(), -PKG_ERR_BADCRC);
	fresh(state);
	entry(1)[16] ^= 1;	/* a size */
	assert_int_equal(open_buf(), -PKG_ERR_BADCRC);
	fresh(state);
	g_buf[0x34] ^= 1;	/* the meta CRC itself */
	assert_int_equal(open_buf(), -PKG_ERR_BADCRC);
}

/* Edits entry i at off, fixes the CRC, and returns package_open's verdict. */
static int open_with_entry(unsigned i, unsigned off, uint64_t value, bool wide)
{
	if (wide)
		pkgb_put64(entry(i) + off, value);
	else
		pkgb_put32(entry(i) + off, (uint32_t)value);
	pkgb_fix_meta_crc(g_buf, g_size);
	return open_buf();
}

static void test_bad_entries(void **state)
{
	uint32_t strings = pkgb_get32(g_buf + H_STRINGS), config = pkgb_get32(g_buf + H_CONFIG);
	uint64_t last_off;

	assert_int_equal(open_with_entry(0, 4, 0, false), -PKG_ERR_BADENTRY);	/* empty name */
	fresh(state);
	assert_int_equal(open_with_entry(0, 4, PKG_NAME_MAX + 1, false), -PKG_ERR_BADENTRY);
	fresh(state);
	assert_int_equal(open_with_entry(0, 4, 5, false), -PKG_ERR_BADENTRY);	/* no NUL there */
	fresh(state);
	assert_int_equal(open_with_entry(2, 0, 0xffffff00, false), -PKG_ERR_BADENTRY);
	fresh(state);
	/* Last name's NUL is the last byte of the strings block: one more is outside. */
	assert_int_equal(open_with_entry(2, 4, 23, false), -PKG_ERR_BADENTRY);
	fresh(state);
	g_buf[strings + 3] = '\0';	/* NUL inside a name */
	pkgb_fix_meta_crc(g_buf, g_size);
	assert_int_equal(open_buf(), -PKG_ERR_BADENTRY);
	fresh(state);
	last_off = g_size - PKG_FILE_ALIGN;
	assert_int_equal(open_with_entry(1, 8, last_off + 8, true), -PKG_ERR_BADENTRY);
	fresh(state);
	assert_int_equal(open_with_entry(1, 8, g_size, true), -PKG_ERR_BADENTRY);
	fresh(state);
	/* Entry 0 is the kernel, not the last file: a larger size still fits
	 * (overlapping other files' data is allowed: entries may share it). */
	assert_int_equal(open_with_entry(0, 16, 2 * PKG_FILE_ALIGN + 1, true), 0);
	fresh(state);
	assert_int_equal(open_with_entry(1, 16, UINT64_MAX - 100, true), -PKG_ERR_BADENTRY);
	fresh(state);
	/* Data over the header, then data under a config moved onto it. */
	assert_int_equal(open_with_entry(1, 8, 0, true), -PKG_ERR_BADENTRY);
	fresh(state);
	assert_true(config < PKG_FILE_ALIGN);
	pkgb_put32(g_buf + H_CONFIG, PKG_FILE_ALIGN);
	pkgb_put32(g_buf + 0x30, package_crc32(0, g_buf + PKG_FILE_ALIGN, sizeof(g_config)));
	pkgb_fix_meta_crc(g_buf, g_size);
	assert_int_equal(pkgb_get32(entry(0) + 8), PKG_FILE_ALIGN);
	assert_int_equal(open_buf(), -PKG_ERR_BADENTRY);
	fresh(state);
	assert_int_equal(open_with_entry(1, 28, 1, false), -PKG_ERR_BADENTRY);	/* reserved */
	fresh(state);
	/* Zero-size data may sit anywhere inside, even at the very end. */
	assert_int_equal(open_with_entry(1, 16, 0, true), 0);
	assert_int_equal(open_with_entry(1, 8, g_size, true), 0);
}

static void test_duplicate_names(void **state)
{
	/* Point entry 2's name at entry 0's. */
	assert_int_equal(open_with_entry(2, 0, pkgb_get32(entry(0)), false), -PKG_ERR_BADENTRY);
	fresh(state);
	pkgb_put32(entry(2), pkgb_get32(entry(0)));
	pkgb_put32(entry(2) + 4, pkgb_get32(entry(0) + 4));
	pkgb_fix_meta_crc(g_buf, g_size);
	assert_int_equal(open_buf(), -PKG_ERR_DUPLICATE);
}

static void test_empty_and_max_packages(void **state)
{
	static struct pkgb_file many[PKG_MAX_FILES];
	static char names[PKG_MAX_FILES][8];
	struct package pkg;
	struct package_file f;
	size_t size;
	unsigned i;

	size = pkgb_build(g_buf, BUF_SIZE, g_config, sizeof(g_config), NULL, 0);
	assert_int_equal(size, PKG_FILE_ALIGN);
	assert_int_equal(package_open(g_buf, size, &pkg), 0);
	assert_int_equal(package_find(&pkg, "x", &f), -PKG_ERR_NOTFOUND);

	for (i = 0; i < PKG_MAX_FILES; i++) {
		snprintf(names[i], sizeof(names[i]), "f%u", i);
		many[i] = (struct pkgb_file){ names[i], g_initrd, sizeof(g_initrd) };
	}
	size = pkgb_build(g_buf, BUF_SIZE, g_config, sizeof(g_config), many, PKG_MAX_FILES);
	assert_int_equal(package_open(g_buf, size, &pkg), 0);
	assert_int_equal(package_find(&pkg, "f63", &f), 63);
	assert_true(package_file_verify(&f));
	fresh(state);
}

/* Random corruption with the CRCs repaired, so the entry checks are reached:
 * the reader must never fault, and an accepted package must be self-consistent. */
static void test_corruption_sweep(void **state)
{
	uint8_t *work = malloc(g_size);
	uint32_t seed = 12345;
	unsigned iter, opened = 0;

	assert_non_null(work);
	for (iter = 0; iter < 4000; iter++) {
		struct package pkg;
		struct package_file f;
		unsigned n, i;

		memcpy(work, g_buf, g_size);
		for (n = 0; n < 1 + iter % 3; n++) {
			seed = seed * 1103515245 + 12345;
			work[(seed >> 8) % 512] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		if (iter % 2 && package_open(work, g_size, &pkg) != -PKG_ERR_BADMAGIC) {
			pkgb_fix_meta_crc(work, g_size);
			if (pkgb_get32(work + H_CONFIG) + (uint64_t)pkgb_get32(work + H_CONFSIZE) <= g_size)
				pkgb_put32(work + 0x30, package_crc32(0, work + pkgb_get32(work + H_CONFIG),
								      pkgb_get32(work + H_CONFSIZE)));
			pkgb_fix_meta_crc(work, g_size);
		}
		if (package_open(work, g_size, &pkg) != 0)
			continue;
		opened++;
		for (i = 0; package_file_at(&pkg, i, &f) == 0; i++) {
			assert_true(f.data >= work && f.size <= g_size &&
				    (size_t)(f.data - work) <= g_size - f.size);
			assert_int_equal(package_find(&pkg, f.name, NULL), (int)i);
		}
		assert_int_equal(i, pkg.file_count);
	}
	free(work);
	assert_true(opened > 50);
}

static void test_strerror(void **state)
{
	int e;

	for (e = 0; e < PKG_ERR_COUNT; e++)
		assert_string_not_equal(package_strerror(-e), "unknown error");
	assert_string_equal(package_strerror(-PKG_ERR_COUNT), "unknown error");
	assert_string_equal(package_strerror(1000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_vectors),
		cmocka_unit_test_setup(test_round_trip, fresh),
		cmocka_unit_test_setup(test_file_crc_detects_corruption, fresh),
		cmocka_unit_test_setup(test_truncated, fresh),
		cmocka_unit_test_setup(test_bad_header, fresh),
		cmocka_unit_test_setup(test_bad_layout, fresh),
		cmocka_unit_test_setup(test_bad_crc, fresh),
		cmocka_unit_test_setup(test_bad_entries, fresh),
		cmocka_unit_test_setup(test_duplicate_names, fresh),
		cmocka_unit_test_setup(test_empty_and_max_packages, fresh),
		cmocka_unit_test_setup(test_corruption_sweep, fresh),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
