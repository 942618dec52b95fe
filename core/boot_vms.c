/* From configuration to VMs: validate everything first (so a bad config
 * never half-starts), then carve RAM, build Stage-2, register devices and
 * start each VM's boot vCPU. */
#include "core/boot_vms.h"
#include "core/config.h"
#include "core/hyp.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "core/smp.h"
#include "core/vm.h"
#include "drivers/gicv2.h"
#include "core/panic.h"
#include "vdev/vgic_dev.h"
#include "vdev/virtio_vm.h"
#include "vdev/vuart.h"
#include "board.h"

extern char __image_start[], __image_end[];

static struct hyp_config config;

bool boot_package_find(struct package *pkg)
{
	/* The package header is read before the MMU is on: package_open reads
	 * byte-wise, and at most the header until the size is known. */
	return package_open(__image_end, GiB(1), pkg) == 0;
}

static void report(void *ctx, const char *msg)
{
	log_err("%s", msg);
}

static struct vm_blob blob_of(const struct package *pkg, const struct vm_image *img)
{
	struct vm_blob b = { 0 };
	struct package_file f;

	if (img->present && package_file_at(pkg, img->file, &f) == 0) {
		b.data = f.data;
		b.size = img->file_size;
		b.ipa = img->load_ipa;
	}
	return b;
}

static void create_vm(const struct package *pkg, const struct vm_config *c)
{
	struct vm *vm = vm_create(c->name, c->ram_ipa, c->ram_size, c->vcpu_count, c->cpu_affinity);
	struct vm_blob kernel = blob_of(pkg, &c->kernel);
	struct vm_blob dtb = blob_of(pkg, &c->dtb);
	struct vm_blob initrd = blob_of(pkg, &c->initrd);

	vm_set_images(vm, &kernel, &dtb, &initrd, c->entry_ipa);
	if (c->has_vgic && vm_add_vgic(vm, c->vgicd_ipa, c->vgicc_ipa))
		panic("vm \"%s\": virtual GIC set-up failed", c->name);
	if (c->has_vuart && vm_add_vuart(vm, c->vuart_ipa, c->vuart_irq))
		panic("vm \"%s\": vuart window rejected", c->name);
	for (unsigned i = 0; i < c->irq_count && i < ARRAY_SIZE(vm->spis); i++) {
		vm->spis[vm->spi_count++] = (uint16_t)c->irqs[i];
		vgic_dev_assign_spi(vm, c->irqs[i]);
	}
	for (unsigned i = 0; i < c->mmio_count; i++) {
		if (vm_map_device(vm, c->mmio[i].ipa, c->mmio[i].pa, c->mmio[i].size))
			log_err("vm \"%s\": cannot map passthrough region %u", c->name, i);
	}
	for (unsigned i = 0; i < c->virtio_count; i++) {
		if (virtio_vm_add(vm, &c->virtio[i], pkg))
			panic("vm \"%s\": virtio device %u set-up failed", c->name, i);
	}
	if (c->dma_ram_size) {
		if (vm_map_identity_ram(vm, c->dma_ram_pa, c->dma_ram_size))
			panic("vm \"%s\": dma-ram Stage-2 mapping failed", c->name);
		log_info("vm \"%s\": dma-ram %lu MiB at IPA == PA 0x%lx%s", c->name,
			 c->dma_ram_size >> 20, c->dma_ram_pa,
			 c->dma_mmio_mask ? " for its DMA devices (no IOMMU: see docs/security.md)" : "");
	}
}

/* Every dma-ram region is taken before the first VM allocates its RAM. */
static bool claim_dma_ram(void)
{
	for (unsigned i = 0; i < config.vm_count; i++) {
		const struct vm_config *c = &config.vms[i];
		int err = c->dma_ram_size ? vm_claim_identity_ram(c->dma_ram_pa, c->dma_ram_size) : 0;

		if (err) {
			log_err("vm \"%s\": dma-ram [0x%lx, +0x%lx) is not free (palloc error %d): "
				"no VM started", c->name, c->dma_ram_pa, c->dma_ram_size, err);
			return false;
		}
	}
	return true;
}

bool boot_vms_create(const struct package *pkg)
{
	struct palloc_stats st;
	struct mem_range forbidden[MAX_MEM_RANGES + 4];
	uint32_t forbidden_irqs[] = { 32 + BOARD_UART_SPI };
	struct config_limits_in lim = { 0 };
	unsigned nf = 0;
	int errors;

	palloc_get_stats(&hyp.palloc, &st);
	for (unsigned i = 0; i < hyp.ram_count; i++)
		forbidden[nf++] = hyp.ram[i];
	forbidden[nf++] = (struct mem_range){ BOARD_GIC_BASE, BOARD_GIC_SIZE };
	forbidden[nf++] = (struct mem_range){ BOARD_UART_BASE, BOARD_UART_SIZE };
#ifdef BOARD_VIRTIO_MMIO_BASE
	lim.disk_bytes = virtio_disk_probe();
	if (lim.disk_bytes)	/* the bus the hypervisor's disk driver uses */
		forbidden[nf++] = (struct mem_range){ BOARD_VIRTIO_MMIO_BASE,
						      BOARD_VIRTIO_MMIO_COUNT *
						      BOARD_VIRTIO_MMIO_STRIDE };
#endif
	lim.no_virtio = !VIRTIO_BUILT_IN;
	lim.online_cpus = smp_online_count();
	/* Page tables and per-VM bookkeeping need a little of the free RAM. */
	lim.ram_available = st.free_pages * PAGE_SIZE - MiB(16);
	lim.forbidden = forbidden;
	lim.forbidden_count = nf;
	lim.forbidden_irqs = forbidden_irqs;
	lim.forbidden_irq_count = ARRAY_SIZE(forbidden_irqs);
	lim.max_intid = gic.nr_irqs - 1;
	lim.identity_ram = hyp.free_ram;
	lim.identity_ram_count = hyp.free_ram_count;

	errors = config_parse(pkg, &lim, &config, report, NULL);
	if (errors) {
		log_err("configuration refused (%d error%s): no VM started", errors,
			errors == 1 ? "" : "s");
		return false;
	}
	if (!claim_dma_ram())
		return false;
	for (unsigned i = 0; i < config.vm_count; i++)
		create_vm(pkg, &config.vms[i]);
	sched_set_time_slice(config.time_slice_us);
	return true;
}

/* Every VM's RAM first, then every boot vCPU: releasing one VM while the
 * next still loads would let it run alone on a core it is meant to share
 * (issue 5's "no time slice until the first finishes" was exactly that). */
void boot_vms_start(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		vm_load(&vms[i]);
	for (unsigned i = 0; i < vm_count; i++)
		vm_release(&vms[i]);
}
