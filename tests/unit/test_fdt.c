/* Host tests for lib/fdt: hand-built malformed blobs, dtc-compiled trees from
 * tests/unit/data, a libfdt cross-check over QEMU's DTBs and a mutation sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <libfdt.h>

#include "lib/fdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);	/* tests/fuzz/fuzz_fdt.c */

/* ------------------------------------------------------------ blob files */

struct blob {
	uint8_t *data;
	size_t size;
};

static char g_tmpdir[] = "/tmp/hb_test_fdt.XXXXXX";
static struct blob g_basic, g_basic_v16, g_cpus64, g_bad;

struct qemu_config {
	const char *name;
	const char *machine_opts;
	unsigned smp;
	uint64_t mem;
	struct blob dtb;
};

static struct qemu_config g_qemu[] = {
	{ "gic2-smp4-2g", "gic-version=2", 4, 2ULL << 30, { NULL, 0 } },
	{ "gic2-smp1-2g", "gic-version=2", 1, 2ULL << 30, { NULL, 0 } },
	{ "gic2-smp4-1g", "gic-version=2", 4, 1ULL << 30, { NULL, 0 } },
	{ "gic3-smp4-2g", "gic-version=3", 4, 2ULL << 30, { NULL, 0 } },
};

static struct blob load_file(const char *path)
{
	struct blob b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long len;

	if (!f)
		return b;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		b.data = malloc((size_t)len);
		if (b.data && fread(b.data, 1, (size_t)len, f) == (size_t)len) {
			b.size = (size_t)len;
		} else {
			free(b.data);
			b.data = NULL;
		}
	}
	fclose(f);
	return b;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* Compiles tests/unit/data/<name>.dts (run from the repo root) with dtc. */
static struct blob compile_dts(const char *name, const char *extra)
{
	char cmd[1024], out[512];

	snprintf(out, sizeof(out), "%s/%s%s.dtb", g_tmpdir, name, extra[0] ? "-x" : "");
	snprintf(cmd, sizeof(cmd), "dtc -q %s -I dts -O dtb -o %s tests/unit/data/%s.dts", extra,
		 out, name);
	if (run(cmd) != 0) {
		fprintf(stderr, "test_fdt: '%s' failed (run from the repo root)\n", cmd);
		return (struct blob){ NULL, 0 };
	}
	return load_file(out);
}

static void dump_qemu_dtb(struct qemu_config *q)
{
	char cmd[1024], out[512];

	if (run("command -v qemu-system-aarch64 >/dev/null 2>&1") != 0)
		return;
	snprintf(out, sizeof(out), "%s/qemu-%s.dtb", g_tmpdir, q->name);
	snprintf(cmd, sizeof(cmd),
		 "timeout 60 qemu-system-aarch64 -M virt,virtualization=on,%s,dumpdtb=%s "
		 "-cpu cortex-a72 -smp %u -m %lluM -nographic >/dev/null 2>&1",
		 q->machine_opts, out, q->smp, (unsigned long long)(q->mem >> 20));
	if (run(cmd) == 0)
		q->dtb = load_file(out);
}

static int group_setup(void **state)
{
	size_t i;

	if (!mkdtemp(g_tmpdir))
		return -1;
	g_basic = compile_dts("fdt_basic", "");
	g_basic_v16 = compile_dts("fdt_basic", "-V 16");
	g_cpus64 = compile_dts("fdt_cpus64", "");
	g_bad = compile_dts("fdt_bad", "");
	if (!g_basic.data || !g_basic_v16.data || !g_cpus64.data || !g_bad.data)
		return -1;
	for (i = 0; i < ARRAY_SIZE(g_qemu); i++)
		dump_qemu_dtb(&g_qemu[i]);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[600];
	size_t i;

	free(g_basic.data);
	free(g_basic_v16.data);
	free(g_cpus64.data);
	free(g_bad.data);
	for (i = 0; i < ARRAY_SIZE(g_qemu); i++)
		free(g_qemu[i].dtb.data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_tmpdir);
	return run(cmd) == 0 ? 0 : -1;
}

static void open_ok(struct dt *dt, const struct blob *b)
{
	int err;

	assert_non_null(b->data);
	err = dt_open(dt, b->data, b->size);
	if (err)
		fail_msg("dt_open: %s", dt_strerror(err));
}

/* ------------------------------------------------- hand-built blobs */

/* Writes malformed structures that dtc refuses to produce. */
struct builder {
	uint8_t st[1 << 17];
	uint32_t st_len;
	char strs[512];
	uint32_t strs_len;
};

static struct builder g_b;

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void b_reset(void)
{
	memset(&g_b, 0, sizeof(g_b));
}

static void b_word(uint32_t v)
{
	assert_true(g_b.st_len + 4 <= sizeof(g_b.st));
	put_be32(g_b.st + g_b.st_len, v);
	g_b.st_len += 4;
}

static void b_bytes(const void *p, uint32_t n)
{
	assert_true(g_b.st_len + n + 3 <= sizeof(g_b.st));
	memcpy(g_b.st + g_b.st_len, p, n);
	g_b.st_len = (g_b.st_len + n + 3) & ~3u;
}

static void b_begin(const char *name)
{
	b_word(1);
	b_bytes(name, (uint32_t)strlen(name) + 1);
}

static void b_end_node(void)
{
	b_word(2);
}

static uint32_t b_string(const char *name)
{
	uint32_t off = 0;

	while (off < g_b.strs_len) {
		if (strcmp(g_b.strs + off, name) == 0)
			return off;
		off += (uint32_t)strlen(g_b.strs + off) + 1;
	}
	assert_true(g_b.strs_len + strlen(name) + 1 <= sizeof(g_b.strs));
	strcpy(g_b.strs + g_b.strs_len, name);
	g_b.strs_len += (uint32_t)strlen(name) + 1;
	return off;
}

static void b_prop(const char *name, const void *value, uint32_t len)
{
	b_word(3);
	b_word(len);
	b_word(b_string(name));
	b_bytes(value, len);
}

enum { H_MAGIC = 0, H_TOTAL = 4, H_STRUCT_OFF = 8, H_STRINGS_OFF = 12, H_RSV_OFF = 16,
       H_VERSION = 20, H_LAST_COMP = 24, H_STRINGS_SIZE = 32, H_STRUCT_SIZE = 36,
       B_RSV_OFF = 40, B_STRUCT_OFF = 56 };

