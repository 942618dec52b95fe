/* Host tests for core/config: small configs compiled with dtc at test time,
 * each checked for the exact, complete list of messages it must produce. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "tests/unit/pkg_builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);	/* tests/fuzz/fuzz_config.c */

#define MAX_MSGS 64
#define CORRUPT_NAME "corrupt.bin"

static char g_tmpdir[] = "/tmp/hb_test_config.XXXXXX";
static uint8_t *g_pkg_buf;
static struct package g_pkg;
static struct hyp_config g_cfg;
static struct config_limits_in g_lim;
static char g_msgs[MAX_MSGS][CONFIG_MSG_MAX];
static unsigned g_msg_count;
static uint8_t g_dtb[1 << 16];
static size_t g_dtb_size;

static const struct mem_range g_forbidden[] = {
	{ 0x08000000, 0x00050000 },	/* GIC */
	{ 0x40200000, 0x00200000 },	/* hypervisor */
};
static const uint32_t g_forbidden_irqs[] = { 33 };
/* Free RAM a dma-ram region may take; the second range lies under the
 * default VM's RAM window, to test the IPA overlap. */
static const struct mem_range g_identity_ram[] = {
	{ 0x20000000, 0x10000000 },
	{ 0x40800000, 0x00800000 },
};

/* ------------------------------------------------------------ fixtures */

static uint8_t *image_file(size_t size, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	uint8_t *f = calloc(1, size);

	memcpy(f + 0x38, "ARM\x64", 4);
	pkgb_put64(f + 8, text_offset);
	pkgb_put64(f + 16, image_size);
	pkgb_put64(f + 24, flags);
	return f;
}

static uint8_t *filled(size_t size, uint8_t first)
{
	uint8_t *f = malloc(size);

	memset(f, 0x42, size);
	f[0] = first;
	if (first == 0xd0) {
		f[1] = 0x0d, f[2] = 0xfe, f[3] = 0xed;	/* DTB magic */
	}
	return f;
}

