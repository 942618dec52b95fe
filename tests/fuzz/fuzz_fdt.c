/* libFuzzer target for lib/fdt: opens arbitrary bytes as a DTB, calls every API and
 * checks the header's promises (results inside the blob, forward progress). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdt.h"

#define FUZZ_ASSERT(cond)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "fuzz_fdt: %s failed at line %d\n", #cond, \
				__LINE__);                                         \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* Heavy per-node checks (parent walks, paths) are quadratic: cap them. */
#define HEAVY_NODE_LIMIT 256
#define PATH_MAX_LEN 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *g_lo, *g_hi;

static void assert_inside(const void *p, size_t len)
{
	const uint8_t *b = p;

	FUZZ_ASSERT(b >= g_lo && b <= g_hi && len <= (size_t)(g_hi - b));
}

static void assert_string_inside(const char *s)
{
	FUZZ_ASSERT(s != NULL);
	assert_inside(s, strnlen(s, (size_t)(g_hi - (const uint8_t *)s)) + 1);
}

/* Builds node's full path from its ancestors; false if a name cannot appear
 * in a path (empty or containing '/') or the path does not fit. */
static bool build_path(const struct dt *dt, int node, char *buf, size_t cap)
{
	int chain[DT_MAX_DEPTH + 1];
	int n = 0, i;
	size_t used = 0;

	for (; node > 0 && n <= DT_MAX_DEPTH; node = dt_parent(dt, node))
		chain[n++] = node;
	if (node != 0)
		return false;
	buf[used++] = '/';
	for (i = n - 1; i >= 0; i--) {
		const char *name = dt_node_name(dt, chain[i]);
		size_t len = strlen(name);

		if (len == 0 || strchr(name, '/') || used + len + 2 > cap)
			return false;
		memcpy(buf + used, name, len);
		used += len;
		if (i > 0)
			buf[used++] = '/';
	}
	buf[used] = '\0';
	return true;
}

static void exercise_props(const struct dt *dt, int node)
{
	const char *name;
	uint32_t len, u32;
	uint64_t u64;
	int prop, steps = 0;

	for (prop = dt_first_prop(dt, node); prop >= 0; prop = dt_next_prop(dt, prop)) {
		const void *value = dt_prop_entry(dt, prop, &name, &len);
		const char *str;
		unsigned i;

		FUZZ_ASSERT(value != NULL && ++steps <= (int)(dt->struct_size / 4));
		assert_inside(value, len);
		assert_string_inside(name);
		FUZZ_ASSERT(dt_prop(dt, node, name, &len) != NULL);
		(void)dt_prop_u32(dt, node, name, &u32);
		(void)dt_prop_u64(dt, node, name, &u64);
		(void)dt_prop_cells(dt, node, name, 1, &u64);
		str = dt_prop_str(dt, node, name);
		if (str)
			assert_string_inside(str);
		for (i = 0; i < 64 && (str = dt_prop_str_at(dt, node, name, i)) != NULL; i++)
			assert_string_inside(str);
	}
	FUZZ_ASSERT(prop < 0);
}

static void exercise_node(const struct dt *dt, int node, bool heavy)
{
	uint64_t addr, size;
	const char *compat;
	unsigned i;
	int child, next;

	assert_string_inside(dt_node_name(dt, node));
	child = dt_first_child(dt, node);
	FUZZ_ASSERT(child < 0 || child > node);
	next = dt_next_sibling(dt, node);
	FUZZ_ASSERT(next < 0 || next > node);
	exercise_props(dt, node);
	for (i = 0; (compat = dt_prop_str_at(dt, node, "compatible", i)) != NULL; i++) {
		FUZZ_ASSERT(dt_is_compatible(dt, node, compat));
	}
	(void)dt_is_available(dt, node);
	(void)dt_address_cells(dt, node);
	(void)dt_size_cells(dt, node);
	if (!heavy)
		return;

	FUZZ_ASSERT(child < 0 || dt_parent(dt, child) == node);
	for (i = 0; i < 16; i++) {
		int reg_err = dt_reg(dt, node, i, &addr, &size);

		FUZZ_ASSERT(dt_reg_phys(dt, node, i, &addr, &size) < 0 || reg_err == 0);
		if (reg_err)
			break;
	}
	{
		static char path[PATH_MAX_LEN];

		/* Duplicate or unit-less names may resolve elsewhere (as in
		 * libfdt), so only the result's validity is checked. */
		if (build_path(dt, node, path, sizeof(path))) {
			int found = dt_path(dt, path);

			if (found >= 0)
				assert_string_inside(dt_node_name(dt, found));
		}
	}
}

static void exercise_tree(const struct dt *dt)
{
	uint64_t mpidrs[64], addr, size;
	struct dt_range ranges[64];
	int node, prev = -1, count = 0, n;
	unsigned i;

	FUZZ_ASSERT(dt_root(dt) == 0);
	FUZZ_ASSERT(dt_parent(dt, 0) == -DT_ERR_NOTFOUND);
	for (node = 0; node >= 0; node = dt_next_node(dt, node)) {
		FUZZ_ASSERT(node > prev);	/* forward progress */
		FUZZ_ASSERT(++count <= (int)(dt->struct_size / 8));
		exercise_node(dt, node, count <= HEAVY_NODE_LIMIT);
		prev = node;
	}
	FUZZ_ASSERT(node == -DT_ERR_NOTFOUND);

	for (node = dt_find_compatible(dt, -1, "arm,pl011"); node >= 0;
	     node = dt_find_compatible(dt, node, "arm,pl011"))
		FUZZ_ASSERT(dt_is_compatible(dt, node, "arm,pl011"));

	for (i = 0; dt_memreserve(dt, i, &addr, &size) == 0; i++)
		FUZZ_ASSERT(i < dt->rsvmap_count);
	n = dt_memory_ranges(dt, ranges, 64);
	FUZZ_ASSERT(n <= 64);
	(void)dt_memory_ranges(dt, ranges, 0);
	n = dt_reserved_ranges(dt, ranges, 64);
	FUZZ_ASSERT(n <= 64);
	(void)dt_reserved_ranges(dt, ranges, 1);
	n = dt_cpu_mpidrs(dt, mpidrs, 64);
	FUZZ_ASSERT(n <= 64);
	(void)dt_path(dt, "/chosen");
	(void)dt_path(dt, "serial0/x@1");
	(void)dt_path(dt, "/cpus/cpu");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt dt;
	int err = dt_open(&dt, data, size);

	FUZZ_ASSERT(err <= 0);
	FUZZ_ASSERT(strcmp(dt_strerror(err), "unknown error") != 0);
	if (size > 0) {
		/* Arbitrary, possibly unterminated, path text from the input. */
		(void)dt_path_n(&dt, (const char *)data, size < 64 ? size : 64);
	}
	if (err) {
		FUZZ_ASSERT(dt_root(&dt) < 0 && dt_total_size(&dt) == 0);
		FUZZ_ASSERT(dt_prop(&dt, 0, "reg", NULL) == NULL);
		return 0;
	}
	FUZZ_ASSERT(dt_total_size(&dt) <= size);
	g_lo = data;
	g_hi = data + dt_total_size(&dt);
	exercise_tree(&dt);
	/* Garbage handles must fail cleanly. */
	(void)dt_node_name(&dt, 1);
	(void)dt_first_child(&dt, (int)(size & ~3u));
	(void)dt_next_prop(&dt, 0);
	(void)dt_prop_entry(&dt, 4, NULL, NULL);
	return 0;
}