/* Header, empty reservation map, structure block, strings block. */
static struct blob b_finish(void)
{
	struct blob b;
	uint32_t strings_off = B_STRUCT_OFF + g_b.st_len;

	b.size = strings_off + g_b.strs_len;
	b.data = calloc(1, b.size);
	assert_non_null(b.data);
	put_be32(b.data + H_MAGIC, 0xd00dfeed);
	put_be32(b.data + H_TOTAL, (uint32_t)b.size);
	put_be32(b.data + H_STRUCT_OFF, B_STRUCT_OFF);
	put_be32(b.data + H_STRINGS_OFF, strings_off);
	put_be32(b.data + H_RSV_OFF, B_RSV_OFF);
	put_be32(b.data + H_VERSION, 17);
	put_be32(b.data + H_LAST_COMP, 16);
	put_be32(b.data + H_STRINGS_SIZE, g_b.strs_len);
	put_be32(b.data + H_STRUCT_SIZE, g_b.st_len);
	memcpy(b.data + B_STRUCT_OFF, g_b.st, g_b.st_len);
	memcpy(b.data + strings_off, g_b.strs, g_b.strs_len);
	return b;
}

/* / { compatible = "x"; a@1 { reg = <1 2 3>; }; }: first PROP at struct +8. */
static void b_simple_body(void)
{
	static const uint8_t reg[12] = { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };

	b_begin("");
	b_prop("compatible", "x", 2);
	b_begin("a@1");
	b_prop("reg", reg, sizeof(reg));
	b_end_node();
	b_end_node();
}

static struct blob b_simple(void)
{
	b_reset();
	b_simple_body();
	b_word(9);
	return b_finish();
}

static int open_blob(struct blob b)
{
	struct dt dt;
	int err = dt_open(&dt, b.data, b.size);

	free(b.data);
	return err;
}

static int open_patched(uint32_t field, uint32_t value)
{
	struct blob b = b_simple();

	put_be32(b.data + field, value);
	return open_blob(b);
}

static void test_header_errors(void **state)
{
	struct blob b = b_simple();
	struct dt dt;
	uint32_t total = (uint32_t)b.size, strings_off = B_STRUCT_OFF + g_b.st_len;

	assert_int_equal(dt_open(&dt, b.data, b.size), 0);
	assert_int_equal(dt_total_size(&dt), total);
	assert_int_equal(dt_open(&dt, NULL, 100), -DT_ERR_TRUNCATED);
	assert_int_equal(dt_open(&dt, b.data, 7), -DT_ERR_TRUNCATED);
	assert_int_equal(dt_open(&dt, b.data, 39), -DT_ERR_TRUNCATED);
	assert_int_equal(dt_open(&dt, b.data, b.size - 1), -DT_ERR_TRUNCATED);
	free(b.data);

	assert_int_equal(open_patched(H_MAGIC, 0xedfe0dd0), -DT_ERR_BADMAGIC);
	assert_int_equal(open_patched(H_VERSION, 15), -DT_ERR_BADVERSION);
	assert_int_equal(open_patched(H_LAST_COMP, 18), -DT_ERR_BADVERSION);
	assert_int_equal(open_patched(H_TOTAL, total + 1), -DT_ERR_TRUNCATED);
	assert_int_equal(open_patched(H_TOTAL, 0xffffffff), -DT_ERR_TRUNCATED);
	assert_int_equal(open_patched(H_TOTAL, 39), -DT_ERR_BADLAYOUT);
	/* Blocks outside totalsize, overlapping the header or misaligned. */
	assert_int_equal(open_patched(H_STRUCT_OFF, total + 4), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRUCT_OFF, 0xfffffffc), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRUCT_OFF, 36), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRUCT_OFF, B_STRUCT_OFF + 2), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRUCT_SIZE, g_b.st_len + g_b.strs_len + 4),
			 -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRUCT_SIZE, 0xfffffff0), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRUCT_SIZE, g_b.st_len - 2), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRINGS_OFF, total + 1), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRINGS_SIZE, g_b.strs_len + 1), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_STRINGS_SIZE, 0xffffffff), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_RSV_OFF, B_RSV_OFF + 4), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_RSV_OFF, 0), -DT_ERR_BADLAYOUT);
	assert_int_equal(open_patched(H_RSV_OFF, total + 8), -DT_ERR_BADLAYOUT);
	/* The reservation map starting in the strings block never meets its
	 * terminator before the end of the blob. */
	assert_int_equal(open_patched(H_RSV_OFF, (uint32_t)ALIGN_UP(strings_off, 8)),
			 -DT_ERR_BADRSVMAP);
}

static void test_struct_errors(void **state)
{
	struct blob b;
	uint32_t len_field = B_STRUCT_OFF + 8 + 4, nameoff_field = B_STRUCT_OFF + 8 + 8;

	/* Truncated structure block: END cut off, then a property cut. */
	b = b_simple();
	assert_int_equal(open_patched(H_STRUCT_SIZE, g_b.st_len - 4), -DT_ERR_BADSTRUCT);
	assert_int_equal(open_patched(H_STRUCT_SIZE, 20), -DT_ERR_BADSTRUCT);
	assert_int_equal(open_patched(H_STRUCT_SIZE, 0), -DT_ERR_BADSTRUCT);
	free(b.data);

	/* Property length running past the block, by one byte and by 4 GiB. */
	b = b_simple();
	put_be32(b.data + len_field, g_b.st_len - 20 + 1);
	assert_int_equal(open_blob(b), -DT_ERR_BADSTRUCT);
	b = b_simple();
	put_be32(b.data + len_field, 0xfffffffc);
	assert_int_equal(open_blob(b), -DT_ERR_BADSTRUCT);

	/* Name offset outside the strings block, or name unterminated in it. */
	b = b_simple();
	put_be32(b.data + nameoff_field, g_b.strs_len);
	assert_int_equal(open_blob(b), -DT_ERR_BADSTRING);
	b = b_simple();
	put_be32(b.data + nameoff_field, 0xffffffff);
	assert_int_equal(open_blob(b), -DT_ERR_BADSTRING);
	assert_int_equal(open_patched(H_STRINGS_SIZE, g_b.strs_len - 1), -DT_ERR_BADSTRING);

	/* Unknown token in place of the property. */
	b = b_simple();
	put_be32(b.data + B_STRUCT_OFF + 8, 5);
	assert_int_equal(open_blob(b), -DT_ERR_BADSTRUCT);

	/* Missing END. */
	b_reset();
	b_simple_body();
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	/* END inside the root. */
	b_reset();
	b_begin("");
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	/* Extra END_NODE. */
	b_reset();
	b_simple_body();
	b_end_node();
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	/* A second root. */
	b_reset();
	b_simple_body();
	b_simple_body();
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	/* Property after a subnode. */
	b_reset();
	b_begin("");
	b_begin("a");
	b_end_node();
	b_prop("late", "", 0);
	b_end_node();
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	/* Property outside every node, NOP before the root, empty block. */
	b_reset();
	b_prop("stray", "", 0);
	b_simple_body();
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	b_reset();
	b_word(4);
	b_simple_body();
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	b_reset();
	b_word(9);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
	/* Node name running to the end of the block without a NUL. */
	b_reset();
	b_word(1);
	b_word(0x61616161);
	assert_int_equal(open_blob(b_finish()), -DT_ERR_BADSTRUCT);
}