static int group_setup(void **state)
{
	struct pkgb_file files[] = {
		{ "flat.bin", filled(4096, 0x14), 4096 },
		{ "image.bin", image_file(8192, 0, 0x200000, 0xa), 8192 },
		{ "image-off.bin", image_file(8192, 0x80000, 0x100000, 0xa), 8192 },
		{ "image-be.bin", image_file(8192, 0, 0x200000, 0xb), 8192 },
		{ "image-old.bin", image_file(8192, 0, 0, 0xa), 8192 },
		{ "image-huge.bin", image_file(8192, 0, 0x2000000, 0xa), 8192 },
		{ "image-toff.bin", image_file(8192, 0xfffffffffff00000ULL, 0x200000, 0xa), 8192 },
		{ "guest.dtb", filled(256, 0xd0), 256 },
		{ "big.dtb", filled(0x201000, 0xd0), 0x201000 },
		{ "notdtb.dtb", filled(64, 0), 64 },
		{ "initrd.img", filled(10000, 7), 10000 },
		{ "empty.bin", NULL, 0 },
		{ CORRUPT_NAME, filled(100, 1), 100 },
	};
	static const uint8_t config[] = { 0xd0, 0x0d, 0xfe, 0xed };
	struct package_file f;
	size_t size, cap = 4 << 20, i;

	if (!mkdtemp(g_tmpdir))
		return -1;
	g_pkg_buf = malloc(cap);
	size = pkgb_build(g_pkg_buf, cap, config, sizeof(config), files, ARRAY_SIZE(files));
	for (i = 0; i < ARRAY_SIZE(files); i++)
		free((void *)files[i].data);
	if (!size || package_open(g_pkg_buf, size, &g_pkg) != 0 ||
	    package_find(&g_pkg, CORRUPT_NAME, &f) < 0)
		return -1;
	g_pkg_buf[f.data - g_pkg_buf + 50] ^= 0xff;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	free(g_pkg_buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int reset_limits(void **state)
{
	g_lim = (struct config_limits_in){
		.online_cpus = 4,
		.ram_available = 256ULL << 20,
		.forbidden = g_forbidden,
		.forbidden_count = ARRAY_SIZE(g_forbidden),
		.forbidden_irqs = g_forbidden_irqs,
		.forbidden_irq_count = ARRAY_SIZE(g_forbidden_irqs),
		.identity_ram = g_identity_ram,
		.identity_ram_count = ARRAY_SIZE(g_identity_ram),
	};
	return 0;
}

static void collect(void *ctx, const char *msg)
{
	assert_ptr_equal(ctx, &g_msg_count);
	assert_true(strlen(msg) < CONFIG_MSG_MAX);
	if (g_msg_count < MAX_MSGS)
		snprintf(g_msgs[g_msg_count], CONFIG_MSG_MAX, "%s", msg);
	g_msg_count++;
}

/* Compiles DTS text with dtc into g_dtb. */
static void compile(const char *dts)
{
	char src[256], dtb[256], cmd[700];
	FILE *f;

	snprintf(src, sizeof(src), "%s/c.dts", g_tmpdir);
	snprintf(dtb, sizeof(dtb), "%s/c.dtb", g_tmpdir);
	f = fopen(src, "w");
	assert_non_null(f);
	fputs(dts, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s", dtb, src);
	if (system(cmd) != 0)
		fail_msg("dtc refused:\n%s", dts);
	f = fopen(dtb, "rb");
	assert_non_null(f);
	g_dtb_size = fread(g_dtb, 1, sizeof(g_dtb), f);
	fclose(f);
}

static int parse_blob(void)
{
	g_msg_count = 0;
	return config_parse_dtb(g_dtb, g_dtb_size, &g_pkg, &g_lim, &g_cfg, collect, &g_msg_count);
}

/* A whole config: the given /hypervisor node (or "") and the /vms contents
 * (NULL-terminated pieces, usually VM() nodes). */
static int parse_vms(const char *hyp, const char *const *vms)
{
	static char dts[1 << 15];
	size_t n, i;

	n = (size_t)snprintf(dts, sizeof(dts),
			     "/dts-v1/;\n/ {\n\tcompatible = \"hyperberry,config-v1\";\n%s\n\tvms {\n",
			     hyp);
	for (i = 0; vms[i]; i++)
		n += (size_t)snprintf(dts + n, sizeof(dts) - n, "%s", vms[i]);
	snprintf(dts + n, sizeof(dts) - n, "\t};\n};\n");
	compile(dts);
	return parse_blob();
}

#define PARSE(hyp, ...) parse_vms(hyp, (const char *const[]){ __VA_ARGS__, NULL })

/* Renames in a compiled blob (same length): makes trees dtc would refuse. */
static void patch_blob(const char *from, const char *to)
{
	size_t len = strlen(from), i;

	assert_int_equal(strlen(to), len);
	for (i = 0; i + len <= g_dtb_size; i++) {
		if (memcmp(g_dtb + i, from, len) == 0) {
			memcpy(g_dtb + i, to, len);
			return;
		}
	}
	fail_msg("'%s' not in the blob", from);
}

static const char *const g_defaults[] = {
	"kernel = \"flat.bin\";",
	"kernel-ipa = <0x0 0x40000000>;",
	"ram = <0x0 0x40000000 0x0 0x01000000>;",
	"vcpus = <1>;",
	"cpu-affinity = <0>;",
};

/* The text of one VM node: the defaults, each replaced by an override of the
 * same property ("ram = <...>;") or dropped by "-ram"; other lines appended. */
static const char *vm_text(const char *name, const char *const *props)
{
	static char pool[10][2048];
	static unsigned next;
	char *out = pool[next++ % 10];
	size_t i, j, n = 0;

	n += (size_t)snprintf(out + n, 2048 - n, "\t\t%s {\n", name);
	for (i = 0; i < ARRAY_SIZE(g_defaults); i++) {
		size_t len = strcspn(g_defaults[i], " ");
		bool replaced = false;

		for (j = 0; props[j]; j++) {
			const char *p = props[j][0] == '-' ? props[j] + 1 : props[j];

			replaced |= strncmp(p, g_defaults[i], len) == 0 &&
				    (p[len] == ' ' || p[len] == ';' || p[len] == '\0');
		}
		if (!replaced)
			n += (size_t)snprintf(out + n, 2048 - n, "\t\t\t%s\n", g_defaults[i]);
	}
	for (j = 0; props[j]; j++) {
		if (props[j][0] != '-')
			n += (size_t)snprintf(out + n, 2048 - n, "\t\t\t%s\n", props[j]);
	}
	snprintf(out + n, 2048 - n, "\t\t};\n");
	return out;
}

/* VM(name, props...): the node text, for PARSE(). */
static const char *vm_args(const char *const *args)
{
	return vm_text(args[0], args + 1);
}

#define VM(...) vm_args((const char *const[]){ __VA_ARGS__, NULL })

static bool has_msg(const char *msg)
{
	unsigned i;

	for (i = 0; i < g_msg_count && i < MAX_MSGS; i++) {
		if (strcmp(g_msgs[i], msg) == 0)
			return true;
	}
	return false;
}

static int g_case = -1;	/* index in the running rule table, for failure messages */

static void dump_msgs(void)
{
	unsigned i;

	if (g_case >= 0)
		print_message("    in case %d of the table\n", g_case);
	for (i = 0; i < g_msg_count && i < MAX_MSGS; i++)
		print_message("    got: %s\n", g_msgs[i]);
}

/* The parse found exactly these messages (NULL-terminated), no others. */
static void expect_exactly(int errors, const char *const *msgs)
{
	unsigned n;

	for (n = 0; msgs[n]; n++) {
		if (!has_msg(msgs[n])) {
			dump_msgs();
			fail_msg("missing message: %s", msgs[n]);
		}
	}
	if ((unsigned)errors != n || g_msg_count != n) {
		dump_msgs();
		fail_msg("%d errors, %u messages; expected %u", errors, g_msg_count, n);
	}
}

#define EXPECT(errors, ...) expect_exactly(errors, (const char *const[]){ __VA_ARGS__, NULL })

/* ------------------------------------------------- single-VM rule table */

struct vm_case {
	const char *props[8];	/* as for VM() */
	const char *msgs[6];	/* each after the prefix config: vm "linux1": */
};

static void run_cases(const struct vm_case *cases, size_t count)
{
	char want[6][CONFIG_MSG_MAX];
	const char *ptrs[7];
	size_t i, m;

	for (i = 0; i < count; i++) {
		int errors = PARSE("", vm_text("linux1", cases[i].props));

		for (m = 0; cases[i].msgs[m]; m++) {
			snprintf(want[m], CONFIG_MSG_MAX, "config: vm \"linux1\": %s", cases[i].msgs[m]);
			ptrs[m] = want[m];
		}
		ptrs[m] = NULL;
		g_case = (int)i;
		expect_exactly(errors, ptrs);
	}
	g_case = -1;
}

#define RUN_CASES(t) run_cases(t, ARRAY_SIZE(t))

static void test_accepts_good_vms(void **state)
{
	static const struct vm_case cases[] = {
		{ { NULL }, { NULL } },
		{ { "vcpus = <4>;", "cpu-affinity = <3 2 1 1>;" }, { NULL } },
		{ { "kernel-ipa = <0x0 0x40fff000>;" }, { NULL } },	/* ends at RAM's end */
		{ { "entry-ipa = <0x0 0x40000ffc>;" }, { NULL } },
		{ { "kernel = \"image.bin\";", "kernel-ipa = <0x0 0x40e00000>;" }, { NULL } },
		{ { "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x40800000>;", "initrd = \"initrd.img\";",
		    "initrd-ipa = <0x0 0x40900000>;" }, { NULL } },
		{ { "vuart = <0x0 0x09000000>;", "vuart-irq = <33>;",	/* virtual: 33 is fine */
		    "vgic = <0x0 0x08000000 0x0 0x08010000>;" }, { NULL } },
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x0a000000>,"
		    " <0x0 0x0a001000 0x0 0x1000 0x0 0x50000000>;" }, { NULL } },
		{ { "vgic = <0x0 0x08000000 0x0 0x08010000>;", "passthrough-irqs = <32 1019 40>;" },
		  { NULL } },
	};

	RUN_CASES(cases);
}

static void test_fields_are_stored(void **state)
{
	const struct vm_config *vm;
	struct package_file f;

	EXPECT(PARSE("\thypervisor { time-slice-us = <5000>; };",
		     VM("linux1", "kernel = \"image-off.bin\";", "kernel-ipa = <0x0 0x40200000>;",
			"ram = <0x0 0x40000000 0x0 0x04000000>;", "vcpus = <2>;",
			"cpu-affinity = <1 2>;", "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x43e00000>;",
			"initrd = \"initrd.img\";", "initrd-ipa = <0x0 0x43f00000>;",
			"vuart = <0x0 0x09000000>;", "vuart-irq = <33>;",
			"vgic = <0x0 0x08000000 0x0 0x08010000>;",
			"passthrough-mmio = <0x0 0x0a000000 0x0 0x2000 0x0 0x0c000000>;",
			"passthrough-irqs = <48 49>;"), VM("b", "vcpus = <1>;")),
	       NULL);
	assert_int_equal(g_cfg.time_slice_us, 5000);
	assert_int_equal(g_cfg.vm_count, 2);
	vm = &g_cfg.vms[0];
	assert_string_equal(vm->name, "linux1");
	assert_int_equal(vm->kernel_format, VM_KERNEL_ARM64_IMAGE);
	assert_int_equal(vm->kernel_flags, 0xa);
	assert_true(vm->kernel.present);
	assert_int_equal(package_file_at(&g_pkg, vm->kernel.file, &f), 0);
	assert_string_equal(f.name, "image-off.bin");
	assert_int_equal(vm->kernel.file_size, 8192);
	assert_int_equal(vm->kernel.load_ipa, 0x40280000);	/* + text_offset */
	assert_int_equal(vm->kernel.footprint, 0x100000);
	assert_int_equal(vm->entry_ipa, 0x40280000);
	assert_true(vm->dtb.present && vm->initrd.present);
	assert_int_equal(vm->dtb.load_ipa, 0x43e00000);
	assert_int_equal(vm->dtb.file_size, 256);
	assert_int_equal(package_file_at(&g_pkg, vm->initrd.file, &f), 0);
	assert_string_equal(f.name, "initrd.img");
	assert_int_equal(vm->initrd.load_ipa, 0x43f00000);
	assert_int_equal(vm->ram_ipa, 0x40000000);
	assert_int_equal(vm->ram_size, 0x04000000);
	assert_int_equal(vm->vcpu_count, 2);
	assert_int_equal(vm->cpu_affinity[0], 1);
	assert_int_equal(vm->cpu_affinity[1], 2);
	assert_true(vm->has_vuart && vm->has_vgic);
	assert_int_equal(vm->vuart_ipa, 0x09000000);
	assert_int_equal(vm->vuart_irq, 33);
	assert_int_equal(vm->vgicd_ipa, 0x08000000);
	assert_int_equal(vm->vgicc_ipa, 0x08010000);
	assert_int_equal(vm->mmio_count, 1);
	assert_int_equal(vm->mmio[0].pa, 0x0a000000);
	assert_int_equal(vm->mmio[0].size, 0x2000);
	assert_int_equal(vm->mmio[0].ipa, 0x0c000000);
	assert_int_equal(vm->irq_count, 2);
	assert_int_equal(vm->irqs[1], 49);

	vm = &g_cfg.vms[1];
	assert_string_equal(vm->name, "b");
	assert_int_equal(vm->kernel_format, VM_KERNEL_FLAT);
	assert_int_equal(vm->kernel.load_ipa, 0x40000000);
	assert_int_equal(vm->kernel.footprint, 4096);
	assert_int_equal(vm->entry_ipa, 0x40000000);
	assert_false(vm->dtb.present || vm->initrd.present || vm->has_vuart || vm->has_vgic);
	assert_int_equal(vm->mmio_count + vm->irq_count, 0);
}

static void test_required_and_unknown(void **state)
{
	static const struct vm_case cases[] = {
		{ { "-kernel", "-kernel-ipa", "-ram", "-vcpus", "-cpu-affinity" },
		  { "kernel: missing", "kernel-ipa: missing", "ram: missing", "vcpus: missing",
		    "cpu-affinity: missing" } },
		{ { "foo = <1>;" }, { "unknown property 'foo'" } },
		{ { "virtio { };" },
		  { "unknown node 'virtio' (a VM takes virtio-blk@... and virtio-net@... nodes)" } },
		{ { "ram = <0x0 0x40000000 0x0 0x00100000>;", "vcpus = <9>;", "disk = \"x\";",
		    "vuart = <0x0 0x09000800>;", "kernel = \"nope.bin\";" },
		  { "ram: size 0x100000 is not a multiple of 2 MiB", "vcpus: 9 is out of range 1..8",
		    "unknown property 'disk'", "vuart: 0x9000800 is not 4 KiB aligned",
		    "kernel: 'nope.bin' is not in the package" } },
	};

	RUN_CASES(cases);
}

static void test_ram(void **state)
{
	static const struct vm_case cases[] = {
		{ { "ram = <0x0 0x40000000 0x0 0x00100000>;" },
		  { "ram: size 0x100000 is not a multiple of 2 MiB" } },
		{ { "ram = <0x0 0x40100000 0x0 0x01000000>;" },
		  { "ram: base 0x40100000 is not 2 MiB aligned" } },
		{ { "ram = <0x0 0x40000000 0x0 0x0>;" }, { "ram: size is 0" } },
		{ { "ram = <0x0 0x40000000 0x01000000>;" }, { "ram: expected 4 cells, found 12 bytes" } },
		{ { "ram = <0x100 0x0 0x0 0x01000000>;", "kernel-ipa = <0x100 0x0>;" },
		  { "ram: [0x10000000000, 0x10001000000) lies beyond the 40-bit IPA space" } },
		{ { "ram = <0xffffffff 0xffe00000 0x0 0x00400000>;" },
		  { "ram: [0xffffffffffe00000, +0x400000) lies beyond the 40-bit IPA space" } },
	};

	RUN_CASES(cases);
}

static void test_cpus(void **state)
{
	static const struct vm_case cases[] = {
		{ { "vcpus = <0>;" }, { "vcpus: 0 is out of range 1..8" } },
		{ { "vcpus = <9>;" }, { "vcpus: 9 is out of range 1..8" } },
		{ { "vcpus = <0x0 0x1>;" }, { "vcpus: expected 1 cell" } },
		{ { "vcpus = <2>;" }, { "cpu-affinity: 1 cores listed for 2 vcpus" } },
		{ { "cpu-affinity = <0 1>;" }, { "cpu-affinity: 2 cores listed for 1 vcpus" } },
		{ { "cpu-affinity = <4>;" }, { "cpu-affinity: core 4 is not online (4 cores)" } },
		{ { "cpu-affinity = [01];" }, { "cpu-affinity: expected a list of cells, found 1 bytes" } },
		{ { "cpu-affinity;" }, { "cpu-affinity: expected a list of cells, found 0 bytes" } },
	};

	RUN_CASES(cases);
}

static void test_kernel(void **state)
{
	static const struct vm_case cases[] = {
		{ { "kernel = \"nope.bin\";" }, { "kernel: 'nope.bin' is not in the package" } },
		{ { "kernel = \"empty.bin\";" }, { "kernel: 'empty.bin' is empty" } },
		{ { "kernel = \"corrupt.bin\";" }, { "kernel: 'corrupt.bin' is corrupt (CRC32 mismatch)" } },
		{ { "kernel = <1>;" }, { "kernel: expected one non-empty string" } },
		{ { "kernel = \"\";" }, { "kernel: expected one non-empty string" } },
		{ { "kernel = \"flat.bin\", \"x\";" }, { "kernel: expected one non-empty string" } },
		{ { "-kernel" }, { "kernel: missing (kernel-ipa is given)" } },
		{ { "-kernel-ipa" }, { "kernel-ipa: missing (kernel is given)" } },
		{ { "kernel-ipa = <0x40000000>;" }, { "kernel-ipa: expected 2 cells, found 4 bytes" } },
		{ { "kernel-ipa = <0x0 0x40fff800>;" },
		  { "kernel: [0x40fff800, 0x41000800) does not fit in ram [0x40000000, 0x41000000)" } },
		{ { "kernel-ipa = <0x0 0x3ffff000>;" },
		  { "kernel: [0x3ffff000, 0x40000000) does not fit in ram [0x40000000, 0x41000000)" } },
		{ { "entry-ipa = <0x0 0x40001000>;" },
		  { "entry-ipa: entry point 0x40001000 is outside the kernel [0x40000000, 0x40001000)" } },
		{ { "entry-ipa = <0x0 0x40000ffe>;" },
		  { "entry-ipa: entry point 0x40000ffe is not 4-byte aligned",
		    "entry-ipa: entry point 0x40000ffe is outside the kernel [0x40000000, 0x40001000)" } },
		{ { "entry-ipa = <0x0 0x40000002>;" },
		  { "entry-ipa: entry point 0x40000002 is not 4-byte aligned" } },
		{ { "kernel-ipa = <0x0 0x40000002>;" },
		  { "kernel-ipa: entry point 0x40000002 is not 4-byte aligned" } },
	};

	RUN_CASES(cases);
}

static void test_arm64_image(void **state)
{
	static const struct vm_case cases[] = {
		{ { "kernel = \"image.bin\";", "kernel-ipa = <0x0 0x40100000>;" },
		  { "kernel-ipa: 0x40100000 is not 2 MiB aligned (arm64 Image)" } },
		{ { "kernel = \"image-be.bin\";" }, { "kernel: arm64 Image is big-endian" } },
		{ { "kernel = \"image-old.bin\";" },
		  { "kernel: arm64 Image has image_size 0 (Linux before 3.17)" } },
		{ { "kernel = \"image-toff.bin\";" },
		  { "kernel: arm64 Image text_offset 0xfffffffffff00000 is too large" } },
		/* image_size, not the 8 KiB file, must fit. */
		{ { "kernel = \"image-huge.bin\";" },
		  { "kernel: [0x40000000, 0x42000000) does not fit in ram [0x40000000, 0x41000000)" } },
		{ { "kernel = \"image.bin\";", "kernel-ipa = <0x0 0x40e00000>;",
		    "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x40f00000>;" },
		  { "dtb: [0x40f00000, 0x40f00100) overlaps kernel [0x40e00000, 0x41000000)" } },
	};

	RUN_CASES(cases);
}

static void test_dtb_and_initrd(void **state)
{
	static const struct vm_case cases[] = {
		{ { "dtb = \"guest.dtb\";" }, { "dtb-ipa: missing (dtb is given)" } },
		{ { "dtb-ipa = <0x0 0x40800000>;" }, { "dtb: missing (dtb-ipa is given)" } },
		{ { "dtb = \"notdtb.dtb\";", "dtb-ipa = <0x0 0x40800000>;" },
		  { "dtb: 'notdtb.dtb' is not a device tree blob" } },
		{ { "dtb = \"big.dtb\";", "dtb-ipa = <0x0 0x40800000>;" },
		  { "dtb: 0x201000 bytes, more than the 2 MiB Linux accepts" } },
		/* A bad dtb is still placed: every problem shows at once. */
		{ { "dtb = \"big.dtb\";", "dtb-ipa = <0x0 0x40f00004>;" },
		  { "dtb: 0x201000 bytes, more than the 2 MiB Linux accepts",
		    "dtb-ipa: 0x40f00004 is not 8-byte aligned",
		    "dtb: [0x40f00004, 0x41101004) does not fit in ram [0x40000000, 0x41000000)" } },
		{ { "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x40800004>;" },
		  { "dtb-ipa: 0x40800004 is not 8-byte aligned" } },
		{ { "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x40000800>;" },
		  { "dtb: [0x40000800, 0x40000900) overlaps kernel [0x40000000, 0x40001000)" } },
		{ { "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x41000000>;" },
		  { "dtb: [0x41000000, 0x41000100) does not fit in ram [0x40000000, 0x41000000)" } },
		{ { "initrd = \"initrd.img\";" }, { "initrd-ipa: missing (initrd is given)" } },
		{ { "dtb = \"guest.dtb\";", "dtb-ipa = <0x0 0x40800000>;", "initrd = \"initrd.img\";",
		    "initrd-ipa = <0x0 0x40800080>;" },
		  { "initrd: [0x40800080, 0x40802790) overlaps dtb [0x40800000, 0x40800100)" } },
		{ { "initrd = \"initrd.img\";", "initrd-ipa = <0x0 0x40ffff00>;" },
		  { "initrd: [0x40ffff00, 0x41002610) does not fit in ram [0x40000000, 0x41000000)" } },
	};

	RUN_CASES(cases);
}

static void test_vuart_and_vgic(void **state)
{
	static const struct vm_case cases[] = {
		{ { "vuart = <0x0 0x40000000>;" },
		  { "vuart: [0x40000000, 0x40001000) overlaps ram [0x40000000, 0x41000000)" } },
		{ { "vuart = <0x0 0x09000800>;" }, { "vuart: 0x9000800 is not 4 KiB aligned" } },
		{ { "vuart = <0x100 0x0>;" },
		  { "vuart: [0x10000000000, 0x10000001000) lies beyond the 40-bit IPA space" } },
		{ { "vuart = <0x09000000>;" }, { "vuart: expected 2 cells, found 4 bytes" } },
		{ { "vuart-irq = <40>;" },
		  { "vuart-irq: given without vuart", "vuart-irq: needs a vgic" } },
		{ { "vuart = <0x0 0x09000000>;", "vuart-irq = <20>;",
		    "vgic = <0x0 0x08000000 0x0 0x08010000>;" },
		  { "vuart-irq: INTID 20 is not an SPI (32..1019)" } },
		{ { "vuart = <0x0 0x09000000>;", "vuart-irq = <40>;", "passthrough-irqs = <40>;",
		    "vgic = <0x0 0x08000000 0x0 0x08010000>;" },
		  { "vuart-irq: INTID 40 is also in passthrough-irqs" } },
		{ { "vgic = <0x0 0x08000000 0x0 0x08000000>;" },
		  { "vgic: CPU interface [0x8000000, 0x8002000) overlaps vgic distributor "
		    "[0x8000000, 0x8001000)" } },
		{ { "vuart = <0x0 0x08010000>;", "vgic = <0x0 0x08000000 0x0 0x08010000>;" },
		  { "vgic: CPU interface [0x8010000, 0x8012000) overlaps vuart [0x8010000, 0x8011000)" } },
		{ { "vgic = <0x0 0x08000000 0x08010000>;" }, { "vgic: expected 4 cells, found 12 bytes" } },
		{ { "vgic = <0x0 0x08000100 0x0 0x08010000>;" },
		  { "vgic: distributor 0x8000100 is not 4 KiB aligned" } },
		{ { "vgic = <0x0 0x40ff0000 0x0 0x08010000>;" },
		  { "vgic: distributor [0x40ff0000, 0x40ff1000) overlaps ram [0x40000000, 0x41000000)" } },
	};

	RUN_CASES(cases);
}

static void test_passthrough_mmio(void **state)
{
	static const struct vm_case cases[] = {
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0>;" },
		  { "passthrough-mmio: expected entries of 6 cells <PA size IPA>, found 20 bytes" } },
		{ { "passthrough-mmio = <0 0x1000 0 0x1000 0 0x1000>, <0 0x2000 0 0x1000 0 0x2000>,"
		    " <0 0x3000 0 0x1000 0 0x3000>, <0 0x4000 0 0x1000 0 0x4000>,"
		    " <0 0x5000 0 0x1000 0 0x5000>;" },
		  { "passthrough-mmio: 5 regions, at most 4" } },
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x0 0x0 0x0a000000>;" },
		  { "passthrough-mmio[0]: PA 0xa000000, size 0x0 and IPA 0xa000000 must be 4 KiB "
		    "aligned and the size non-zero" } },
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x0a000800>;" },
		  { "passthrough-mmio[0]: PA 0xa000000, size 0x1000 and IPA 0xa000800 must be 4 KiB "
		    "aligned and the size non-zero" } },
		{ { "passthrough-mmio = <0x0 0x08040000 0x0 0x2000 0x0 0x08040000>;" },
		  { "passthrough-mmio[0]: PA [0x8040000, 0x8042000) overlaps hypervisor memory "
		    "[0x8000000, 0x8050000)" } },
		{ { "passthrough-mmio = <0x0 0x40000000 0x0 0x400000 0x0 0x50000000>;" },
		  { "passthrough-mmio[0]: PA [0x40000000, 0x40400000) overlaps hypervisor memory "
		    "[0x40200000, 0x40400000)" } },
		{ { "passthrough-mmio = <0x100000 0x0 0x0 0x1000 0x0 0x0a000000>;" },
		  { "passthrough-mmio[0]: PA [0x10000000000000, 0x10000000001000) lies beyond the "
		    "44-bit physical address space" } },
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x40fff000>;" },
		  { "passthrough-mmio[0]: IPA [0x40fff000, 0x41000000) overlaps ram "
		    "[0x40000000, 0x41000000)" } },
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x100 0x0>;" },
		  { "passthrough-mmio[0]: IPA [0x10000000000, 0x10000001000) lies beyond the 40-bit "
		    "IPA space" } },
		{ { "passthrough-mmio = <0x0 0x0a000000 0x0 0x2000 0x0 0x0a000000>,"
		    " <0x0 0x0a001000 0x0 0x1000 0x0 0x0b000000>;" },
		  { "passthrough-mmio[1]: PA [0xa001000, 0xa002000) overlaps passthrough-mmio[0]" } },
		{ { "vgic = <0x0 0x08000000 0x0 0x08010000>;",
		    "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x08011000>;" },
		  { "passthrough-mmio[0]: IPA [0x8011000, 0x8012000) overlaps vgic CPU interface "
		    "[0x8010000, 0x8012000)" } },
	};

	RUN_CASES(cases);
}

