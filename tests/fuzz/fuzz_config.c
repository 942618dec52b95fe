/* libFuzzer target for core/config: the input is a configuration DTB parsed
 * against a fixed package of guest files; an accepted config must obey every rule.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -DHB_HOST -I. \
 *        tests/fuzz/fuzz_config.c core/config.c core/package.c lib/fdt.c lib/fmt.c
 * Seeds: tests/fuzz/corpus/config (files "k", "img", "d", "i" below). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "tests/unit/pkg_builder.h"

#define FUZZ_ASSERT(cond)                                                             \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_config: %s failed at line %d\n", #cond, \
				__LINE__);                                            \
			abort();                                                      \
		}                                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t g_pkg_buf[64 * 1024];
static struct package g_pkg;
static const struct mem_range g_forbidden[] = {
	{ 0x08000000, 0x00050000 },	/* GIC */
	{ 0x40200000, 0x00200000 },	/* hypervisor */
};
static const uint32_t g_forbidden_irqs[] = { 33 };
static const struct mem_range g_identity_ram[] = {
	{ 0x20000000, 0x10000000 },
};
static const struct config_limits_in g_lim = {
	.online_cpus = 4,
	.ram_available = 512ULL << 20,
	.forbidden = g_forbidden,
	.forbidden_count = 2,
	.forbidden_irqs = g_forbidden_irqs,
	.forbidden_irq_count = 1,
	.identity_ram = g_identity_ram,
	.identity_ram_count = 1,
};

static void build_package(void)
{
	static uint8_t flat[256], image[4096], dtb[64], initrd[512];
	static const uint8_t config[] = { 0xd0, 0x0d, 0xfe, 0xed };
	const struct pkgb_file files[] = {
		{ "k", flat, sizeof(flat) },
		{ "img", image, sizeof(image) },
		{ "d", dtb, sizeof(dtb) },
		{ "i", initrd, sizeof(initrd) },
	};
	size_t size;

	memset(flat, 0x11, sizeof(flat));
	memcpy(image + 0x38, "ARM\x64", 4);
	pkgb_put64(image + 16, 0x200000);	/* image_size */
	pkgb_put64(image + 24, 0xa);		/* flags: LE, 4 KiB pages */
	dtb[0] = 0xd0, dtb[1] = 0x0d, dtb[2] = 0xfe, dtb[3] = 0xed;
	size = pkgb_build(g_pkg_buf, sizeof(g_pkg_buf), config, sizeof(config), files, 4);
	FUZZ_ASSERT(size && package_open(g_pkg_buf, size, &g_pkg) == 0);
}

static void count_report(void *ctx, const char *msg)
{
	unsigned *calls = ctx;

	FUZZ_ASSERT(msg && strnlen(msg, CONFIG_MSG_MAX) < CONFIG_MSG_MAX);
	FUZZ_ASSERT(strncmp(msg, "config: ", 8) == 0);
	(*calls)++;
}

static bool inside(uint64_t base, uint64_t size, uint64_t outer, uint64_t outer_size)
{
	return range_within(base, size, outer, outer_size);
}