static struct blob b_nested(unsigned depth)
{
	unsigned i;

	b_reset();
	for (i = 0; i < depth; i++)
		b_begin(i ? "n" : "");
	for (i = 0; i < depth; i++)
		b_end_node();
	b_word(9);
	return b_finish();
}

static void test_depth(void **state)
{
	struct blob b = b_nested(DT_MAX_DEPTH);
	struct dt dt;
	int node = 0, deepest = 0, depth = 1;

	assert_int_equal(dt_open(&dt, b.data, b.size), 0);
	while ((node = dt_first_child(&dt, node)) >= 0) {
		deepest = node;
		depth++;
	}
	assert_int_equal(depth, DT_MAX_DEPTH);
	assert_int_equal(dt_parent(&dt, deepest), deepest - 8);
	assert_int_equal(dt_path(&dt, "/n/n/n"), 24);
	free(b.data);

	assert_int_equal(open_blob(b_nested(DT_MAX_DEPTH + 1)), -DT_ERR_DEPTH);
	assert_int_equal(open_blob(b_nested(5000)), -DT_ERR_DEPTH);
}

static void test_failed_open_is_inert(void **state)
{
	struct dt dt;
	struct dt_range r[4];
	uint64_t a, s, m[4];
	uint32_t len;
	struct blob b = b_simple();

	put_be32(b.data + H_MAGIC, 0);
	assert_int_equal(dt_open(&dt, b.data, b.size), -DT_ERR_BADMAGIC);
	assert_int_equal(dt_total_size(&dt), 0);
	assert_true(dt_root(&dt) < 0);
	assert_true(dt_first_child(&dt, 0) < 0);
	assert_true(dt_next_node(&dt, 0) < 0);
	assert_null(dt_node_name(&dt, 0));
	assert_null(dt_prop(&dt, 0, "compatible", &len));
	assert_true(dt_path(&dt, "/") < 0);
	assert_true(dt_memreserve(&dt, 0, &a, &s) < 0);
	assert_true(dt_memory_ranges(&dt, r, 4) < 0);
	assert_true(dt_reserved_ranges(&dt, r, 4) < 0);
	assert_true(dt_cpu_mpidrs(&dt, m, 4) < 0);
	assert_true(dt_find_compatible(&dt, -1, "x") < 0);
	free(b.data);
}

static void test_garbage_handles(void **state)
{
	struct blob b = b_simple();
	struct dt dt;
	uint64_t a, s;
	int child;

	assert_int_equal(dt_open(&dt, b.data, b.size), 0);
	child = dt_first_child(&dt, 0);
	assert_int_equal(child, 8 + 12 + 4);	/* after the root's "compatible" */
	assert_string_equal(dt_node_name(&dt, child), "a@1");
	assert_null(dt_node_name(&dt, 1));
	assert_null(dt_node_name(&dt, -4));
	assert_null(dt_node_name(&dt, 8));	/* a property, not a node */
	assert_null(dt_node_name(&dt, INT_MAX - 3));
	assert_int_equal(dt_first_child(&dt, 8), -DT_ERR_BADHANDLE);
	assert_int_equal(dt_next_sibling(&dt, 2), -DT_ERR_BADHANDLE);
	assert_int_equal(dt_first_prop(&dt, 8), -DT_ERR_BADHANDLE);
	assert_int_equal(dt_next_prop(&dt, 0), -DT_ERR_BADHANDLE);
	assert_null(dt_prop_entry(&dt, 0, NULL, NULL));
	assert_int_equal(dt_parent(&dt, 8), -DT_ERR_BADHANDLE);
	assert_int_equal(dt_parent(&dt, 4000), -DT_ERR_BADHANDLE);
	assert_int_equal(dt_parent(&dt, 0), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_reg(&dt, 0, 0, &a, &s), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_reg(&dt, 8, 0, &a, &s), -DT_ERR_BADHANDLE);
	/* Default cells 2/1 at the root: <1 2 3> is one entry. */
	assert_int_equal(dt_reg(&dt, child, 0, &a, &s), 0);
	assert_int_equal(a, 0x100000002ULL);
	assert_int_equal(s, 3);
	assert_int_equal(dt_reg(&dt, child, 1, &a, &s), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_next_sibling(&dt, child), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_next_sibling(&dt, 0), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_cpu_mpidrs(&dt, &a, 1), -DT_ERR_NOTFOUND);
	free(b.data);
}

static void test_nops_and_empty_props(void **state)
{
	struct blob b;
	struct dt dt;
	const char *name;
	uint32_t len;
	int prop, child;

	b_reset();
	b_begin("");
	b_word(4);
	b_prop("empty", "", 0);
	b_word(4);
	b_word(4);
	b_prop("str", "abc", 4);
	b_word(4);
	b_begin("kid");
	b_word(4);
	b_end_node();
	b_word(4);
	b_begin("kid2");
	b_end_node();
	b_end_node();
	b_word(4);
	b_word(9);
	b = b_finish();
	assert_int_equal(dt_open(&dt, b.data, b.size), 0);
	prop = dt_first_prop(&dt, 0);
	assert_true(prop > 0);
	assert_non_null(dt_prop_entry(&dt, prop, &name, &len));
	assert_string_equal(name, "empty");
	assert_int_equal(len, 0);
	prop = dt_next_prop(&dt, prop);
	assert_non_null(dt_prop_entry(&dt, prop, &name, &len));
	assert_string_equal(name, "str");
	assert_int_equal(dt_next_prop(&dt, prop), -DT_ERR_NOTFOUND);
	assert_non_null(dt_prop(&dt, 0, "empty", &len));
	assert_int_equal(len, 0);
	assert_null(dt_prop_str(&dt, 0, "empty"));
	child = dt_first_child(&dt, 0);
	assert_string_equal(dt_node_name(&dt, child), "kid");
	assert_int_equal(dt_first_prop(&dt, child), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_first_child(&dt, child), -DT_ERR_NOTFOUND);
	child = dt_next_sibling(&dt, child);
	assert_string_equal(dt_node_name(&dt, child), "kid2");
	assert_int_equal(dt_next_sibling(&dt, child), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_next_node(&dt, child), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_parent(&dt, child), 0);
	free(b.data);
}