/* A DMA-capable device (dma-mmio) only together with dma-ram (IPA == PA):
 * without an IOMMU the device uses physical addresses. */
static void test_dma_ram_and_dma_mmio(void **state)
{
	const char *dev = "passthrough-mmio = <0x0 0xfe340000 0x0 0x1000 0x0 0x0a000000>;";
	const char *dma = "dma-ram = <0x0 0x20000000 0x0 0x200000>;";
	static const struct vm_case cases[] = {
		{ { "passthrough-mmio = <0x0 0xfe340000 0x0 0x1000 0x0 0x0a000000>;",
		    "dma-mmio = <0>;" },
		  { "dma-mmio: passthrough-mmio[0] does DMA, which needs a dma-ram region "
		    "(IPA == PA): there is no IOMMU" } },
		{ { "passthrough-mmio = <0x0 0xfe340000 0x0 0x1000 0x0 0x0a000000>;",
		    "dma-ram = <0x0 0x20000000 0x0 0x200000>;", "dma-mmio = <1>;" },
		  { "dma-mmio: 1 names no passthrough-mmio region (the VM has 1)" } },
		{ { "dma-ram = <0x0 0x20000000 0x0 0x200000>;", "dma-mmio = <0>;" },
		  { "dma-mmio: 0 names no passthrough-mmio region (the VM has 0)" } },
		{ { "passthrough-mmio = <0x0 0xfe340000 0x0 0x1000 0x0 0x0a000000>;",
		    "dma-ram = <0x0 0x20000000 0x0 0x200000>;", "dma-mmio = <0 0>;" },
		  { "dma-mmio: 0 is listed twice" } },
		{ { "dma-mmio = <>;" }, { "dma-mmio: expected a list of cells, found 0 bytes" } },
		{ { "dma-ram = <0x0 0x20001000 0x0 0x200000>;" },
		  { "dma-ram: PA 0x20001000 and size 0x200000 must be 2 MiB aligned and the size "
		    "non-zero" } },
		{ { "dma-ram = <0x0 0x20000000 0x0 0x0>;" },
		  { "dma-ram: PA 0x20000000 and size 0x0 must be 2 MiB aligned and the size "
		    "non-zero" } },
		{ { "dma-ram = <0x20000000 0x200000>;" }, { "dma-ram: expected 4 cells, found 8 bytes" } },
		{ { "dma-ram = <0x0 0x2fe00000 0x0 0x400000>;" },
		  { "dma-ram: [0x2fe00000, 0x30200000) is not free RAM of this machine" } },
		{ { "dma-ram = <0x0 0x40200000 0x0 0x200000>;" },	/* the hypervisor */
		  { "dma-ram: [0x40200000, 0x40400000) is not free RAM of this machine" } },
		{ { "dma-ram = <0x0 0x40800000 0x0 0x200000>;" },
		  { "dma-ram: [0x40800000, 0x40a00000) overlaps ram [0x40000000, 0x41000000)" } },
		{ { "passthrough-mmio = <0x0 0xfe340000 0x0 0x1000 0x0 0x20000000>;",
		    "dma-ram = <0x0 0x20000000 0x0 0x200000>;" },
		  { "dma-ram: [0x20000000, 0x20200000) overlaps passthrough-mmio[0] "
		    "[0x20000000, 0x20001000)" } },
	};
	const struct vm_config *vm;

	RUN_CASES(cases);
	/* Accepted, and stored as VM creation needs it. */
	EXPECT(PARSE("", VM("a", dev, dma, "dma-mmio = <0>;")), NULL);
	vm = &g_cfg.vms[0];
	assert_int_equal(vm->dma_ram_pa, 0x20000000);
	assert_int_equal(vm->dma_ram_size, 0x200000);
	assert_int_equal(vm->dma_mmio_mask, 1);
	/* dma-ram alone is allowed (no DMA device yet); none means size 0. */
	EXPECT(PARSE("", VM("a", dma), VM("b")), NULL);
	assert_int_equal(g_cfg.vms[1].dma_ram_size, 0);
	/* Between VMs: never the same physical RAM; it counts as guest RAM. */
	EXPECT(PARSE("", VM("a", "dma-ram = <0x0 0x20200000 0x0 0x200000>;"),
			 VM("b", "dma-ram = <0x0 0x20000000 0x0 0x400000>;")),
	       "config: vm \"b\": dma-ram: [0x20000000, 0x20400000) overlaps the dma-ram "
	       "[0x20200000, 0x20400000) of vm \"a\"");
	EXPECT(PARSE("", VM("a", "ram = <0x0 0x40000000 0x0 0x0c000000>;",
			    "dma-ram = <0x0 0x20000000 0x0 0x08000000>;")),
	       "config: /vms: total guest memory (RAM, dma-ram, RAM disks) 0x14000000 is more than "
	       "the 0x10000000 available");
	/* A machine that offers no identity RAM refuses every dma-ram. */
	g_lim.identity_ram_count = 0;
	EXPECT(PARSE("", VM("a", dma)),
	       "config: vm \"a\": dma-ram: [0x20000000, 0x20200000) is not free RAM of this machine");
}

