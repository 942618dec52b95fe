/* What a VM is made of, as read and validated from the boot package by
 * config_parse(): static, bounded, and ready for VM creation to use as is. */
#ifndef HB_CORE_VM_CONFIG_H
#define HB_CORE_VM_CONFIG_H

#include "core/config_limits.h"
#include "lib/types.h"

#define VM_NAME_MAX			15	/* characters, without the NUL */
#define VM_MAX_PASSTHROUGH_MMIO		4
#define VM_MAX_PASSTHROUGH_IRQS		16
#define VM_MAX_VIRTIO			4	/* virtio-mmio devices per VM */

/* Guest-visible windows of the emulated devices (IPA space). The GICv2 CPU
 * interface is 8 KiB because GICC_DIR sits at 0x1000; it is backed by the
 * physical GICV frame. */
#define VM_VUART_SIZE			0x1000
#define VM_VGICD_SIZE			0x1000
#define VM_VGICC_SIZE			0x2000

/* RAM is mapped with 2 MiB Stage-2 blocks, and Linux wants its Image on a
 * 2 MiB boundary. */
#define VM_RAM_ALIGN			MiB(2)
/* Linux refuses a DTB larger than this (Documentation/arch/arm64/booting.rst). */
#define VM_DTB_MAX_SIZE			MiB(2)

#define CONFIG_DEFAULT_TIME_SLICE_US	10000
#define CONFIG_MIN_TIME_SLICE_US	100
#define CONFIG_MAX_TIME_SLICE_US	1000000

enum vm_kernel_format {
	VM_KERNEL_FLAT,		/* raw bytes, copied as is */
	VM_KERNEL_ARM64_IMAGE,	/* "ARM\x64" header: text_offset and image_size apply */
};

/* One package file placed in guest RAM. */
struct vm_image {
	bool present;
	uint32_t file;		/* index in the package file table */
	uint64_t file_size;	/* bytes to copy */
	ipa_t load_ipa;		/* where the file's first byte goes */
	uint64_t footprint;	/* bytes reserved from load_ipa: >= file_size (an Image's bss) */
};

struct vm_mmio_passthrough {
	paddr_t pa;
	uint64_t size;
	ipa_t ipa;
};

enum vm_virtio_type {
	VM_VIRTIO_BLK,
	VM_VIRTIO_NET,
};

/* Where a virtio-blk device keeps its sectors. */
enum vm_blk_backing {
	VM_BLK_RAMDISK,		/* hypervisor RAM, first filled from a package file */
	VM_BLK_DISK,		/* a slice of the board's physical disk */
};

/* One virtio-mmio device (a child node virtio-blk@... or virtio-net@...). */
struct vm_virtio_config {
	enum vm_virtio_type type;
	ipa_t ipa;			/* window of VIRTIO_WINDOW_SIZE bytes */
	uint32_t irq;			/* its virtual SPI (INTID) */
	/* virtio-blk */
	enum vm_blk_backing backing;
	bool read_only;
	struct vm_image image;		/* ramdisk: initial contents, optional */
	uint64_t disk_offset;		/* disk: byte offset in the physical disk */
	uint64_t disk_size;		/* bytes, a multiple of 512 */
	/* virtio-net */
	uint8_t mac[6];
};

#define VIRTIO_WINDOW_SIZE		0x200
#define VIRTIO_SECTOR_SIZE		512

struct vm_config {
	char name[VM_NAME_MAX + 1];

	struct vm_image kernel;
	enum vm_kernel_format kernel_format;
	uint64_t kernel_flags;		/* arm64 Image header flags; 0 for a flat binary */
	ipa_t entry_ipa;
	struct vm_image dtb;		/* optional */
	struct vm_image initrd;		/* optional */

	ipa_t ram_ipa;
	uint64_t ram_size;

	unsigned vcpu_count;
	unsigned cpu_affinity[MAX_VCPUS_PER_VM];	/* logical physical core of each vCPU */

	bool has_vuart;
	ipa_t vuart_ipa;
	uint32_t vuart_irq;		/* INTID, 0 when the vUART has no interrupt */

	bool has_vgic;
	ipa_t vgicd_ipa;
	ipa_t vgicc_ipa;

	unsigned mmio_count;
	struct vm_mmio_passthrough mmio[VM_MAX_PASSTHROUGH_MMIO];
	unsigned irq_count;
	uint32_t irqs[VM_MAX_PASSTHROUGH_IRQS];	/* physical SPIs, routed 1:1 as virtual */

	unsigned virtio_count;
	struct vm_virtio_config virtio[VM_MAX_VIRTIO];

	/* dma-ram: RAM mapped at IPA == PA, where the VM's DMA-capable devices
	 * (dma-mmio, a bit per passthrough-mmio index) can reach its buffers
	 * without an IOMMU. dma_ram_size 0: none. */
	paddr_t dma_ram_pa;
	uint64_t dma_ram_size;
	uint32_t dma_mmio_mask;
};

struct hyp_config {
	uint32_t time_slice_us;
	unsigned vm_count;
	struct vm_config vms[MAX_VMS];
};

#endif