static void test_strerror(void **state)
{
	int i, j;

	assert_string_equal(dt_strerror(0), "success");
	assert_string_equal(dt_strerror(INT_MIN), "unknown error");
	assert_string_equal(dt_strerror(-DT_ERR_COUNT), "unknown error");
	for (i = 1; i < DT_ERR_COUNT; i++) {
		assert_string_not_equal(dt_strerror(-i), "unknown error");
		for (j = 1; j < i; j++)
			assert_string_not_equal(dt_strerror(-i), dt_strerror(-j));
	}
}

/* ------------------------------------------------- dtc-compiled trees */

static int path_ok(const struct dt *dt, const char *path)
{
	int node = dt_path(dt, path);

	if (node < 0)
		fail_msg("dt_path(%s): %s", path, dt_strerror(node));
	return node;
}

static void test_walk_and_paths(void **state)
{
	static const char *const root_children[] = {
		"aliases", "chosen", "memory@40000000", "memory@80000000", "memory@c0000000",
		"not-memory@0", "reserved-memory", "cpus", "soc", "buses",
	};
	struct dt dt;
	const char *stdout_path;
	int node, uart;
	size_t i = 0;

	open_ok(&dt, &g_basic);
	assert_int_equal(dt_root(&dt), 0);
	assert_string_equal(dt_node_name(&dt, 0), "");
	for (node = dt_first_child(&dt, 0); node >= 0; node = dt_next_sibling(&dt, node), i++) {
		assert_true(i < ARRAY_SIZE(root_children));
		assert_string_equal(dt_node_name(&dt, node), root_children[i]);
		assert_int_equal(dt_parent(&dt, node), 0);
	}
	assert_int_equal(node, -DT_ERR_NOTFOUND);
	assert_int_equal(i, ARRAY_SIZE(root_children));

	assert_int_equal(path_ok(&dt, "/"), 0);
	assert_int_equal(path_ok(&dt, "///"), 0);
	assert_int_equal(dt_path(&dt, ""), -DT_ERR_BADPATH);
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "/chosen")), "chosen");
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "/cpus/cpu@100")), "cpu@100");
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "/cpus/cpu")), "cpu@0");
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "/memory")), "memory@40000000");
	assert_int_equal(path_ok(&dt, "//cpus//cpu@1/"), path_ok(&dt, "/cpus/cpu@1"));
	assert_int_equal(dt_path_n(&dt, "/cpus/cpu@1XYZ", 11), path_ok(&dt, "/cpus/cpu@1"));
	assert_int_equal(dt_path_n(&dt, "/cpus\0/cpu@1", 12), path_ok(&dt, "/cpus"));
	assert_int_equal(dt_path(&dt, "/cpus/cpu@2"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path(&dt, "/cpu"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path(&dt, "/cpus/cpu@0/x"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path(&dt, "/cpus/cpu-map@1"), -DT_ERR_NOTFOUND);
	/* A unit-less component takes the first node of that base name. */
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "/buses/dup/node")), "node@1");
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "/buses/dup/node@2")), "node@2");

	/* Aliases, including the stdout-path "alias:options" form. */
	uart = path_ok(&dt, "/soc/uart@7e201000");
	assert_int_equal(path_ok(&dt, "serial0"), uart);
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "nested/dev@100")), "dev@100");
	assert_int_equal(dt_path(&dt, "nested/nothing"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_path(&dt, "relative"), -DT_ERR_BADPATH);
	assert_int_equal(dt_path(&dt, "nosuch"), -DT_ERR_BADPATH);
	stdout_path = dt_prop_str(&dt, path_ok(&dt, "/chosen"), "stdout-path");
	assert_non_null(stdout_path);
	assert_int_equal(dt_path_n(&dt, stdout_path, strcspn(stdout_path, ":")), uart);

	/* Pre-order walk visits children before siblings. */
	node = path_ok(&dt, "/cpus");
	assert_string_equal(dt_node_name(&dt, dt_next_node(&dt, node)), "cpu-map");
	node = path_ok(&dt, "/cpus/cpu-map/cluster0/core0");
	assert_string_equal(dt_node_name(&dt, dt_next_node(&dt, node)), "cpu@0");
}

