/* Boot package reader: checks every offset, size and name in the package
 * before handing out a pointer, since the package is as untrusted as a guest. */
#include "core/package.h"
#include "lib/string.h"

#define HDR_VERSION		0x08
#define HDR_HEADER_SIZE		0x0c
#define HDR_TOTAL_SIZE		0x10
#define HDR_FILE_COUNT		0x18
#define HDR_TABLE_OFF		0x1c
#define HDR_STRINGS_OFF		0x20
#define HDR_STRINGS_SIZE	0x24
#define HDR_CONFIG_OFF		0x28
#define HDR_CONFIG_SIZE		0x2c
#define HDR_CONFIG_CRC		0x30
#define HDR_META_CRC		0x34
#define HDR_RESERVED		0x38

#define ENT_NAME_OFF		0x00
#define ENT_NAME_LEN		0x04
#define ENT_OFFSET		0x08
#define ENT_SIZE		0x10
#define ENT_CRC			0x18
#define ENT_RESERVED		0x1c

/* Byte loads: the package may be read before the MMU is on, when an
 * unaligned access faults, and its fields need not be naturally aligned. */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A 16-entry table (one per nibble) keeps rodata tiny and still does a
 * 40 MiB kernel in well under a second on a Cortex-A72. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t package_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

/* [off, off + size) inside [PKG_HEADER_SIZE, total), without overflow. */
static bool block_inside(uint64_t off, uint64_t size, uint64_t total)
{
	return off >= PKG_HEADER_SIZE && off <= total && size <= total - off;
}

static uint32_t meta_crc(const uint8_t *b, const struct package *p)
{
	static const uint8_t zero[4];
	uint32_t crc;

	crc = package_crc32(0, b, HDR_META_CRC);
	crc = package_crc32(crc, zero, sizeof(zero));
	crc = package_crc32(crc, b + HDR_RESERVED, PKG_HEADER_SIZE - HDR_RESERVED);
	crc = package_crc32(crc, p->table, (size_t)p->file_count * PKG_ENTRY_SIZE);
	return package_crc32(crc, p->strings, p->strings_size);
}

/* Checks entry i: a terminated name without inner NULs, aligned data inside
 * the package that does not overlap the metadata, and a name not seen before. */
static int check_entry(const struct package *p, unsigned i)
{
	const uint8_t *e = p->table + (size_t)i * PKG_ENTRY_SIZE;
	uint32_t name_off = le32(e + ENT_NAME_OFF), name_len = le32(e + ENT_NAME_LEN);
	uint64_t off = le64(e + ENT_OFFSET), size = le64(e + ENT_SIZE);
	const char *name;
	unsigned j;

	if (name_len == 0 || name_len > PKG_NAME_MAX || name_off >= p->strings_size ||
	    name_len >= p->strings_size - name_off)
		return -PKG_ERR_BADENTRY;
	name = p->strings + name_off;
	if (name[name_len] != '\0' || strnlen(name, name_len) != name_len)
		return -PKG_ERR_BADENTRY;
	if (!IS_ALIGNED(off, PKG_FILE_ALIGN) || !block_inside(off, size, p->total_size) ||
	    le32(e + ENT_RESERVED) != 0)
		return -PKG_ERR_BADENTRY;
	if (ranges_overlap(off, size, (uint64_t)(p->table - p->base),
			   (uint64_t)p->file_count * PKG_ENTRY_SIZE) ||
	    ranges_overlap(off, size, (uint64_t)((const uint8_t *)p->strings - p->base),
			   p->strings_size) ||
	    ranges_overlap(off, size, (uint64_t)(p->config - p->base), p->config_size))
		return -PKG_ERR_BADENTRY;
	for (j = 0; j < i; j++) {
		const uint8_t *other = p->table + (size_t)j * PKG_ENTRY_SIZE;

		if (le32(other + ENT_NAME_LEN) == name_len &&
		    memcmp(p->strings + le32(other + ENT_NAME_OFF), name, name_len) == 0)
			return -PKG_ERR_DUPLICATE;
	}
	return 0;
}