/* What config_parse promises about a configuration it accepted. */
static void check_accepted(const struct hyp_config *cfg)
{
	uint64_t total = 0;
	unsigned i, j, k;

	FUZZ_ASSERT(cfg->vm_count >= 1 && cfg->vm_count <= MAX_VMS);
	FUZZ_ASSERT(cfg->time_slice_us >= CONFIG_MIN_TIME_SLICE_US &&
		    cfg->time_slice_us <= CONFIG_MAX_TIME_SLICE_US);
	for (i = 0; i < cfg->vm_count; i++) {
		const struct vm_config *vm = &cfg->vms[i];
		const struct vm_image *imgs[3] = { &vm->kernel, &vm->dtb, &vm->initrd };

		FUZZ_ASSERT(vm->name[0] && strlen(vm->name) <= VM_NAME_MAX);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(vm->name, cfg->vms[j].name) != 0);
		FUZZ_ASSERT(vm->ram_size && IS_ALIGNED(vm->ram_ipa | vm->ram_size, VM_RAM_ALIGN));
		FUZZ_ASSERT(inside(vm->ram_ipa, vm->ram_size, 0, 1ULL << 40));
		total += vm->ram_size + vm->dma_ram_size;
		FUZZ_ASSERT(vm->vcpu_count >= 1 && vm->vcpu_count <= MAX_VCPUS_PER_VM);
		for (j = 0; j < vm->vcpu_count; j++)
			FUZZ_ASSERT(vm->cpu_affinity[j] < g_lim.online_cpus);
		FUZZ_ASSERT(vm->kernel.present);
		for (j = 0; j < 3; j++) {
			if (!imgs[j]->present)
				continue;
			FUZZ_ASSERT(imgs[j]->footprint >= imgs[j]->file_size && imgs[j]->file_size);
			FUZZ_ASSERT(inside(imgs[j]->load_ipa, imgs[j]->footprint, vm->ram_ipa,
					   vm->ram_size));
			for (k = 0; k < j; k++)
				FUZZ_ASSERT(!imgs[k]->present ||
					    !ranges_overlap(imgs[j]->load_ipa, imgs[j]->footprint,
							    imgs[k]->load_ipa, imgs[k]->footprint));
		}
		FUZZ_ASSERT(inside(vm->entry_ipa, 4, vm->kernel.load_ipa, vm->kernel.file_size));
		if (vm->kernel_format == VM_KERNEL_ARM64_IMAGE)
			FUZZ_ASSERT(IS_ALIGNED(vm->kernel.load_ipa, VM_RAM_ALIGN));
		if (vm->has_vuart)
			FUZZ_ASSERT(!ranges_overlap(vm->vuart_ipa, VM_VUART_SIZE, vm->ram_ipa,
						    vm->ram_size));
		if (vm->vuart_irq)
			FUZZ_ASSERT(vm->has_vuart && vm->has_vgic && vm->vuart_irq >= 32);
		if (vm->has_vgic)
			FUZZ_ASSERT(!ranges_overlap(vm->vgicd_ipa, VM_VGICD_SIZE, vm->vgicc_ipa,
						    VM_VGICC_SIZE));
		FUZZ_ASSERT(vm->mmio_count <= VM_MAX_PASSTHROUGH_MMIO);
		for (j = 0; j < vm->mmio_count; j++) {
			const struct vm_mmio_passthrough *m = &vm->mmio[j];

			FUZZ_ASSERT(m->size && IS_ALIGNED(m->pa | m->size | m->ipa, PAGE_SIZE));
			FUZZ_ASSERT(!ranges_overlap(m->ipa, m->size, vm->ram_ipa, vm->ram_size));
			for (k = 0; k < ARRAY_SIZE(g_forbidden); k++)
				FUZZ_ASSERT(!ranges_overlap(m->pa, m->size, g_forbidden[k].base,
							    g_forbidden[k].size));
		}
		/* DMA devices only with identity-mapped RAM, inside the offered RAM,
		 * clear of the VM's RAM window and of every other VM's dma-ram. */
		FUZZ_ASSERT(!vm->dma_mmio_mask || vm->dma_ram_size);
		FUZZ_ASSERT(vm->dma_mmio_mask < (1u << vm->mmio_count));
		if (vm->dma_ram_size) {
			FUZZ_ASSERT(range_within(vm->dma_ram_pa, vm->dma_ram_size,
						 g_identity_ram[0].base, g_identity_ram[0].size));
			FUZZ_ASSERT(!ranges_overlap(vm->dma_ram_pa, vm->dma_ram_size, vm->ram_ipa,
						    vm->ram_size));
			for (k = 0; k < i; k++)
				FUZZ_ASSERT(!ranges_overlap(vm->dma_ram_pa, vm->dma_ram_size,
							    cfg->vms[k].dma_ram_pa,
							    cfg->vms[k].dma_ram_size));
		}
		FUZZ_ASSERT(vm->irq_count <= VM_MAX_PASSTHROUGH_IRQS);
		for (j = 0; j < vm->irq_count; j++) {
			FUZZ_ASSERT(vm->irqs[j] >= 32 && vm->irqs[j] <= 1019 && vm->irqs[j] != 33);
			for (k = 0; k < i; k++) {
				for (unsigned n = 0; n < cfg->vms[k].irq_count; n++)
					FUZZ_ASSERT(cfg->vms[k].irqs[n] != vm->irqs[j]);
			}
		}
	}
	FUZZ_ASSERT(total <= g_lim.ram_available);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hyp_config cfg, again;
	unsigned calls = 0;
	int errors;

	if (!g_pkg.file_count)
		build_package();
	errors = config_parse_dtb(data, size, &g_pkg, &g_lim, &cfg, count_report, &calls);
	FUZZ_ASSERT(errors >= 0);
	if (errors <= CONFIG_MAX_ERRORS)
		FUZZ_ASSERT(calls == (unsigned)errors);
	else
		FUZZ_ASSERT(calls == CONFIG_MAX_ERRORS + 1);
	if (errors == 0)
		check_accepted(&cfg);
	/* Deterministic, and the same without a report callback. */
	FUZZ_ASSERT(config_parse_dtb(data, size, &g_pkg, &g_lim, &again, NULL, NULL) == errors);
	FUZZ_ASSERT(errors != 0 || memcmp(&cfg, &again, sizeof(cfg)) == 0);
	return 0;
}
