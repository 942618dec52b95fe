/* Bounds-checked reader for flattened device trees (DTB format v16/v17): the
 * boot path reads the firmware's tree with it, and VM configurations come from it. */
#ifndef HB_LIB_FDT_H
#define HB_LIB_FDT_H

#include "lib/types.h"

/*
 * What callers can rely on
 * ------------------------
 * - dt_open() reads at most max_size bytes at blob and, before it has checked
 *   totalsize against max_size, only the header. After a successful dt_open()
 *   no function reads outside [blob, blob + dt_total_size()).
 * - dt_open() checks the whole structure block once: every token is known,
 *   every name is NUL-terminated inside its block, every property value lies
 *   inside the structure block, properties come before subnodes, nesting is
 *   balanced, at most DT_MAX_DEPTH deep, and closed by FDT_END. Accessors still
 *   check every offset they use, so an arbitrary (even garbage) node or property
 *   handle gives an error or an unrelated node, never an out-of-bounds read.
 * - Returned strings are NUL-terminated inside the blob; a returned property
 *   value [p, p + len) lies inside the blob (for len 0, p is non-NULL but must
 *   not be dereferenced). Values may be unaligned: read them with dt_be32() /
 *   dt_be64(), which load byte by byte (safe with the MMU off).
 * - No recursion, no allocation; every loop advances at least 4 bytes per step,
 *   so each call ends in time bounded by the blob size (dt_path() also by the
 *   path length).
 * - The blob must not change after dt_open(): copy an untrusted blob into
 *   memory the guest cannot write before opening it.
 * - After a failed dt_open() the struct dt is empty and every call on it fails.
 *
 * Handles: a node or property handle is the offset of its token inside the
 * structure block (the same numbers libfdt uses); the root is always 0.
 * Errors are negative DT_ERR_* values; -DT_ERR_NOTFOUND == -1 also means "end".
 */

/* Nodes may nest at most this deep, the root counting as one level. */
#define DT_MAX_DEPTH 32

enum dt_error {
	DT_ERR_NOTFOUND = 1,	/* no such node/property/entry, or end of iteration */
	DT_ERR_TRUNCATED,	/* blob smaller than its header or its totalsize */
	DT_ERR_BADMAGIC,
	DT_ERR_BADVERSION,	/* version < 16 or last_comp_version > 17 */
	DT_ERR_BADLAYOUT,	/* block offsets/sizes outside the blob or misaligned */
	DT_ERR_BADRSVMAP,	/* memory reservation map not terminated inside the blob */
	DT_ERR_BADSTRUCT,	/* malformed structure block */
	DT_ERR_BADSTRING,	/* name offset outside the strings block or unterminated */
	DT_ERR_DEPTH,		/* nesting deeper than DT_MAX_DEPTH */
	DT_ERR_BADHANDLE,	/* handle is not a node (or property) token */
	DT_ERR_BADVALUE,	/* property has the wrong length or format */
	DT_ERR_BADCELLS,	/* #address-cells/#size-cells unsupported */
	DT_ERR_NOSPACE,		/* caller's output array too small */
	DT_ERR_BADPATH,		/* empty path or unknown alias */
	DT_ERR_COUNT
};

/* An opened blob: the validated block layout. Treat as read-only. */
struct dt {
	const uint8_t *blob;
	uint32_t total_size;
	uint32_t struct_off, struct_size;
	uint32_t strings_off, strings_size;
	uint32_t rsvmap_off, rsvmap_count;
	uint32_t boot_cpuid;
};

struct dt_range {
	uint64_t base, size;
};

static inline uint32_t dt_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t dt_be64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)dt_be32(b) << 32 | dt_be32(b + 4);
}

/* Header and structure validation; 0 or a negative DT_ERR_*. */
int dt_open(struct dt *dt, const void *blob, size_t max_size);
const char *dt_strerror(int err);
uint32_t dt_total_size(const struct dt *dt);

/* Tree walking. Each returns a node handle, -DT_ERR_NOTFOUND at the end, or
 * another negative error. */
int dt_root(const struct dt *dt);
int dt_first_child(const struct dt *dt, int node);
int dt_next_sibling(const struct dt *dt, int node);
int dt_next_node(const struct dt *dt, int node);	/* depth-first pre-order */
int dt_parent(const struct dt *dt, int node);		/* O(blob): walks from the root */
const char *dt_node_name(const struct dt *dt, int node);	/* "cpu@0"; "" for the root */