static void test_passthrough_irqs(void **state)
{
	static const struct vm_case cases[] = {
		{ { "vgic = <0 0x08000000 0 0x08010000>;", "passthrough-irqs = <31>;" },
		  { "passthrough-irqs: INTID 31 is not an SPI (32..1019)" } },
		{ { "vgic = <0 0x08000000 0 0x08010000>;", "passthrough-irqs = <1020>;" },
		  { "passthrough-irqs: INTID 1020 is not an SPI (32..1019)" } },
		{ { "vgic = <0 0x08000000 0 0x08010000>;", "passthrough-irqs = <40 41 40>;" },
		  { "passthrough-irqs: INTID 40 is listed twice" } },
		{ { "vgic = <0 0x08000000 0 0x08010000>;", "passthrough-irqs = <33>;" },
		  { "passthrough-irqs: INTID 33 is used by the hypervisor" } },
		{ { "passthrough-irqs = <40>;" }, { "passthrough-irqs: needs a vgic" } },
		/* A malformed vgic is one error, not also "needs a vgic". */
		{ { "vgic = <0 0x08000100 0 0x08010000>;", "passthrough-irqs = <40>;" },
		  { "vgic: distributor 0x8000100 is not 4 KiB aligned" } },
		{ { "vgic = <0 0x08000000 0 0x08010000>;",
		    "passthrough-irqs = <40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56>;" },
		  { "passthrough-irqs: 17 entries, at most 16" } },
		{ { "vgic = <0 0x08000000 0 0x08010000>;", "passthrough-irqs;" },
		  { "passthrough-irqs: expected a list of cells, found 0 bytes" } },
	};

	RUN_CASES(cases);
	g_lim.max_intid = 287;
	EXPECT(PARSE("", VM("linux1", "vgic = <0 0x08000000 0 0x08010000>;",
			   "passthrough-irqs = <287 288>;")),
	       "config: vm \"linux1\": passthrough-irqs: INTID 288 is not an SPI (32..287)");
}

