/* Register map of the GICv2 architecture (GIC-400): shared by the physical
 * driver and the emulated distributor, and usable on the host. */
#ifndef HB_DRIVERS_GICV2_REGS_H
#define HB_DRIVERS_GICV2_REGS_H

/* Distributor (GICD) offsets. */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_NSACR 0xe00
#define GICD_SGIR 0xf00
#define GICD_CPENDSGIR 0xf10
#define GICD_SPENDSGIR 0xf20
#define GICD_PIDR4 0xfd0
#define GICD_PIDR0 0xfe0
#define GICD_PIDR2 0xfe8
#define GICD_CIDR0 0xff0
#define GICD_SIZE 0x1000

/* CPU interface (GICC) offsets. */
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_BPR 0x008
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010
#define GICC_DIR 0x1000

#endif
