/* Boot sequence of the hypervisor after boot.S: console, device tree, memory,
 * MMU, interrupt controller, secondary cores, banner, then work. */
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "core/boot_vms.h"
#include "core/console.h"
#include "core/hyp.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/palloc.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "core/vm.h"
#include "core/selftest.h"
#include "core/smp.h"
#include "vdev/vgic_dev.h"
#include "drivers/gicv2.h"
#include "drivers/pl011.h"
#include "lib/cmdline.h"
#include "lib/fdt.h"
#include "lib/memrange.h"
#include "lib/string.h"
#include "board.h"

extern char __image_start[], __image_end[];

struct hyp_state hyp;
static struct dt boot_dt;
static struct package boot_pkg;
static bool have_pkg;
static volatile bool vms_ready;

static void read_memory_map(const struct dt *dt)
{
	struct dt_range ram[MAX_MEM_RANGES], res[MAX_MEM_RANGES];
	struct mem_range reserved[MAX_MEM_RANGES + 1];
	int nram = dt_memory_ranges(dt, ram, MAX_MEM_RANGES);
	int nres = dt_reserved_ranges(dt, res, MAX_MEM_RANGES);

	if (nram <= 0)
		panic("device tree describes no RAM (error %d)", nram);
	if (nres < 0)
		panic("cannot read reserved memory from the device tree (error %d)", nres);
	hyp.ram_count = (unsigned)nram;
	for (int i = 0; i < nram; i++) {
		hyp.ram[i].base = ram[i].base;
		hyp.ram[i].size = ram[i].size;
		hyp.ram_total += ram[i].size;
	}
	for (int i = 0; i < nres; i++) {
		reserved[i].base = res[i].base;
		reserved[i].size = res[i].size;
	}
	reserved[nres].base = (uint64_t)(uintptr_t)__image_start;
	reserved[nres].size = (uint64_t)((uintptr_t)__image_end - (uintptr_t)__image_start);
	/* The boot package (config and pristine guest images) follows .bss. */
	if (have_pkg)
		reserved[nres].size += ALIGN_UP(boot_pkg.total_size, PAGE_SIZE);
	int nfree = memrange_subtract(hyp.ram, hyp.ram_count, reserved, (unsigned)nres + 1,
				      hyp.free_ram, MAX_MEM_RANGES);
	if (nfree < 0)
		panic("memory map too fragmented (more than %u free ranges)", MAX_MEM_RANGES);
	hyp.free_ram_count = (unsigned)nfree;
}

static void init_page_allocator(void)
{
	palloc_init(&hyp.palloc);
	for (unsigned i = 0; i < hyp.free_ram_count; i++) {
		int err = palloc_add_region(&hyp.palloc, hyp.free_ram[i].base, hyp.free_ram[i].size);

		if (err)
			log_warn("RAM [0x%lx, +0x%lx) not usable: %d", hyp.free_ram[i].base,
				 hyp.free_ram[i].size, err);
	}
}

static void read_cmdline(const struct dt *dt)
{
	int chosen = dt_path(dt, "/chosen");
	const char *args = chosen >= 0 ? dt_prop_str(dt, chosen, "bootargs") : NULL;
	char level[4];

	if (!args)
		return;
	strncpy_bounded(hyp.cmdline, args, sizeof(hyp.cmdline));
	console_color = cmdline_get(hyp.cmdline, "hb.color", level, sizeof(level)) && level[0] == '1';
	if (cmdline_get(hyp.cmdline, "loglevel", level, sizeof(level)) && level[0] >= '0' &&
	    level[0] <= '3')
		log_threshold = (enum log_level)(level[0] - '0');
}