static void test_vm_names(void **state)
{
	EXPECT(PARSE("", VM("Linux")),
	       "config: vm #0: name: node name \"Linux\" is not 1 to 15 characters from [a-z0-9_-]");
	EXPECT(PARSE("", VM("a"), VM("vm@1")),
	       "config: vm #1: name: node name \"vm@1\" is not 1 to 15 characters from [a-z0-9_-]");
	EXPECT(PARSE("", VM("abcdefghijklmnop")),
	       "config: vm #0: name: node name \"abcdefghijklmnop\" is not 1 to 15 characters "
	       "from [a-z0-9_-]");
	EXPECT(PARSE("", VM("abcdefghijklmno"), VM("x_1-2")), NULL);
	assert_string_equal(g_cfg.vms[0].name, "abcdefghijklmno");

	/* dtc merges nodes of one name, so make a duplicate by editing the blob. */
	PARSE("", VM("dupone"), VM("duptwo"));
	patch_blob("duptwo", "dupone");
	EXPECT(parse_blob(), "config: vm \"dupone\": name: also used by vm #0");
}

static void test_duplicate_property(void **state)
{
	PARSE("", VM("linux1", "vcpuz = <1>;"));
	patch_blob("vcpuz", "vcpus");
	EXPECT(parse_blob(), "config: vm \"linux1\": vcpus: given twice");
}