/* "/cpus/cpu@0"; a component without "@unit" matches the first node of that
 * base name; repeated and trailing '/' are ignored. A path not starting with
 * '/' begins with an alias from /aliases ("serial0/..."). dt_path_n() reads
 * at most len bytes, so "/pl011@9000000:115200" can be split by the caller. */
int dt_path(const struct dt *dt, const char *path);
int dt_path_n(const struct dt *dt, const char *path, size_t len);

/* Properties. dt_prop() returns NULL when absent or on any error. */
const void *dt_prop(const struct dt *dt, int node, const char *name, uint32_t *len);
bool dt_prop_u32(const struct dt *dt, int node, const char *name, uint32_t *out);	/* len == 4 */
bool dt_prop_u64(const struct dt *dt, int node, const char *name, uint64_t *out);	/* len == 8 */
/* A value of exactly ncells (1 or 2) big-endian cells. */
bool dt_prop_cells(const struct dt *dt, int node, const char *name, unsigned ncells, uint64_t *out);
/* A string whose last byte is its (or the last list entry's) NUL; else NULL. */
const char *dt_prop_str(const struct dt *dt, int node, const char *name);
/* Entry index of a string list; NULL past the end or if an entry is unterminated. */
const char *dt_prop_str_at(const struct dt *dt, int node, const char *name, unsigned index);

/* Property iteration (the VM config parser rejects unknown properties). */
int dt_first_prop(const struct dt *dt, int node);
int dt_next_prop(const struct dt *dt, int prop);
/* Name and value of the property at handle prop; NULL if prop is not one. */
const void *dt_prop_entry(const struct dt *dt, int prop, const char **name, uint32_t *len);

bool dt_is_compatible(const struct dt *dt, int node, const char *compat);
/* True unless the node has a status other than "okay"/"ok". */
bool dt_is_available(const struct dt *dt, int node);
/* Next node after after_node (after_node < 0: from the root, inclusive) in
 * pre-order whose compatible list contains compat. */
int dt_find_compatible(const struct dt *dt, int after_node, const char *compat);

/* This node's #address-cells / #size-cells (for its children's reg): the
 * value (0..4) or the spec defaults 2 / 1 when absent; negative on error. */
int dt_address_cells(const struct dt *dt, int node);
int dt_size_cells(const struct dt *dt, int node);

/* Entry index of reg, decoded with the parent's cells (address 1..2, size
 * 0..2 cells). Addresses are in the parent's bus space. 0 or negative. */
int dt_reg(const struct dt *dt, int node, unsigned index, uint64_t *addr, uint64_t *size);
/* The same entry translated through every ancestor's "ranges" into the CPU's
 * physical address space; -DT_ERR_NOTFOUND if a bus has no "ranges" or no
 * window covers the whole entry. */
int dt_reg_phys(const struct dt *dt, int node, unsigned index, uint64_t *addr, uint64_t *size);

/* Entry index of the /memreserve/ map; 0 or negative. Like libfdt and Linux,
 * the map ends at the first entry of size 0. */
int dt_memreserve(const struct dt *dt, unsigned index, uint64_t *addr, uint64_t *size);

/*
 * Boot-time summaries. Each returns the number of entries written, or a
 * negative error: -DT_ERR_NOSPACE when max is too small (nothing is dropped
 * silently), -DT_ERR_BADVALUE when an entry's base + size wraps past 2^64.
 * Zero-size entries and nodes whose status is not okay are skipped.
 */
/* reg entries of every root child with device_type = "memory". */
int dt_memory_ranges(const struct dt *dt, struct dt_range *out, unsigned max);
/* /memreserve/ entries, reg of every /reserved-memory child, and the blob
 * itself (its address taken as physical: the boot path runs identity-mapped).
 * Dynamically placed reservations (size without reg) are not included. */
int dt_reserved_ranges(const struct dt *dt, struct dt_range *out, unsigned max);
/* First reg value (the MPIDR affinity) of every /cpus child with device_type = "cpu". */
int dt_cpu_mpidrs(const struct dt *dt, uint64_t *out, unsigned max);
/* cpu-release-addr (two cells) of the cpu node whose reg is mpidr, when its
 * enable-method is "spin-table": 0, -DT_ERR_NOTFOUND (no such cpu) or
 * -DT_ERR_BADVALUE (another method, or no usable address). */
int dt_cpu_release_addr(const struct dt *dt, uint64_t mpidr, uint64_t *addr);

#endif
