/* VM configuration reader: turns the package's configuration DTB into a
 * validated struct hyp_config, reporting every problem it finds in one pass. */
#ifndef HB_CORE_CONFIG_H
#define HB_CORE_CONFIG_H

#include "core/package.h"
#include "core/vm_config.h"
#include "lib/memrange.h"
#include "lib/types.h"

#define CONFIG_COMPATIBLE	"hyperberry,config-v1"
/* Messages past this many are counted but not reported. */
#define CONFIG_MAX_ERRORS	32
/* Longest message handed to the report callback, NUL included. */
#define CONFIG_MSG_MAX		192

/* What the machine offers; every field is an input the caller measured. */
struct config_limits_in {
	unsigned online_cpus;		/* cpu-affinity must name cores below this */
	uint64_t ram_available;		/* bytes of guest RAM the hypervisor can hand out */
	/* Physical ranges no passthrough-mmio region may touch: the hypervisor
	 * and its package, RAM it owns, the GIC, its console UART. */
	const struct mem_range *forbidden;
	unsigned forbidden_count;
	/* Physical INTIDs the hypervisor keeps (its console UART's SPI). */
	const uint32_t *forbidden_irqs;
	unsigned forbidden_irq_count;
	/* Free RAM a dma-ram region (IPA == PA) may be taken from; none: every
	 * dma-ram is refused. */
	const struct mem_range *identity_ram;
	unsigned identity_ram_count;
	unsigned ipa_bits;		/* guest IPAs lie below 2^ipa_bits; 0 means 40 */
	unsigned pa_bits;		/* passthrough PAs lie below 2^pa_bits; 0 means 44 */
	uint32_t max_intid;		/* highest SPI the GIC implements; 0 means 1019 */
	bool skip_file_crc;		/* the caller verifies file CRCs itself */
	bool no_virtio;			/* virtio support is compiled out */
	uint64_t disk_bytes;		/* size of the physical disk; 0: there is none */
};

typedef void (*config_report_fn)(void *ctx, const char *msg);

/*
 * Parses and validates the configuration inside an opened package. Each
 * problem is reported once through report(ctx, msg), with msg like
 *     config: vm "linux1": ram: size 0x100000 is not a multiple of 2 MiB
 * (no trailing newline), at most CONFIG_MAX_ERRORS of them followed by one
 * "config: N more errors not shown" line. Returns the number of problems: 0
 * means *out is complete and valid; otherwise *out is partly filled and must
 * not be used. Pure: reads only its arguments, writes only *out, no globals,
 * so host tests and the fuzzer call it as the boot path does. report may be NULL.
 */
int config_parse(const struct package *pkg, const struct config_limits_in *lim,
		 struct hyp_config *out, config_report_fn report, void *ctx);

/* The same with the configuration DTB given separately (pkg still supplies
 * the files; NULL means an empty package). For the fuzzer and tests. */
int config_parse_dtb(const void *dtb, size_t dtb_size, const struct package *pkg,
		     const struct config_limits_in *lim, struct hyp_config *out,
		     config_report_fn report, void *ctx);

#endif