static void test_props(void **state)
{
	static const char *const chosen_props[] = {
		"bootargs", "stdout-path", "linux,initrd-start", "empty", "u32val",
		"u64val", "strings", "notstring", "short",
	};
	struct dt dt;
	const char *name;
	uint32_t len, u32;
	uint64_t u64;
	int chosen, prop;
	size_t i = 0;

	open_ok(&dt, &g_basic);
	chosen = path_ok(&dt, "/chosen");
	for (prop = dt_first_prop(&dt, chosen); prop >= 0; prop = dt_next_prop(&dt, prop), i++) {
		const void *value = dt_prop_entry(&dt, prop, &name, &len);
		uint32_t len2;

		assert_true(i < ARRAY_SIZE(chosen_props));
		assert_string_equal(name, chosen_props[i]);
		assert_ptr_equal(dt_prop(&dt, chosen, name, &len2), value);
		assert_int_equal(len, len2);
	}
	assert_int_equal(prop, -DT_ERR_NOTFOUND);
	assert_int_equal(i, ARRAY_SIZE(chosen_props));

	assert_string_equal(dt_prop_str(&dt, chosen, "bootargs"), "console=ttyAMA0 root=/dev/vda");
	assert_string_equal(dt_prop_str(&dt, 0, "model"), "HyperBerry test");
	assert_true(dt_prop_u32(&dt, chosen, "u32val", &u32));
	assert_int_equal(u32, 0xdeadbeef);
	assert_false(dt_prop_u32(&dt, chosen, "u64val", &u32));
	assert_false(dt_prop_u32(&dt, chosen, "short", &u32));
	assert_false(dt_prop_u32(&dt, chosen, "missing", &u32));
	assert_true(dt_prop_u64(&dt, chosen, "u64val", &u64));
	assert_int_equal(u64, 0x123456789abcdef0ULL);
	assert_false(dt_prop_u64(&dt, chosen, "u32val", &u64));
	assert_true(dt_prop_cells(&dt, chosen, "linux,initrd-start", 2, &u64));
	assert_int_equal(u64, 0x48000000);
	assert_true(dt_prop_cells(&dt, chosen, "u32val", 1, &u64));
	assert_int_equal(u64, 0xdeadbeef);
	assert_false(dt_prop_cells(&dt, chosen, "linux,initrd-start", 1, &u64));
	assert_false(dt_prop_cells(&dt, chosen, "strings", 3, &u64));
	assert_false(dt_prop_cells(&dt, chosen, "empty", 0, &u64));

	assert_non_null(dt_prop(&dt, chosen, "empty", &len));
	assert_int_equal(len, 0);
	assert_null(dt_prop(&dt, chosen, "empt", &len));
	assert_null(dt_prop(&dt, chosen, "emptyy", &len));
	assert_null(dt_prop_str(&dt, chosen, "empty"));
	assert_null(dt_prop_str(&dt, chosen, "notstring"));
	assert_null(dt_prop_str_at(&dt, chosen, "notstring", 0));
	assert_string_equal(dt_prop_str(&dt, chosen, "strings"), "first");
	assert_string_equal(dt_prop_str_at(&dt, chosen, "strings", 0), "first");
	assert_string_equal(dt_prop_str_at(&dt, chosen, "strings", 1), "second");
	assert_string_equal(dt_prop_str_at(&dt, chosen, "strings", 2), "third");
	assert_null(dt_prop_str_at(&dt, chosen, "strings", 3));
	assert_null(dt_prop_str_at(&dt, chosen, "missing", 0));
}

static void expect_reg(const struct dt *dt, const char *path, unsigned index, uint64_t addr,
		       uint64_t size)
{
	uint64_t a = 0, s = 0;
	int err = dt_reg(dt, path_ok(dt, path), index, &a, &s);

	if (err)
		fail_msg("dt_reg(%s, %u): %s", path, index, dt_strerror(err));
	assert_int_equal(a, addr);
	assert_int_equal(s, size);
}

static int reg_err(const struct dt *dt, const char *path, unsigned index)
{
	uint64_t a, s;

	return dt_reg(dt, path_ok(dt, path), index, &a, &s);
}

static void test_reg_cells(void **state)
{
	struct dt dt;

	open_ok(&dt, &g_basic);
	expect_reg(&dt, "/memory@40000000", 0, 0x40000000, 0x20000000);
	expect_reg(&dt, "/memory@40000000", 1, 0x100000000ULL, 0x40000000);
	assert_int_equal(reg_err(&dt, "/memory@40000000", 2), -DT_ERR_NOTFOUND);
	expect_reg(&dt, "/buses/defaults/child", 0, 0x100000002ULL, 3);
	expect_reg(&dt, "/buses/ac1-sc0/child@10", 0, 0x10, 0);
	expect_reg(&dt, "/buses/ac1-sc0/child@10", 1, 0x20, 0);
	expect_reg(&dt, "/buses/ac2-sc2/child@100000000", 0, 0x100000000ULL, 0x200000000ULL);
	expect_reg(&dt, "/buses/ac1-sc2/child@5", 0, 5, UINT64_MAX);
	expect_reg(&dt, "/cpus/cpu@100", 0, 0x100, 0);
	assert_int_equal(reg_err(&dt, "/buses/ac3/child", 0), -DT_ERR_BADCELLS);
	assert_int_equal(reg_err(&dt, "/buses/sc3/child", 0), -DT_ERR_BADCELLS);
	assert_int_equal(reg_err(&dt, "/buses/ragged/child", 0), -DT_ERR_BADVALUE);
	assert_int_equal(reg_err(&dt, "/buses/no-reg/child", 0), -DT_ERR_NOTFOUND);
	assert_int_equal(reg_err(&dt, "/", 0), -DT_ERR_NOTFOUND);

	assert_int_equal(dt_address_cells(&dt, path_ok(&dt, "/buses/defaults")), 2);
	assert_int_equal(dt_size_cells(&dt, path_ok(&dt, "/buses/defaults")), 1);
	assert_int_equal(dt_address_cells(&dt, path_ok(&dt, "/buses/ac1-sc0")), 1);
	assert_int_equal(dt_size_cells(&dt, path_ok(&dt, "/buses/ac1-sc0")), 0);
	assert_int_equal(dt_address_cells(&dt, path_ok(&dt, "/buses/ac3")), 3);
	assert_int_equal(dt_address_cells(&dt, path_ok(&dt, "/buses/huge-cells")), -DT_ERR_BADCELLS);
	assert_int_equal(dt_address_cells(&dt, path_ok(&dt, "/buses/bad-cells-len")),
			 -DT_ERR_BADCELLS);
	assert_int_equal(dt_address_cells(&dt, 3), -DT_ERR_BADHANDLE);
}

static void expect_phys(const struct dt *dt, const char *path, unsigned index, uint64_t addr,
			uint64_t size)
{
	uint64_t a = 0, s = 0;
	int err = dt_reg_phys(dt, path_ok(dt, path), index, &a, &s);

	if (err)
		fail_msg("dt_reg_phys(%s, %u): %s", path, index, dt_strerror(err));
	assert_int_equal(a, addr);
	assert_int_equal(s, size);
}

static int phys_err(const struct dt *dt, const char *path)
{
	uint64_t a, s;

	return dt_reg_phys(dt, path_ok(dt, path), 0, &a, &s);
}

static void test_reg_phys(void **state)
{
	struct dt dt;

	open_ok(&dt, &g_basic);
	expect_phys(&dt, "/soc/uart@7e201000", 0, 0xfe201000, 0x200);
	expect_phys(&dt, "/soc/gpio@7e200000", 1, 0xfe2000c0, 0x10);
	expect_phys(&dt, "/soc/nested-bus/dev@100", 0, 0xfe300100, 0x10);
	expect_phys(&dt, "/memory@40000000", 1, 0x100000000ULL, 0x40000000);
	expect_phys(&dt, "/reserved-memory/secmon@41000000", 0, 0x41000000, 0x200000);
	/* Straddles the end of its window; a bus without ranges; no reg. */
	assert_int_equal(phys_err(&dt, "/soc/straddle@7f7ff000"), -DT_ERR_NOTFOUND);
	assert_int_equal(phys_err(&dt, "/soc/opaque-bus/dev@0"), -DT_ERR_NOTFOUND);
	assert_int_equal(phys_err(&dt, "/buses/ac1-sc0/child@10"), -DT_ERR_NOTFOUND);
	assert_int_equal(phys_err(&dt, "/buses/no-reg/child"), -DT_ERR_NOTFOUND);
	assert_int_equal(phys_err(&dt, "/"), -DT_ERR_NOTFOUND);
}