int package_open(const void *base, size_t max, struct package *pkg)
{
	const uint8_t *b = base;
	struct package p;
	uint64_t table_size;
	uint32_t table_off, strings_off, config_off;
	unsigned i;
	int err;

	memset(pkg, 0, sizeof(*pkg));
	memset(&p, 0, sizeof(p));
	if (!b || max < PKG_MAGIC_SIZE)
		return -PKG_ERR_TRUNCATED;
	if (memcmp(b, PKG_MAGIC, PKG_MAGIC_SIZE) != 0)
		return -PKG_ERR_BADMAGIC;
	if (max < PKG_HEADER_SIZE)
		return -PKG_ERR_TRUNCATED;
	if (le32(b + HDR_VERSION) != PKG_VERSION)
		return -PKG_ERR_BADVERSION;
	p.base = b;
	p.total_size = le64(b + HDR_TOTAL_SIZE);
	if (p.total_size > max)
		return -PKG_ERR_TRUNCATED;
	if (le32(b + HDR_HEADER_SIZE) != PKG_HEADER_SIZE || le64(b + HDR_RESERVED) != 0 ||
	    p.total_size < PKG_HEADER_SIZE || !IS_ALIGNED(p.total_size, PKG_FILE_ALIGN))
		return -PKG_ERR_BADLAYOUT;
	p.file_count = le32(b + HDR_FILE_COUNT);
	if (p.file_count > PKG_MAX_FILES)
		return -PKG_ERR_TOOMANY;

	table_off = le32(b + HDR_TABLE_OFF);
	table_size = (uint64_t)p.file_count * PKG_ENTRY_SIZE;
	strings_off = le32(b + HDR_STRINGS_OFF);
	p.strings_size = le32(b + HDR_STRINGS_SIZE);
	config_off = le32(b + HDR_CONFIG_OFF);
	p.config_size = le32(b + HDR_CONFIG_SIZE);
	if (!block_inside(table_off, table_size, p.total_size) ||
	    !block_inside(strings_off, p.strings_size, p.total_size) ||
	    !block_inside(config_off, p.config_size, p.total_size) ||
	    !IS_ALIGNED(table_off, 8) || !IS_ALIGNED(config_off, 8) || p.config_size == 0 ||
	    ranges_overlap(table_off, table_size, strings_off, p.strings_size) ||
	    ranges_overlap(table_off, table_size, config_off, p.config_size) ||
	    ranges_overlap(strings_off, p.strings_size, config_off, p.config_size))
		return -PKG_ERR_BADLAYOUT;
	p.table = b + table_off;
	p.strings = (const char *)b + strings_off;
	p.config = b + config_off;

	if (meta_crc(b, &p) != le32(b + HDR_META_CRC) ||
	    package_crc32(0, p.config, p.config_size) != le32(b + HDR_CONFIG_CRC))
		return -PKG_ERR_BADCRC;
	for (i = 0; i < p.file_count; i++) {
		err = check_entry(&p, i);
		if (err)
			return err;
	}
	*pkg = p;
	return 0;
}

const char *package_strerror(int err)
{
	static const char *const names[PKG_ERR_COUNT] = {
		[0] = "success",
		[PKG_ERR_NOTFOUND] = "no such file in the package",
		[PKG_ERR_TRUNCATED] = "package truncated",
		[PKG_ERR_BADMAGIC] = "no package (bad magic)",
		[PKG_ERR_BADVERSION] = "unsupported package version",
		[PKG_ERR_BADLAYOUT] = "package block outside the package, overlapping or misaligned",
		[PKG_ERR_BADCRC] = "package header, file table or configuration corrupt (CRC32)",
		[PKG_ERR_BADENTRY] = "bad file entry in the package",
		[PKG_ERR_DUPLICATE] = "two package files with one name",
		[PKG_ERR_TOOMANY] = "too many files in the package",
	};

	if (err <= -PKG_ERR_COUNT || err >= PKG_ERR_COUNT)
		return "unknown error";
	return names[err < 0 ? -err : err];
}

int package_file_at(const struct package *pkg, unsigned index, struct package_file *out)
{
	const uint8_t *e;

	if (!pkg || !pkg->table || index >= pkg->file_count)
		return -PKG_ERR_NOTFOUND;
	e = pkg->table + (size_t)index * PKG_ENTRY_SIZE;
	out->name = pkg->strings + le32(e + ENT_NAME_OFF);
	out->data = pkg->base + le64(e + ENT_OFFSET);
	out->size = le64(e + ENT_SIZE);
	out->crc32 = le32(e + ENT_CRC);
	return 0;
}

int package_find(const struct package *pkg, const char *name, struct package_file *out)
{
	struct package_file f;
	unsigned i;

	if (!name)
		return -PKG_ERR_NOTFOUND;
	for (i = 0; package_file_at(pkg, i, &f) == 0; i++) {
		if (strcmp(f.name, name) == 0) {
			if (out)
				*out = f;
			return (int)i;
		}
	}
	return -PKG_ERR_NOTFOUND;
}

bool package_file_verify(const struct package_file *file)
{
	return package_crc32(0, file->data, (size_t)file->size) == file->crc32;
}
