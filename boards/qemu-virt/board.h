/* Board facts for QEMU `virt` (virtualization=on, gic-version=2). Everything the
 * hypervisor knows about this board lives here; a new board is a new folder. */
#ifndef HB_BOARD_H
#define HB_BOARD_H

#define BOARD_NAME		"qemu-virt"

/* QEMU loads an arm64 Image with text_offset 0 at RAM base + 2 MiB. */
#define BOARD_LOAD_ADDR		0x40200000
#define BOARD_RAM_BASE		0x40000000
#define BOARD_MAX_CPUS		8	/* GICv2 limit */

#define BOARD_UART_BASE		0x09000000
#define BOARD_UART_SIZE		0x1000
#define BOARD_UART_CLOCK_HZ	24000000
#define BOARD_UART_SPI		1	/* INTID 33 */

/* virtio-mmio transports QEMU creates (-device virtio-*-device fills them
 * from the top); HyperBerry drives a virtio-blk disk found there. */
#define BOARD_VIRTIO_MMIO_BASE	0x0a000000
#define BOARD_VIRTIO_MMIO_STRIDE	0x200
#define BOARD_VIRTIO_MMIO_COUNT	32

/* GIC-400 frames (GICv2 with virtualization extensions); GIC_BASE/SIZE span
 * them all, the window no VM may have passed through. */
#define BOARD_GIC_BASE		0x08000000
#define BOARD_GIC_SIZE		0x50000
#define BOARD_GICD_BASE		0x08000000
#define BOARD_GICC_BASE		0x08010000
#define BOARD_GICH_BASE		0x08030000
#define BOARD_GICV_BASE		0x08040000

/* PPIs, as INTIDs. */
#define BOARD_IRQ_MAINTENANCE	25
#define BOARD_IRQ_HYP_TIMER	26
#define BOARD_IRQ_VIRT_TIMER	27
#define BOARD_IRQ_PHYS_TIMER	30

/* Secondary cores are started by PSCI CPU_ON over SMC: with
 * virtualization=on QEMU's built-in firmware answers SMCs from EL2. */
#define BOARD_SMP_PSCI_SMC	1

#endif
