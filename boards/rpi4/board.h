/* Board facts for the Raspberry Pi 4 (BCM2711, 4x Cortex-A72, GIC-400), also
 * QEMU's `raspi4b`. Everything the hypervisor knows about the board is here. */
#ifndef HB_BOARD_H
#define HB_BOARD_H

#define BOARD_NAME		"rpi4"

/*
 * RAM starts at 0. QEMU's raspi4b loads an arm64 Image with text_offset 0 at
 * 2 MiB (below that sit its boot stub and spin table); on hardware
 * config.txt says kernel_address=0x200000 so both agree. The first page holds
 * the firmware's spin table (cpu-release-addr 0xd8..0xf0), kept out of the
 * allocator by the DTB's /memreserve/. RAM is described by the firmware's
 * DTB: below 1 GiB minus the GPU's share (gpu_mem, 0x3c000000 on a 2 GiB
 * QEMU board), then from 0x40000000 up. Devices that do DMA through the
 * legacy bus reach only the low 1 GiB window (docs/boards/rpi4.md).
 */
#define BOARD_LOAD_ADDR		0x00200000
#define BOARD_RAM_BASE		0x00000000
#define BOARD_MAX_CPUS		4

/* PL011 UART0 (bus address 0x7e201000, "low peripheral" mode). The firmware
 * runs it from a 48 MHz clock (init_uart_clock default). VC IRQ 57 = SPI 121. */
#define BOARD_UART_BASE		0xFE201000
#define BOARD_UART_SIZE		0x1000
#define BOARD_UART_CLOCK_HZ	48000000
#define BOARD_UART_SPI		121	/* INTID 153 */

/* GIC-400 at 0xFF840000 (ARM local peripherals, low peripheral mode). */
#define BOARD_GIC_BASE		0xFF840000
#define BOARD_GIC_SIZE		0x8000
#define BOARD_GICD_BASE		(BOARD_GIC_BASE + 0x1000)
#define BOARD_GICC_BASE		(BOARD_GIC_BASE + 0x2000)
#define BOARD_GICH_BASE		(BOARD_GIC_BASE + 0x4000)
#define BOARD_GICV_BASE		(BOARD_GIC_BASE + 0x6000)

/* PPIs, as INTIDs: the same as on every GIC-400 system with an A72. */
#define BOARD_IRQ_MAINTENANCE	25
#define BOARD_IRQ_HYP_TIMER	26
#define BOARD_IRQ_VIRT_TIMER	27
#define BOARD_IRQ_PHYS_TIMER	30

/* Secondaries wait in the firmware's (or QEMU's) spin loop for an address at
 * their cpu-release-addr; there is no PSCI. */
#define BOARD_SMP_SPIN_TABLE	1

#endif