static void print_banner(void)
{
	uint64_t el = (read_sysreg(CurrentEL) >> 2) & 3;
	bool vhe = ((read_sysreg(id_aa64mmfr1_el1) >> 8) & 0xf) != 0;
	uint32_t pidr2 = *(volatile uint32_t *)(uintptr_t)(gic.gicd + 0xfe8);
	uint32_t iidr = *(volatile uint32_t *)(uintptr_t)(gic.gicc + 0xfc);
	struct palloc_stats st;

	palloc_get_stats(&hyp.palloc, &st);
	log_info("HyperBerry %s on %s", HB_VERSION, BOARD_NAME);
	log_info("  cores online: %u of %u", smp_online_count(), cpu_count);
	log_info("  RAM: %lu MiB in %u range(s), %lu MiB free for VMs", hyp.ram_total >> 20,
		 hyp.ram_count, (st.free_pages * PAGE_SIZE) >> 20);
	/* Printed for the isolation matrix (tests/integration/test_isolation.py):
	 * the hypervisor's own memory, which no VM may reach. */
	log_info("  hypervisor memory: 0x%lx-0x%lx (image, stacks, boot package)",
		 (uint64_t)(uintptr_t)__image_start,
		 (uint64_t)(uintptr_t)__image_end +
			 (have_pkg ? ALIGN_UP(boot_pkg.total_size, PAGE_SIZE) : 0) - 1);
	log_info("  GIC: GICv%u (GICC_IIDR 0x%08x), %u interrupt lines, %u list registers",
		 (pidr2 >> 4) & 0xf, iidr, gic.nr_irqs, gic.nr_lrs);
	log_info("  timer: %lu Hz", timer_freq());
	log_info("  CurrentEL: EL%lu, VHE: %s", el, vhe ? "implemented (not used)" : "not implemented");
}

void idle_loop(void)
{
	for (;;) {
		irq_enable();
		wfi();
		irq_disable();
	}
}

void hyp_main_primary(paddr_t dtb)
{
	int err;

	cpu_set_self(0);
	pl011_init(BOARD_UART_BASE, BOARD_UART_CLOCK_HZ, 115200);
	log_info("HyperBerry booting (DTB at 0x%lx)", dtb);
	err = dt_open(&boot_dt, (const void *)(uintptr_t)dtb, MiB(2));
	if (err)
		panic("no usable device tree at 0x%lx: %s (boot with the .bin image, which receives the DTB in x0)",
		      dtb, dt_strerror(err));
	read_cmdline(&boot_dt);
	have_pkg = boot_package_find(&boot_pkg);
	read_memory_map(&boot_dt);
	mmu_init_and_enable(hyp.ram, hyp.ram_count);
	log_enable_locking();
	init_page_allocator();

	gic_init_distributor(BOARD_GICD_BASE, BOARD_GICC_BASE, BOARD_GICH_BASE, BOARD_GICV_BASE);
	gic_init_cpu_interface();
	cpus[0].gic_mask = gic_this_cpu_mask();
	cpus[0].online = true;
	sched_init();
	vgic_dev_init_cpu();
	smp_boot_secondaries(&boot_dt);
	print_banner();

	selftest_run(&boot_dt, hyp.cmdline);
	if (!have_pkg) {
		log_info("no boot package: no VMs to run (build one with `make image CONFIG=...`)");
		idle_loop();
	}
	if (!boot_vms_create(&boot_pkg))
		idle_loop();
	dsb(ish);
	vms_ready = true;
	gic_send_sgi_others(SGI_KICK);
	console_input_init();
	boot_vms_start();
	sched_run_core();
}

void hyp_main_secondary(unsigned index)
{
	cpu_set_self(index);
	gic_init_cpu_interface();
	cpus[index].gic_mask = gic_this_cpu_mask();
	vgic_dev_init_cpu();
	dsb(ish);
	cpus[index].online = true;
	log_debug("core %u online (MPIDR 0x%lx)", index, cpus[index].mpidr);
	selftest_secondary(index);
	/* WFI with IRQs masked, then take them: see sched_pick_slow. */
	while (!vms_ready) {
		wfi();
		irq_enable();
		isb();
		irq_disable();
	}
	sched_run_core();
}
