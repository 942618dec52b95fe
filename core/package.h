/* Boot package: the VM configuration and every guest file, appended to the
 * hypervisor image by tools/mkimage.py; this reader trusts none of its bytes. */
#ifndef HB_CORE_PACKAGE_H
#define HB_CORE_PACKAGE_H

#include "lib/types.h"

/*
 * Layout (all integers little-endian; offsets from the package's first byte,
 * which sits at the hypervisor's __image_end, page-aligned):
 *
 *   0x00  header, PKG_HEADER_SIZE bytes:
 *         0x00 magic "HBPKG\0v1"      0x08 u32 version (1)
 *         0x0c u32 header_size (64)    0x10 u64 total_size (multiple of 4 KiB)
 *         0x18 u32 file_count          0x1c u32 table_off
 *         0x20 u32 strings_off         0x24 u32 strings_size
 *         0x28 u32 config_off          0x2c u32 config_size (a DTB)
 *         0x30 u32 config_crc          0x34 u32 meta_crc
 *         0x38 u64 reserved (0)
 *   table_off    file_count entries of PKG_ENTRY_SIZE bytes:
 *         0x00 u32 name_off (into strings)  0x04 u32 name_len (without NUL)
 *         0x08 u64 offset (4 KiB aligned)   0x10 u64 size
 *         0x18 u32 crc32                    0x1c u32 reserved (0)
 *   strings_off  file names, each NUL-terminated: the path as the config writes it
 *   config_off   the configuration DTB
 *   then each file's data, 4 KiB aligned; entries may share data.
 *
 * CRCs are CRC-32/IEEE (zlib's crc32). meta_crc covers the header with the
 * meta_crc field read as zero, the file table and the strings.
 */
#define PKG_MAGIC		"HBPKG\0v1"
#define PKG_MAGIC_SIZE		8
#define PKG_VERSION		1
#define PKG_HEADER_SIZE		64
#define PKG_ENTRY_SIZE		32
#define PKG_FILE_ALIGN		4096
#define PKG_MAX_FILES		64
#define PKG_NAME_MAX		255

enum pkg_error {
	PKG_ERR_NOTFOUND = 1,	/* no file of that name / index */
	PKG_ERR_TRUNCATED,	/* smaller than its header or its total_size */
	PKG_ERR_BADMAGIC,
	PKG_ERR_BADVERSION,
	PKG_ERR_BADLAYOUT,	/* a block outside the package, overlapping, or misaligned */
	PKG_ERR_BADCRC,		/* header, table or config checksum mismatch */
	PKG_ERR_BADENTRY,	/* a file entry with a bad name or range */
	PKG_ERR_DUPLICATE,	/* two entries with one name */
	PKG_ERR_TOOMANY,	/* more than PKG_MAX_FILES files */
	PKG_ERR_COUNT
};

/* An opened package. Treat as read-only; pointers are into the package. */
struct package {
	const uint8_t *base;
	uint64_t total_size;
	uint32_t file_count;
	const uint8_t *table;
	const char *strings;
	uint32_t strings_size;
	const uint8_t *config;
	uint32_t config_size;
};

struct package_file {
	const char *name;	/* NUL-terminated inside the package */
	const uint8_t *data;	/* [data, data + size) lies inside the package */
	uint64_t size;
	uint32_t crc32;		/* as recorded; package_file_verify() checks it */
};

/*
 * Validates the header, every block's bounds, the metadata and config CRCs
 * and every file entry (name terminated and unique, data inside the package
 * and clear of the metadata). Reads at most max bytes at base, and only the
 * header before total_size is known to fit. File data CRCs are not checked
 * here (that reads every byte): use package_file_verify().
 * 0 or a negative PKG_ERR_*; on error *pkg is empty (file_count 0).
 */
int package_open(const void *base, size_t max, struct package *pkg);
const char *package_strerror(int err);

/* Entry index; 0 or negative. */
int package_file_at(const struct package *pkg, unsigned index, struct package_file *out);
/* Looks a file up by its exact name: its index, or -PKG_ERR_NOTFOUND. out may be NULL. */
int package_find(const struct package *pkg, const char *name, struct package_file *out);
/* True when the file's data matches its recorded CRC. */
bool package_file_verify(const struct package_file *file);

/* zlib-compatible running CRC-32: start with crc = 0. */
uint32_t package_crc32(uint32_t crc, const void *data, size_t len);

#endif
