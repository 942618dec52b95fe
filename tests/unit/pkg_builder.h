/* Test helper: builds boot packages in memory with the layout tools/mkimage.py
 * writes, so C tests and the fuzzer can make (and then break) packages. */
#ifndef HB_TESTS_PKG_BUILDER_H
#define HB_TESTS_PKG_BUILDER_H

#include <string.h>

#include "core/package.h"

struct pkgb_file {
	const char *name;
	const void *data;	/* files with the same data pointer share their bytes */
	size_t size;
};

static inline void pkgb_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void pkgb_put64(uint8_t *p, uint64_t v)
{
	pkgb_put32(p, (uint32_t)v);
	pkgb_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t pkgb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Recomputes meta_crc after a test edited the header, table or names; does
 * nothing when the edited header points outside the size bytes at pkg. */
static inline void pkgb_fix_meta_crc(uint8_t *pkg, size_t size)
{
	uint64_t count = pkgb_get32(pkg + 0x18), table = pkgb_get32(pkg + 0x1c);
	uint64_t strings = pkgb_get32(pkg + 0x20), strings_size = pkgb_get32(pkg + 0x24);
	uint32_t crc;

	if (size < PKG_HEADER_SIZE || table + count * PKG_ENTRY_SIZE > size ||
	    strings + strings_size > size)
		return;
	pkgb_put32(pkg + 0x34, 0);
	crc = package_crc32(0, pkg, PKG_HEADER_SIZE);
	crc = package_crc32(crc, pkg + table, (size_t)count * PKG_ENTRY_SIZE);
	crc = package_crc32(crc, pkg + strings, strings_size);
	pkgb_put32(pkg + 0x34, crc);
}

/* Writes a package into out; returns its size, or 0 if cap is too small. */
static inline size_t pkgb_build(uint8_t *out, size_t cap, const void *config, size_t config_size,
				const struct pkgb_file *files, unsigned count)
{
	size_t table = PKG_HEADER_SIZE, strings = table + (size_t)count * PKG_ENTRY_SIZE;
	size_t names = 0, config_off, cursor, total;
	unsigned i, j;

	for (i = 0; i < count; i++)
		names += strlen(files[i].name) + 1;
	config_off = ALIGN_UP(strings + names, 8);
	cursor = ALIGN_UP(config_off + config_size, PKG_FILE_ALIGN);
	total = cursor;
	for (i = 0; i < count; i++)
		total = ALIGN_UP(total + files[i].size, PKG_FILE_ALIGN);
	if (total > cap)
		return 0;
	memset(out, 0, total);

	names = 0;
	for (i = 0; i < count; i++) {
		uint8_t *e = out + table + (size_t)i * PKG_ENTRY_SIZE;
		size_t len = strlen(files[i].name);
		uint64_t offset = cursor;

		for (j = 0; j < i; j++) {
			if (files[j].data == files[i].data && files[i].data)
				offset = pkgb_get32(out + table + (size_t)j * PKG_ENTRY_SIZE + 8);
		}
		if (offset == cursor) {
			if (files[i].size)
				memcpy(out + cursor, files[i].data, files[i].size);
			cursor = ALIGN_UP(cursor + files[i].size, PKG_FILE_ALIGN);
		}
		memcpy(out + strings + names, files[i].name, len + 1);
		pkgb_put32(e, (uint32_t)names);
		pkgb_put32(e + 4, (uint32_t)len);
		pkgb_put64(e + 8, offset);
		pkgb_put64(e + 16, files[i].size);
		pkgb_put32(e + 24, package_crc32(0, files[i].data, files[i].size));
		names += len + 1;
	}
	memcpy(out + config_off, config, config_size);
	memcpy(out, PKG_MAGIC, PKG_MAGIC_SIZE);
	pkgb_put32(out + 0x08, PKG_VERSION);
	pkgb_put32(out + 0x0c, PKG_HEADER_SIZE);
	pkgb_put64(out + 0x10, cursor);
	pkgb_put32(out + 0x18, count);
	pkgb_put32(out + 0x1c, (uint32_t)table);
	pkgb_put32(out + 0x20, (uint32_t)strings);
	pkgb_put32(out + 0x24, (uint32_t)names);
	pkgb_put32(out + 0x28, (uint32_t)config_off);
	pkgb_put32(out + 0x2c, (uint32_t)config_size);
	pkgb_put32(out + 0x30, package_crc32(0, config, config_size));
	pkgb_fix_meta_crc(out, cursor);
	return cursor;
}

#endif