static void test_compatible(void **state)
{
	struct dt dt;
	int uart, dev, node;

	open_ok(&dt, &g_basic);
	uart = path_ok(&dt, "/soc/uart@7e201000");
	dev = path_ok(&dt, "/soc/nested-bus/dev@100");
	assert_true(dt_is_compatible(&dt, 0, "hb,test-board"));
	assert_true(dt_is_compatible(&dt, 0, "hb,generic"));
	assert_false(dt_is_compatible(&dt, 0, "hb,test"));
	assert_false(dt_is_compatible(&dt, 0, "hb,test-board-x"));
	assert_false(dt_is_compatible(&dt, 0, ""));
	assert_true(dt_is_compatible(&dt, uart, "arm,primecell"));
	assert_false(dt_is_compatible(&dt, path_ok(&dt, "/chosen"), "arm,pl011"));

	assert_int_equal(dt_find_compatible(&dt, -1, "arm,pl011"), uart);
	assert_int_equal(dt_find_compatible(&dt, uart, "arm,pl011"), dev);
	assert_int_equal(dt_find_compatible(&dt, dev, "arm,pl011"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_find_compatible(&dt, -1, "hb,test-board"), 0);
	assert_int_equal(dt_find_compatible(&dt, 0, "hb,test-board"), -DT_ERR_NOTFOUND);
	node = dt_find_compatible(&dt, -1, "simple-bus");
	assert_string_equal(dt_node_name(&dt, node), "soc");
	node = dt_find_compatible(&dt, node, "simple-bus");
	assert_string_equal(dt_node_name(&dt, node), "nested-bus");
	assert_int_equal(dt_find_compatible(&dt, node, "simple-bus"), -DT_ERR_NOTFOUND);
	assert_int_equal(dt_find_compatible(&dt, -1, "nothing"), -DT_ERR_NOTFOUND);

	assert_false(dt_is_available(&dt, path_ok(&dt, "/memory@80000000")));
	assert_true(dt_is_available(&dt, path_ok(&dt, "/cpus/cpu@100")));
	assert_true(dt_is_available(&dt, path_ok(&dt, "/cpus/cpu@0")));
	assert_false(dt_is_available(&dt, path_ok(&dt, "/cpus/cpu@101")));
}

static void test_memory_and_reservations(void **state)
{
	struct dt dt;
	struct dt_range r[8];
	uint64_t a, s;

	open_ok(&dt, &g_basic);
	assert_int_equal(dt_memreserve(&dt, 0, &a, &s), 0);
	assert_int_equal(a, 0x48000000);
	assert_int_equal(s, 0x100000);
	assert_int_equal(dt_memreserve(&dt, 1, &a, &s), 0);
	assert_int_equal(a, 0);
	assert_int_equal(s, 0x1000);
	assert_int_equal(dt_memreserve(&dt, 2, &a, &s), -DT_ERR_NOTFOUND);

	/* The disabled bank and the zero-sized one are left out. */
	assert_int_equal(dt_memory_ranges(&dt, r, 8), 2);
	assert_int_equal(r[0].base, 0x40000000);
	assert_int_equal(r[0].size, 0x20000000);
	assert_int_equal(r[1].base, 0x100000000ULL);
	assert_int_equal(r[1].size, 0x40000000);
	assert_int_equal(dt_memory_ranges(&dt, r, 1), -DT_ERR_NOSPACE);
	assert_int_equal(dt_memory_ranges(&dt, r, 0), -DT_ERR_NOSPACE);

	assert_int_equal(dt_reserved_ranges(&dt, r, 8), 4);
	assert_int_equal(r[0].base, 0x48000000);
	assert_int_equal(r[1].base, 0);
	assert_int_equal(r[1].size, 0x1000);
	assert_int_equal(r[2].base, 0x41000000);
	assert_int_equal(r[2].size, 0x200000);
	assert_int_equal(r[3].base, (uintptr_t)g_basic.data);
	assert_int_equal(r[3].size, dt_total_size(&dt));
	assert_int_equal(dt_reserved_ranges(&dt, r, 3), -DT_ERR_NOSPACE);

	open_ok(&dt, &g_cpus64);
	/* A bank ending exactly at 2^64 does not wrap. */
	assert_int_equal(dt_memory_ranges(&dt, r, 8), 1);
	assert_int_equal(r[0].size, 0xffffffff80000000ULL);
	open_ok(&dt, &g_bad);
	assert_int_equal(dt_memory_ranges(&dt, r, 8), -DT_ERR_BADVALUE);
}

static void test_cpus(void **state)
{
	struct dt dt;
	uint64_t m[8];

	open_ok(&dt, &g_basic);
	assert_int_equal(dt_cpu_mpidrs(&dt, m, 8), 3);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 1);
	assert_int_equal(m[2], 0x100);
	assert_int_equal(dt_cpu_mpidrs(&dt, m, 2), -DT_ERR_NOSPACE);

	open_ok(&dt, &g_cpus64);
	assert_int_equal(dt_cpu_mpidrs(&dt, m, 8), 3);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 0x100000000ULL);
	assert_int_equal(m[2], 1);
	assert_int_equal(dt_cpu_release_addr(&dt, 0, &m[0]), 0);
	assert_int_equal(m[0], 0xd8);
	assert_int_equal(dt_cpu_release_addr(&dt, 0x100000000ULL, &m[0]), -DT_ERR_BADVALUE);
	assert_int_equal(dt_cpu_release_addr(&dt, 1, &m[0]), -DT_ERR_BADVALUE);
	assert_int_equal(dt_cpu_release_addr(&dt, 2, &m[0]), -DT_ERR_NOTFOUND);

	open_ok(&dt, &g_bad);
	assert_int_equal(dt_cpu_mpidrs(&dt, m, 8), -DT_ERR_BADVALUE);
}