static void test_between_vms(void **state)
{
	const char *gic = "vgic = <0 0x08000000 0 0x08010000>;";
	char vms[8192] = "";
	int i;

	EXPECT(PARSE("", VM("a", "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x0a000000>;"),
			 VM("b", "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x0b000000>;")),
	       "config: vm \"b\": passthrough-mmio[0]: PA [0xa000000, 0xa001000) is also given to "
	       "vm \"a\"");
	EXPECT(PARSE("", VM("a", gic, "passthrough-irqs = <40 41>;"),
			 VM("b", gic, "passthrough-irqs = <42 41>;")),
	       "config: vm \"b\": passthrough-irqs: INTID 41 is also given to vm \"a\"");
	/* Same IPAs and cores in different VMs are fine: separate address spaces. */
	for (i = 0; i < MAX_VMS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm%d", i);
		strcat(vms, VM(name, "vuart = <0x0 0x09000000>;"));
	}
	EXPECT(PARSE("", vms), NULL);
	assert_int_equal(g_cfg.vm_count, MAX_VMS);
	strcat(vms, VM("extra"));
	EXPECT(PARSE("", vms), "config: /vms: 9 VMs, at most 8 are supported");
	EXPECT(PARSE("", VM("a", "ram = <0x0 0x40000000 0x0 0x0c000000>;"),
			 VM("b", "ram = <0x0 0x40000000 0x0 0x0c000000>;")),
	       "config: /vms: total guest memory (RAM, dma-ram, RAM disks) 0x18000000 is more than the 0x10000000 "
	       "available");
	EXPECT(PARSE("", VM("a", "ram = <0x0 0x40000000 0x0 0x08000000>;"),
			 VM("b", "ram = <0x0 0x40000000 0x0 0x08000000>;")),
	       NULL);
}

#define BLK(unit, body) "virtio-blk@" unit " { " body " };"
#define NET(unit, body) "virtio-net@" unit " { " body " };"
#define GIC "vgic = <0 0x08000000 0 0x08010000>;"

static void test_virtio_good(void **state)
{
	const struct vm_config *vm;
	const struct vm_virtio_config *d;

	g_lim.disk_bytes = 0x10000000;
	EXPECT(PARSE("", VM("a", GIC,
			   BLK("a000000", "ipa = <0 0x0a000000>; interrupt = <48>; ramdisk = \"initrd.img\";"),
			   BLK("a000200", "ipa = <0 0x0a000200>; interrupt = <49>; size = <0 0x100000>; "
				"ramdisk = \"initrd.img\"; read-only;"),
			   NET("a000400", "ipa = <0 0x0a000400>; interrupt = <50>; "
				"mac = [52 54 00 00 00 01];"),
			   BLK("a000600", "ipa = <0 0x0a000600>; interrupt = <51>; "
				"disk = <0 0x100000 0 0x200000>;")),
		     VM("b", GIC, BLK("a000000", "ipa = <0 0x0a000000>; interrupt = <48>; "
				      "disk = <0 0x300000 0 0x200000>;"),
			NET("a000400", "ipa = <0 0x0a000400>; interrupt = <50>; "
			    "mac = [52 54 00 00 00 02];"))),
	       NULL);
	vm = &g_cfg.vms[0];
	assert_int_equal(vm->virtio_count, 4);
	d = &vm->virtio[0];
	assert_int_equal(d->type, VM_VIRTIO_BLK);
	assert_int_equal(d->backing, VM_BLK_RAMDISK);
	assert_int_equal(d->ipa, 0x0a000000);
	assert_int_equal(d->irq, 48);
	assert_true(d->image.present && !d->read_only);
	assert_int_equal(d->image.file_size, 10000);
	assert_int_equal(d->disk_size, 10240);	/* the file, rounded up to whole sectors */
	d = &vm->virtio[1];
	assert_true(d->read_only);
	assert_int_equal(d->disk_size, 0x100000);
	d = &vm->virtio[2];
	assert_int_equal(d->type, VM_VIRTIO_NET);
	assert_memory_equal(d->mac, ((uint8_t[]){ 0x52, 0x54, 0, 0, 0, 1 }), 6);
	d = &vm->virtio[3];
	assert_int_equal(d->backing, VM_BLK_DISK);
	assert_int_equal(d->disk_offset, 0x100000);
	assert_int_equal(d->disk_size, 0x200000);
	assert_int_equal(g_cfg.vms[1].virtio_count, 2);
	/* A size-only RAM disk starts zeroed. */
	EXPECT(PARSE("", VM("a", GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; "
					       "size = <0 0x200000>;"))), NULL);
	assert_false(g_cfg.vms[0].virtio[0].image.present);
}

static void test_virtio_errors(void **state)
{
	static const struct vm_case cases[] = {
		{ { GIC, BLK("1", "") },
		  { "virtio-blk@1: ipa: missing (where the device's window goes)",
		    "virtio-blk@1: interrupt: missing (an SPI INTID)",
		    "virtio-blk@1: needs ramdisk (a file), size, or disk" } },
		{ { GIC, BLK("1", "ipa = <0 0x0a000100>; interrupt = <20>; size = <0 1000>;") },
		  { "virtio-blk@1: ipa: 0xa000100 is not 0x200 aligned",
		    "virtio-blk@1: interrupt: INTID 20 is not an SPI (32..1019)",
		    "virtio-blk@1: size: 0x3e8 is not a non-zero multiple of 512" } },
		{ { GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; ramdisk = \"no.img\";") },
		  { "virtio-blk@1: ramdisk: 'no.img' is not in the package" } },
		{ { GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; ramdisk = \"initrd.img\"; "
			     "size = <0 0x1000>;") },
		  { "virtio-blk@1: ramdisk: 'initrd.img' (0x2710 bytes) does not fit in size 0x1000" } },
		{ { GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; disk = <0 0 0 0x1000>;") },
		  { "virtio-blk@1: disk: this machine has no physical disk" } },
		{ { GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; disk = <0 0 0 0x1000>; "
			     "size = <0 0x1000>; mac = [52 54 00 00 00 01];") },
		  { "virtio-blk@1: mac: not a virtio-blk property",
		    "virtio-blk@1: disk: give either disk or ramdisk/size, not both",
		    "virtio-blk@1: disk: this machine has no physical disk" } },
		{ { GIC, NET("1", "ipa = <0 0x0a000000>; interrupt = <48>; mac = [53 54 00 00 00 01]; "
			     "read-only;") },
		  { "virtio-net@1: read-only: not a virtio-net property",
		    "virtio-net@1: mac: 53:54:00:00:00:01 is not a unicast address" } },
		{ { GIC, NET("1", "ipa = <0 0x0a000000>; interrupt = <48>; mac = [52 54 00];") },
		  { "virtio-net@1: mac: expected 6 bytes, e.g. mac = [52 54 00 00 00 01]" } },
		{ { GIC, "vuart = <0 0x0a000000>;", "vuart-irq = <48>;",
		    NET("1", "ipa = <0 0x0a000000>; interrupt = <48>; mac = [52 54 00 00 00 01];"),
		    NET("2", "ipa = <0 0x0a000200>; interrupt = <49>; mac = [52 54 00 00 00 01];") },
		  { "virtio-net@2: mac: 52:54:00:00:00:01 is also given to another device of this VM",
		    "virtio[0]: [0xa000000, 0xa000200) overlaps vuart [0xa000000, 0xa001000)",
		    "virtio[1]: [0xa000200, 0xa000400) overlaps vuart [0xa000000, 0xa001000)",
		    "virtio[0]: interrupt: INTID 48 is also the vuart's" } },
		{ { GIC, "passthrough-irqs = <50>;",
		    NET("1", "ipa = <0 0x0a000000>; interrupt = <50>; mac = [52 54 00 00 00 01];"),
		    NET("2", "ipa = <0 0x0a000200>; interrupt = <50>; mac = [52 54 00 00 00 02];") },
		  { "virtio[0]: interrupt: INTID 50 is also in passthrough-irqs",
		    "virtio[1]: interrupt: INTID 50 is also in passthrough-irqs",
		    "virtio[1]: interrupt: INTID 50 is also virtio[0]'s" } },
		{ { NET("1", "ipa = <0 0x0a000000>; interrupt = <48>; mac = [52 54 00 00 00 01];") },
		  { "virtio[0]: interrupt: needs a vgic" } },
	};

	RUN_CASES(cases);
}

static void test_virtio_limits(void **state)
{
#define SMALL_DISK(unit, ipa, irq) \
	BLK(unit, "ipa = <0 " ipa ">; interrupt = <" irq ">; size = <0 0x1000>;")
	const char *dev = SMALL_DISK("1", "0x0a000000", "48");

	g_lim.disk_bytes = 0x400000;
	EXPECT(PARSE("", VM("a", GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; "
					       "disk = <0 0x300000 0 0x200000>;"))),
	       "config: vm \"a\": virtio-blk@1: disk: [0x300000, 0x500000) lies beyond the end of "
	       "the 0x400000-byte physical disk");
	EXPECT(PARSE("", VM("a", GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; "
					       "disk = <0 0x100000 0 0x200000>;")),
			 VM("b", GIC, BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; "
					       "disk = <0 0x200000 0 0x200000>;"))),
	       "config: vm \"b\": virtio-blk@1: disk: [0x200000, 0x400000) overlaps vm \"a\"'s "
	       "disk [0x100000, 0x300000)");
	EXPECT(PARSE("", VM("a", GIC, NET("1", "ipa = <0 0x0a000000>; interrupt = <48>; "
					       "mac = [52 54 00 00 00 01];")),
			 VM("b", GIC, NET("1", "ipa = <0 0x0a000000>; interrupt = <48>; "
					       "mac = [52 54 00 00 00 01];"))),
	       "config: vm \"b\": virtio-net@1: mac: 52:54:00:00:00:01 is also given to vm \"a\"");
	EXPECT(PARSE("", VM("a", GIC, "ram = <0x0 0x40000000 0x0 0x08000000>;",
			    BLK("1", "ipa = <0 0x0a000000>; interrupt = <48>; size = <0 0x08000000>;")),
			 VM("b", "ram = <0x0 0x40000000 0x0 0x02000000>;")),
	       "config: /vms: total guest memory (RAM, dma-ram, RAM disks) 0x12000000 is more than the 0x10000000 "
	       "available");
	EXPECT(PARSE("", VM("a", GIC, dev, SMALL_DISK("2", "0x0a000200", "49"),
			    SMALL_DISK("3", "0x0a000400", "50"), SMALL_DISK("4", "0x0a000600", "51"),
			    SMALL_DISK("5", "0x0a000800", "52"))),
	       "config: vm \"a\": more than 4 virtio devices");
	g_lim.no_virtio = true;
	EXPECT(PARSE("", VM("a", GIC, dev)),
	       "config: vm \"a\": virtio-blk@1: virtio support is not built into this hypervisor");
}

static void test_root_and_hypervisor(void **state)
{
	const char *vm = VM("a");
	char dts[4096];

	snprintf(dts, sizeof(dts), "/dts-v1/;\n/ { model = \"x\"; vms { %s }; chosen { }; };", vm);
	compile(dts);
	EXPECT(parse_blob(), "config: /: unknown property 'model'",
	       "config: /: compatible: must be \"hyperberry,config-v1\"",
	       "config: /: unknown node 'chosen'");
	compile("/dts-v1/;\n/ { compatible = \"hyperberry,config-v2\"; };");
	EXPECT(parse_blob(), "config: /: compatible: must be \"hyperberry,config-v1\"",
	       "config: /: vms: missing");
	snprintf(dts, sizeof(dts),
		 "/dts-v1/;\n/ { compatible = \"acme,board\", \"hyperberry,config-v1\"; vms { %s }; };",
		 vm);
	compile(dts);
	EXPECT(parse_blob(), NULL);
	assert_int_equal(g_cfg.time_slice_us, CONFIG_DEFAULT_TIME_SLICE_US);
	EXPECT(PARSE("", ""), "config: /vms: no VMs");
	EXPECT(PARSE("", "\t\tfoo = <1>;\n"), "config: /vms: unknown property 'foo'",
	       "config: /vms: no VMs");
	EXPECT(PARSE("\thypervisor { time-slice-us = <50>; };", vm),
	       "config: /hypervisor: time-slice-us: 50 is out of range 100..1000000");
	EXPECT(PARSE("\thypervisor { time-slice-us = <2000000>; };", vm),
	       "config: /hypervisor: time-slice-us: 2000000 is out of range 100..1000000");
	EXPECT(PARSE("\thypervisor { time-slice-us = /bits/ 64 <1000>; };", vm),
	       "config: /hypervisor: time-slice-us: expected 1 cell");
	EXPECT(PARSE("\thypervisor { quantum = <1>; sched { }; };", vm),
	       "config: /hypervisor: unknown property 'quantum'",
	       "config: /hypervisor: unknown node 'sched'");
	EXPECT(PARSE("\thypervisor { time-slice-us = <100>; };", vm), NULL);
	assert_int_equal(g_cfg.time_slice_us, 100);
}

static void test_unreadable_dtb(void **state)
{
	static const uint8_t junk[64] = { 1, 2, 3 };

	g_msg_count = 0;
	assert_int_equal(config_parse_dtb(junk, sizeof(junk), &g_pkg, &g_lim, &g_cfg, collect,
					  &g_msg_count), 1);
	assert_string_equal(g_msgs[0], "config: /: cannot read the configuration device tree: bad magic");
	g_msg_count = 0;
	assert_int_equal(config_parse_dtb(NULL, 0, NULL, &g_lim, &g_cfg, collect, &g_msg_count), 1);
	/* No package at all: every file is missing, nothing crashes. */
	PARSE("", VM("linux1"));
	g_msg_count = 0;
	assert_int_equal(config_parse_dtb(g_dtb, g_dtb_size, NULL, &g_lim, &g_cfg, collect,
					  &g_msg_count), 1);
	assert_string_equal(g_msgs[0], "config: vm \"linux1\": kernel: 'flat.bin' is not in the package");
}