static void test_version16(void **state)
{
	struct dt dt, dt17;
	uint64_t m[8];

	open_ok(&dt, &g_basic_v16);
	open_ok(&dt17, &g_basic);
	assert_int_equal(g_basic_v16.data[23], 16);
	assert_int_equal(dt_cpu_mpidrs(&dt, m, 8), 3);
	assert_string_equal(dt_node_name(&dt, path_ok(&dt, "serial0")), "uart@7e201000");
	assert_int_equal(dt_path(&dt, "/soc/nested-bus/dev@100"),
			 dt_path(&dt17, "/soc/nested-bus/dev@100"));
}

/* ------------------------------------------------- libfdt cross-check */

static unsigned g_reg_entries_compared;

static void crosscheck_reg(const struct dt *dt, const void *fdt, int node)
{
	int parent = fdt_parent_offset(fdt, node);
	int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
	int len, stride;
	const uint8_t *reg = fdt_getprop(fdt, node, "reg", &len);
	uint64_t a, s, want_a, want_s;
	int i, n;

	if (!reg || ac < 1 || ac > 2 || sc < 0 || sc > 2)
		return;
	stride = 4 * (ac + sc);
	if (len % stride != 0) {
		assert_int_equal(dt_reg(dt, node, 0, &a, &s), -DT_ERR_BADVALUE);
		return;
	}
	n = len / stride;
	for (i = 0; i < n; i++) {
		const uint8_t *e = reg + i * stride;

		want_a = ac == 1 ? fdt32_ld((const fdt32_t *)e) : fdt64_ld((const fdt64_t *)e);
		e += 4 * ac;
		want_s = sc == 0 ? 0 : sc == 1 ? fdt32_ld((const fdt32_t *)e) :
			 fdt64_ld((const fdt64_t *)e);
		assert_int_equal(dt_reg(dt, node, (unsigned)i, &a, &s), 0);
		assert_int_equal(a, want_a);
		assert_int_equal(s, want_s);
		g_reg_entries_compared++;
	}
	assert_int_equal(dt_reg(dt, node, (unsigned)n, &a, &s), -DT_ERR_NOTFOUND);
}

static void crosscheck_compatible(const struct dt *dt, const void *fdt, int node)
{
	int i, n = fdt_stringlist_count(fdt, node, "compatible");

	for (i = 0; i < n; i++) {
		const char *compat = fdt_stringlist_get(fdt, node, "compatible", i, NULL);
		int mine = -1, theirs = -1;

		assert_ptr_equal(dt_prop_str_at(dt, node, "compatible", (unsigned)i), compat);
		assert_true(dt_is_compatible(dt, node, compat));
		assert_int_equal(fdt_node_check_compatible(fdt, node, compat), 0);
		do {
			mine = dt_find_compatible(dt, mine, compat);
			theirs = fdt_node_offset_by_compatible(fdt, theirs, compat);
			assert_int_equal(mine, theirs < 0 ? -DT_ERR_NOTFOUND : theirs);
		} while (mine >= 0);
	}
	assert_false(dt_is_compatible(dt, node, "hb,no-such-device"));
}

static void crosscheck_node(const struct dt *dt, const void *fdt, int node)
{
	char path[1024];
	const char *fname, *name;
	int flen, fprop, prop = dt_first_prop(dt, node), mine, theirs;
	uint32_t len;

	fname = fdt_get_name(fdt, node, &flen);
	assert_string_equal(dt_node_name(dt, node), fname);
	assert_int_equal(dt_first_child(dt, node), fdt_first_subnode(fdt, node));
	if (node != 0) {
		assert_int_equal(dt_parent(dt, node), fdt_parent_offset(fdt, node));
		assert_int_equal(dt_next_sibling(dt, node), fdt_next_subnode(fdt, node));
	}
	assert_int_equal(fdt_get_path(fdt, node, path, sizeof(path)), 0);
	assert_int_equal(dt_path(dt, path), fdt_path_offset(fdt, path));

	fdt_for_each_property_offset(fprop, fdt, node) {
		const void *fvalue = fdt_getprop_by_offset(fdt, fprop, &fname, &flen);
		const void *value = dt_prop_entry(dt, prop, &name, &len);

		assert_int_equal(prop, fprop);
		assert_ptr_equal(value, fvalue);
		assert_string_equal(name, fname);
		assert_int_equal(len, flen);
		assert_ptr_equal(dt_prop(dt, node, name, NULL), fdt_getprop(fdt, node, fname, NULL));
		prop = dt_next_prop(dt, prop);
	}
	assert_int_equal(prop, -DT_ERR_NOTFOUND);

	theirs = fdt_address_cells(fdt, node);
	mine = dt_address_cells(dt, node);
	if (theirs >= 0)
		assert_int_equal(mine, theirs);
	else
		assert_true(mine <= 0);
	theirs = fdt_size_cells(fdt, node);
	mine = dt_size_cells(dt, node);
	if (theirs >= 0)
		assert_int_equal(mine, theirs);
	else
		assert_true(mine < 0);
	if (node != 0)
		crosscheck_reg(dt, fdt, node);
	crosscheck_compatible(dt, fdt, node);
}

static void crosscheck(const struct blob *b)
{
	const void *fdt = b->data;
	struct dt dt;
	uint64_t a, s, fa, fs;
	int fnode, depth = 0, node = 0, i, nodes = 0;

	assert_int_equal(fdt_check_header(fdt), 0);
	open_ok(&dt, b);
	assert_int_equal(dt_total_size(&dt), fdt_totalsize(fdt));
	for (fnode = fdt_next_node(fdt, -1, &depth); fnode >= 0;
	     fnode = fdt_next_node(fdt, fnode, &depth)) {
		assert_int_equal(node, fnode);
		crosscheck_node(&dt, fdt, node);
		node = dt_next_node(&dt, node);
		nodes++;
	}
	assert_int_equal(node, -DT_ERR_NOTFOUND);
	assert_true(nodes > 3);

	for (i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		assert_int_equal(fdt_get_mem_rsv(fdt, i, &fa, &fs), 0);
		assert_int_equal(dt_memreserve(&dt, (unsigned)i, &a, &s), 0);
		assert_int_equal(a, fa);
		assert_int_equal(s, fs);
	}
	assert_int_equal(dt_memreserve(&dt, (unsigned)i, &a, &s), -DT_ERR_NOTFOUND);
}

static void test_libfdt_crosscheck_dtc(void **state)
{
	g_reg_entries_compared = 0;
	crosscheck(&g_basic);
	crosscheck(&g_basic_v16);
	crosscheck(&g_cpus64);
	crosscheck(&g_bad);
	assert_true(g_reg_entries_compared >= 20);
}