static void test_error_cap_and_crc_skip(void **state)
{
	char vms[16384] = "";
	int i, errors;

	/* 8 VMs with 5 errors each: 40 problems, 32 shown, then a summary. */
	for (i = 0; i < 8; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%d", i);
		strcat(vms, VM(name, "-kernel", "-kernel-ipa", "-ram", "-vcpus", "-cpu-affinity"));
	}
	errors = PARSE("", vms);
	assert_int_equal(errors, 40);
	assert_int_equal(g_msg_count, CONFIG_MAX_ERRORS + 1);
	assert_string_equal(g_msgs[CONFIG_MAX_ERRORS], "config: 8 more errors not shown");
	assert_int_equal(config_parse_dtb(g_dtb, g_dtb_size, &g_pkg, &g_lim, &g_cfg, NULL, NULL), 40);

	g_lim.skip_file_crc = true;
	EXPECT(PARSE("", VM("a", "kernel = \"corrupt.bin\";")), NULL);
}

/* The packer's output opens with the C reader: both sides agree on the format. */
static void test_mkimage_output_parses(void **state)
{
	char cmd[2048], path[300];
	struct package pkg;
	struct package_file f;
	uint8_t *img;
	uint64_t image_size = 0;
	FILE *fp;
	long size;
	int i;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf '.globl __image_start\\n.set __image_start, 0x40200000\\n"
		 ".globl __image_end\\n.set __image_end, 0x40213000\\n' > s.S && "
		 "aarch64-linux-gnu-as s.S -o hyp.elf 2>/dev/null", g_tmpdir);
	if (system(cmd) != 0)
		skip();	/* no cross binutils on this machine */
	snprintf(path, sizeof(path), "%s/hyp.bin", g_tmpdir);
	fp = fopen(path, "wb");
	img = image_file(0x5000, 0, 0x13000, 0xa);
	fwrite(img, 1, 0x5000, fp);
	fclose(fp);
	free(img);
	snprintf(path, sizeof(path), "%s/guest.bin", g_tmpdir);
	fp = fopen(path, "wb");
	img = image_file(0x3000, 0, 0x200000, 0xa);
	fwrite(img, 1, 0x3000, fp);
	fclose(fp);
	free(img);
	snprintf(path, sizeof(path), "%s/m.dts", g_tmpdir);
	fp = fopen(path, "w");
	fprintf(fp, "/dts-v1/;\n/ { compatible = \"hyperberry,config-v1\"; vms { %s%s }; };\n",
		VM("one", "kernel = \"guest.bin\";", "kernel-ipa = <0x0 0x40200000>;"),
		VM("two", "kernel = \"./guest.bin\";", "kernel-ipa = <0x0 0x40200000>;"));
	fclose(fp);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 tools/mkimage.py --hyp %1$s/hyp.bin --elf %1$s/hyp.elf "
		 "--config %1$s/m.dts --out %1$s/out.img --root %1$s >/dev/null", g_tmpdir);
	assert_int_equal(system(cmd), 0);

	snprintf(path, sizeof(path), "%s/out.img", g_tmpdir);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	img = malloc((size_t)size);
	assert_int_equal(fread(img, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	for (i = 7; i >= 0; i--)
		image_size = image_size << 8 | img[16 + i];
	assert_int_equal(image_size, size);
	assert_int_equal(package_open(img + 0x13000, (size_t)size - 0x13000, &pkg), 0);
	assert_int_equal(pkg.file_count, 2);
	g_msg_count = 0;
	assert_int_equal(config_parse(&pkg, &g_lim, &g_cfg, collect, &g_msg_count), 0);
	assert_int_equal(package_file_at(&pkg, g_cfg.vms[1].kernel.file, &f), 0);
	assert_string_equal(f.name, "./guest.bin");
	assert_int_equal(f.size, 0x3000);
	assert_int_equal(g_cfg.vms[1].kernel_format, VM_KERNEL_ARM64_IMAGE);
	free(img);
}

/* The fuzz target over its seeds and over mutations of a full config. */
static void test_fuzz_target(void **state)
{
	uint32_t seed = 1;
	struct dirent *de;
	unsigned seeds = 0;
	DIR *dir = opendir("tests/fuzz/corpus/config");
	uint8_t *work;
	int i;

	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		char path[512];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "tests/fuzz/corpus/config/%s", de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		g_dtb_size = fread(g_dtb, 1, sizeof(g_dtb), f);
		fclose(f);
		LLVMFuzzerTestOneInput(g_dtb, g_dtb_size);
		seeds++;
	}
	closedir(dir);
	assert_true(seeds >= 3);

	PARSE("\thypervisor { time-slice-us = <5000>; };",
	      VM("a", "kernel = \"k\";", "dtb = \"d\";", "dtb-ipa = <0x0 0x40800000>;",
		 "vuart = <0x0 0x09000000>;", "vgic = <0 0x08000000 0 0x08010000>;",
		 "vuart-irq = <40>;", "passthrough-irqs = <41>;",
		 "passthrough-mmio = <0x0 0x0a000000 0x0 0x1000 0x0 0x0a000000>;"),
	      VM("b", "kernel = \"img\";", "initrd = \"i\";", "initrd-ipa = <0 0x40400000>;"));
	work = malloc(g_dtb_size);
	for (i = 0; i < 3000; i++) {
		memcpy(work, g_dtb, g_dtb_size);
		for (int n = 0; n < 1 + i % 4; n++) {
			seed = seed * 1103515245 + 12345;
			work[(seed >> 8) % g_dtb_size] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		LLVMFuzzerTestOneInput(work, g_dtb_size);
	}
	free(work);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_accepts_good_vms, reset_limits),
		cmocka_unit_test_setup(test_fields_are_stored, reset_limits),
		cmocka_unit_test_setup(test_required_and_unknown, reset_limits),
		cmocka_unit_test_setup(test_ram, reset_limits),
		cmocka_unit_test_setup(test_cpus, reset_limits),
		cmocka_unit_test_setup(test_kernel, reset_limits),
		cmocka_unit_test_setup(test_arm64_image, reset_limits),
		cmocka_unit_test_setup(test_dtb_and_initrd, reset_limits),
		cmocka_unit_test_setup(test_vuart_and_vgic, reset_limits),
		cmocka_unit_test_setup(test_passthrough_mmio, reset_limits),
		cmocka_unit_test_setup(test_passthrough_irqs, reset_limits),
		cmocka_unit_test_setup(test_dma_ram_and_dma_mmio, reset_limits),
		cmocka_unit_test_setup(test_vm_names, reset_limits),
		cmocka_unit_test_setup(test_duplicate_property, reset_limits),
		cmocka_unit_test_setup(test_between_vms, reset_limits),
		cmocka_unit_test_setup(test_virtio_good, reset_limits),
		cmocka_unit_test_setup(test_virtio_errors, reset_limits),
		cmocka_unit_test_setup(test_virtio_limits, reset_limits),
		cmocka_unit_test_setup(test_root_and_hypervisor, reset_limits),
		cmocka_unit_test_setup(test_unreadable_dtb, reset_limits),
		cmocka_unit_test_setup(test_error_cap_and_crc_skip, reset_limits),
		cmocka_unit_test_setup(test_mkimage_output_parses, reset_limits),
		cmocka_unit_test_setup(test_fuzz_target, reset_limits),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