static void check_qemu_semantics(const struct qemu_config *q)
{
	bool gic3 = strstr(q->machine_opts, "gic-version=3") != NULL;
	struct dt dt;
	struct dt_range r[8];
	uint64_t m[16], a, s;
	const char *stdout_path;
	unsigned i;
	int node, count = 0;

	open_ok(&dt, &q->dtb);
	assert_int_equal(dt_cpu_mpidrs(&dt, m, 16), (int)q->smp);
	for (i = 0; i < q->smp; i++)
		assert_int_equal(m[i], i);
	assert_int_equal(dt_memory_ranges(&dt, r, 8), 1);
	assert_int_equal(r[0].base, 0x40000000);
	assert_int_equal(r[0].size, q->mem);
	count = dt_reserved_ranges(&dt, r, 8);
	assert_true(count >= 1);
	assert_int_equal(r[count - 1].base, (uintptr_t)q->dtb.data);
	assert_int_equal(r[count - 1].size, dt_total_size(&dt));

	node = dt_find_compatible(&dt, -1, gic3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
	assert_true(node > 0);
	assert_int_equal(dt_reg_phys(&dt, node, 0, &a, &s), 0);
	assert_int_equal(a, 0x08000000);
	assert_int_equal(s, 0x10000);
	if (!gic3) {
		/* GICC, GICH, GICV follow GICD with virtualization=on. */
		static const uint64_t bases[] = { 0x08010000, 0x08030000, 0x08040000 };

		for (i = 0; i < ARRAY_SIZE(bases); i++) {
			assert_int_equal(dt_reg(&dt, node, i + 1, &a, &s), 0);
			assert_int_equal(a, bases[i]);
		}
	}

	stdout_path = dt_prop_str(&dt, dt_path(&dt, "/chosen"), "stdout-path");
	assert_non_null(stdout_path);
	node = dt_path_n(&dt, stdout_path, strcspn(stdout_path, ":"));
	assert_true(dt_is_compatible(&dt, node, "arm,pl011"));
	assert_int_equal(dt_reg_phys(&dt, node, 0, &a, &s), 0);
	assert_int_equal(a, 0x09000000);

	node = dt_path(&dt, "/psci");
	assert_true(dt_is_compatible(&dt, node, "arm,psci-0.2"));
	assert_string_equal(dt_prop_str(&dt, node, "method"), "smc");

	count = 0;
	for (node = dt_find_compatible(&dt, -1, "virtio,mmio"); node >= 0;
	     node = dt_find_compatible(&dt, node, "virtio,mmio"))
		count++;
	assert_int_equal(count, 32);
}

static void test_qemu_dtbs(void **state)
{
	size_t i, found = 0;

	for (i = 0; i < ARRAY_SIZE(g_qemu); i++) {
		if (!g_qemu[i].dtb.data)
			continue;
		found++;
		crosscheck(&g_qemu[i].dtb);
		check_qemu_semantics(&g_qemu[i]);
	}
	if (found == 0)
		skip();
	assert_int_equal(found, ARRAY_SIZE(g_qemu));
}

/* ------------------------------------------------- mutation sweep */

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)(g_rng >> 16);
}

/* Runs the fuzz target over deterministic mutations of base; each mutant
 * sits in an exact-size heap buffer so ASan sees any over-read. */
static void mutation_sweep(const uint8_t *base, size_t size, unsigned iterations)
{
	static const uint32_t interesting[] = { 0, 1, 2, 3, 4, 9, 0xffffffff, 0x7ffffffc,
						0x80000000, 0xfffffff0, 40, 0xd00dfeed };
	uint8_t *work = malloc(size);
	struct dt dt;
	unsigned it, opened = 0, rejected = 0, i, n;

	assert_non_null(work);
	assert_int_equal(dt_open(&dt, base, size), 0);
	for (it = 0; it < iterations; it++) {
		size_t len = size;
		uint32_t word = (dt.struct_off + 4 * (rnd() % (dt.struct_size / 4)));
		uint8_t *copy;

		memcpy(work, base, size);
		switch (rnd() % 6) {
		case 0:
			for (i = 0, n = 1 + rnd() % 8; i < n; i++)
				work[rnd() % size] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			put_be32(work + word, interesting[rnd() % 6]);
			break;
		case 2:
			put_be32(work + 4 * (rnd() % 10), interesting[rnd() % ARRAY_SIZE(interesting)]);
			break;
		case 3:
			len = rnd() % size;
			break;
		case 4:
			put_be32(work + word, interesting[rnd() % ARRAY_SIZE(interesting)]);
			break;
		default:
			for (i = 0, n = 1 + rnd() % 4; i < n; i++)
				work[rnd() % size] = (uint8_t)rnd();
			break;
		}
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, work, len);
		LLVMFuzzerTestOneInput(copy, len);
		if (dt_open(&dt, copy, len) == 0)
			opened++;
		else
			rejected++;
		free(copy);
		assert_int_equal(dt_open(&dt, base, size), 0);
	}
	free(work);
	/* Both the error paths and the deep APIs must have been reached. */
	assert_true(opened > iterations / 10);
	assert_true(rejected > iterations / 10);
}

static void test_mutations(void **state)
{
	uint8_t *packed;
	size_t i;

	mutation_sweep(g_basic.data, g_basic.size, 2000);
	for (i = 0; i < ARRAY_SIZE(g_qemu); i++) {
		if (!g_qemu[i].dtb.data)
			continue;
		/* QEMU pads its blob to 1 MiB: pack it so mutations hit the tree. */
		packed = malloc(g_qemu[i].dtb.size);
		assert_non_null(packed);
		assert_int_equal(fdt_open_into(g_qemu[i].dtb.data, packed, (int)g_qemu[i].dtb.size), 0);
		assert_int_equal(fdt_pack(packed), 0);
		mutation_sweep(packed, fdt_totalsize(packed), 1500);
		free(packed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_struct_errors),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_failed_open_is_inert),
		cmocka_unit_test(test_garbage_handles),
		cmocka_unit_test(test_nops_and_empty_props),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_walk_and_paths),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_reg_cells),
		cmocka_unit_test(test_reg_phys),
		cmocka_unit_test(test_compatible),
		cmocka_unit_test(test_memory_and_reservations),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_version16),
		cmocka_unit_test(test_libfdt_crosscheck_dtc),
		cmocka_unit_test(test_qemu_dtbs),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
