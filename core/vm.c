/* VM life cycle: RAM carve-out and Stage-2 map, image loading from the
 * pristine package copy, start, stop, restart and crash containment. */
#include "core/vm.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/stage2.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "arch/aarch64/vcpu_arch.h"
#include "core/console_filter.h"
#include "core/hyp.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "drivers/gicv2.h"
#include "lib/check.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vdev/virtio_vm.h"

/* A VM may print CONSOLE_LINES_PER_SEC lines a second, in bursts of up to
 * CONSOLE_BURST_LINES (a Linux boot log fits); beyond that its lines are
 * dropped and counted, so a flooding VM cannot hold the shared UART. */
#define CONSOLE_LINES_PER_SEC	400
#define CONSOLE_BURST_LINES	2000

struct vm vms[MAX_VMS];
unsigned vm_count;
static spinlock_t palloc_lock = SPINLOCK_INIT;

paddr_t hyp_alloc_contig(uint64_t size, uint64_t align)
{
	paddr_t pa;

	spin_lock(&palloc_lock);
	pa = palloc_alloc_contig(&hyp.palloc, size, align);
	spin_unlock(&palloc_lock);
	return pa;
}

bool vm_log_once(struct vm *vm, enum vm_log_once event)
{
	bool first = !(vm->logged_once & event);

	vm->logged_once |= event;
	return first;
}

static uint64_t *s2_alloc_table(void *ctx)
{
	paddr_t pa;

	spin_lock(&palloc_lock);
	pa = palloc_alloc(&hyp.palloc, 0);
	spin_unlock(&palloc_lock);
	if (!pa)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
	return (uint64_t *)(uintptr_t)pa;
}

static void s2_free_table(void *ctx, uint64_t *table)
{
	int err;

	spin_lock(&palloc_lock);
	err = palloc_free(&hyp.palloc, (paddr_t)(uintptr_t)table, 0);
	spin_unlock(&palloc_lock);
	CHECK(err == 0);	/* a refused free means the tables are corrupt */
}

static const struct pt_ops s2_ops = {
	.alloc_table = s2_alloc_table,
	.free_table = s2_free_table,
	.sync = stage2_sync,
	.invalidate = stage2_invalidate,
	.table_pa = stage2_table_pa,
	.table_va = stage2_table_va,
};

struct vm *vm_create(const char *name, ipa_t ram_ipa, uint64_t ram_size, unsigned vcpu_count,
		     const unsigned *affinity)
{
	struct vm *vm;
	uint64_t align = ram_size >= GiB(1) ? GiB(1) : MiB(2);
	uint64_t *root;

	if (vm_count == MAX_VMS)
		panic("more than %u VMs", MAX_VMS);
	vm = &vms[vm_count];
	memset(vm, 0, sizeof(*vm));
	vm->id = vm_count;
	vm->vmid = (uint8_t)(vm_count + 1);	/* VMID 0 is never a guest's */
	strncpy_bounded(vm->name, name, sizeof(vm->name));
	vm->ram_ipa = ram_ipa;
	vm->ram_size = ram_size;

	spin_lock(&palloc_lock);
	/* Same alignment in PA as in IPA, so Stage-2 can use blocks. */
	vm->ram_pa = palloc_alloc_contig(&hyp.palloc, ram_size, align);
	root = (uint64_t *)(uintptr_t)palloc_alloc(&hyp.palloc, 1);
	spin_unlock(&palloc_lock);
	if (!vm->ram_pa || !root)
		panic("vm \"%s\": cannot allocate %lu MiB of RAM", name, ram_size >> 20);
	if (pt_init(&vm->s2, root, 1, 1024, STAGE2_IPA_BITS, &s2_ops, vm))
		panic("vm \"%s\": Stage-2 init failed", name);
	vm->vttbr = ((uint64_t)vm->vmid << 48) | (uint64_t)(uintptr_t)root;
	if (pt_map(&vm->s2, ram_ipa, vm->ram_pa, ram_size, pt_s2_attrs(PT_S2_RAM)))
		panic("vm \"%s\": Stage-2 map of RAM failed", name);
	stage2_flush_vmid(vm);

	vm->vcpu_count = vcpu_count;
	for (unsigned i = 0; i < vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->pcpu = affinity[i];
		v->vmpidr = BIT(31) | i;	/* Aff0 = vCPU index, as in the guest DT */
		v->state = VCPU_OFF;
		sched_attach(v);
	}
	vm_count++;
	log_info("vm \"%s\": %lu MiB RAM at IPA 0x%lx (PA 0x%lx), %u vCPU(s), VMID %u", name,
		 ram_size >> 20, ram_ipa, vm->ram_pa, vcpu_count, vm->vmid);
	return vm;
}

int vm_map_device(struct vm *vm, ipa_t ipa, paddr_t pa, uint64_t size)
{
	return pt_map(&vm->s2, ipa, pa, size, pt_s2_attrs(PT_S2_DEVICE));
}

int vm_claim_identity_ram(paddr_t pa, uint64_t size)
{
	int err;

	spin_lock(&palloc_lock);
	err = palloc_claim(&hyp.palloc, pa, size);
	spin_unlock(&palloc_lock);
	if (err)
		return err;
	memset((void *)(uintptr_t)pa, 0, size);
	dcache_clean_range((void *)(uintptr_t)pa, size);
	return 0;
}

int vm_map_identity_ram(struct vm *vm, paddr_t pa, uint64_t size)
{
	return pt_map(&vm->s2, pa, pa, size, pt_s2_attrs(PT_S2_RAM));
}

void vm_set_images(struct vm *vm, const struct vm_blob *kernel, const struct vm_blob *dtb,
		   const struct vm_blob *initrd, ipa_t entry)
{
	vm->kernel = *kernel;
	if (dtb)
		vm->dtb = *dtb;
	if (initrd)
		vm->initrd = *initrd;
	vm->entry_ipa = entry;
}

static void load_image(struct vm *vm, const struct vm_blob *img)
{
	void *dst;

	if (!img->data || !img->size)
		return;
	CHECK(vm_ipa_in_ram(vm, img->ipa, img->size));
	dst = vm_ipa_to_hva(vm, img->ipa);
	memcpy(dst, img->data, img->size);
}

/* Fresh RAM for every run: a guest with caches off must never read an
 * earlier run's data, and a booted kernel overwrites its own image. */
static void load_ram(struct vm *vm)
{
	void *ram = (void *)(uintptr_t)vm->ram_pa;

	memset(ram, 0, vm->ram_size);
	load_image(vm, &vm->kernel);
	load_image(vm, &vm->dtb);
	load_image(vm, &vm->initrd);
	/* The guest starts with its MMU and caches off: it reads memory. */
	dcache_clean_range(ram, vm->ram_size);
	icache_inval_all();
}

void vm_load(struct vm *vm)
{
	spin_lock(&vm->lock);
	if (vm->has_vgic)
		vgic_reset(&vm->vgic);
	load_ram(vm);
	virtio_vm_reset(vm);
	spin_unlock(&vm->lock);
}

void vm_release(struct vm *vm)
{
	struct vcpu *boot = &vm->vcpus[0];

	spin_lock(&vm->lock);
	vm->logged_once = 0;
	vm->cntvoff = timer_now();
	vm->line_tokens = CONSOLE_BURST_LINES;
	vm->line_refill_at = vm->cntvoff;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		vm->vcpus[i].state = VCPU_OFF;
		vm->vcpus[i].on_pending = false;
		vm->vcpus[i].vtimer_active = false;
	}
	boot->on_entry = vm->entry_ipa;
	boot->on_context = vm->dtb.size ? vm->dtb.ipa : 0;
	boot->on_pending = true;
	vm->state = VM_RUNNING;
	spin_unlock(&vm->lock);
	log_info("vm \"%s\": started (entry 0x%lx)", vm->name, vm->entry_ipa);
	sched_wake(boot);
}

void vm_start(struct vm *vm)
{
	vm_load(vm);
	vm_release(vm);
}

void vm_stop(struct vm *vm, const char *why)
{
	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING)
		vm->state = VM_STOPPED;
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		vcpu_set_state(&vm->vcpus[i], VCPU_STOPPED);
		vm->vcpus[i].on_pending = false;
	}
	/* Its passthrough SPIs must not stay active for the next run. */
	for (unsigned i = 0; i < vm->spi_count; i++) {
		if (gic_is_active(vm->spis[i]))
			gic_set_active(vm->spis[i], false);
	}
	spin_unlock(&vm->lock);
	/* Cores running its other vCPUs notice at their next exit. */
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		sched_kick(&vm->vcpus[i]);
	log_info("vm \"%s\": stopped (%s)", vm->name, why);
}

static bool any_vcpu_loaded(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		if (vm->vcpus[i].loaded)
			return true;
	}
	return false;
}

void vm_vcpu_unloaded(struct vm *vm)
{
	bool restart;

	spin_lock(&vm->lock);
	restart = vm->restart_pending && !any_vcpu_loaded(vm);
	if (restart)
		vm->restart_pending = false;
	spin_unlock(&vm->lock);
	if (!restart)
		return;
	vm->restarts++;
	/* The VMID is reused: nothing cached from the last run may survive. */
	stage2_flush_vmid(vm);
	vm->state = VM_STOPPED;
	log_info("vm \"%s\": restarting (run %u)", vm->name, vm->restarts + 1);
	vm_start(vm);
}

void vm_restart(struct vm *vm, const char *why)
{
	vm->restart_pending = true;
	vm_stop(vm, why);
	/* Finishes now if no vCPU is loaded, else on the last core to let go. */
	vm_vcpu_unloaded(vm);
}

void vm_crash(struct vcpu *v, const char *why, uint64_t esr)
{
	struct vm *vm = v->vm;
	char desc[160];

	esr_describe(esr, desc, sizeof(desc));
	log_err("vm \"%s\" vCPU %u crashed: %s", vm->name, v->id, why);
	log_err("  %s", desc);
	log_err("  ESR_EL2 0x%016lx  ELR 0x%016lx  PSTATE 0x%08lx", esr, v->regs.pc, v->regs.pstate);
	log_err("  FAR_EL2 0x%016lx  HPFAR_EL2 0x%016lx", read_sysreg(far_el2),
		read_sysreg(hpfar_el2));
	log_err("  VBAR_EL1 0x%016lx  SCTLR_EL1 0x%08lx  x0 0x%lx  x30 0x%lx",
		read_sysreg(vbar_el1), read_sysreg(sctlr_el1), v->regs.x[0], v->regs.x[30]);
	vm->state = VM_CRASHED;
	vm_stop(vm, "crashed");
}

struct vcpu *vm_find_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		if (mpidr_affinity(vm->vcpus[i].vmpidr) == mpidr_affinity(mpidr))
			return &vm->vcpus[i];
	}
	return NULL;
}

bool console_color;


static bool console_line_allowed(struct vm *vm)
{
	uint64_t now = timer_now();
	uint64_t per_line = timer_freq() / CONSOLE_LINES_PER_SEC;

	if (now >= vm->line_refill_at) {
		uint64_t earned = (now - vm->line_refill_at) / per_line + 1;

		vm->line_tokens = MIN(vm->line_tokens + earned, (uint64_t)CONSOLE_BURST_LINES);
		vm->line_refill_at = now + per_line;
	}
	if (vm->line_tokens) {
		vm->line_tokens--;
		return true;
	}
	/* Said once per run; `list` in the monitor shows the running count. */
	if (vm_log_once(vm, LOG_ONCE_CONSOLE_FLOOD))
		log_warn("vm \"%s\": console output over %u lines/s: dropping lines", vm->name,
			 CONSOLE_LINES_PER_SEC);
	vm->lines_dropped++;
	return false;
}

/* "[name] ", in a colour of its own per VM when the console is a terminal
 * (hb.color=1 on the command line; `make run` sets it). */
static void vm_prefix(const struct vm *vm, char *buf, size_t size)
{
	if (console_color)
		fmt_snprintf(buf, size, "\033[1;%um[%s]\033[0m ", 31 + vm->id % 6, vm->name);
	else
		fmt_snprintf(buf, size, "[%s] ", vm->name);
}

/* Backspace (a tty's echo of an erase is "\b \b") moves back over one
 * character of the VM's own current line, never into its prefix: with
 * nothing of its own on the line it is dropped. A UTF-8 character goes as a
 * whole; the cursor moves one column per character erased, never more. */
static void console_backspace(struct vm *vm)
{
	unsigned len = vm->out_len;
	char prefix[40];

	if (!len)
		return;
	while (len > 1 && ((uint8_t)vm->out_line[len - 1] & 0xc0) == 0x80)
		len--;
	len--;
	if (vm->console_focus && vm->stream_line_ok) {
		vm_prefix(vm, prefix, sizeof(prefix));
		console_lock();
		console_stream_char(vm, prefix, vm->out_line, vm->out_len, '\b');
		console_unlock();
	}
	vm->out_len = len;
}

/* Guest console output, one line at a time with the VM's name in front so
 * several VMs sharing one UART stay readable. c has been filtered. */
static void console_put_safe(struct vm *vm, char c)
{
	char prefix[40];

	if (c == '\b') {
		console_backspace(vm);
		return;
	}
	if (vm->console_focus) {
		/* Streamed: the limit is decided at each line's first character. */
		if (vm->out_len == 0)
			vm->stream_line_ok = console_line_allowed(vm);
		if (!vm->stream_line_ok) {
			if (c == '\n')
				vm->out_len = 0;
			else if (vm->out_len < sizeof(vm->out_line) - 1)
				vm->out_line[vm->out_len++] = c;
			return;
		}
		vm_prefix(vm, prefix, sizeof(prefix));
		console_lock();
		console_stream_char(vm, prefix, vm->out_line, vm->out_len, c);
		console_unlock();
		if (c == '\n')
			vm->out_len = 0;
		else if (vm->out_len < sizeof(vm->out_line) - 1)
			vm->out_line[vm->out_len++] = c;
		return;
	}
	if (c != '\n' && vm->out_len < sizeof(vm->out_line) - 1) {
		vm->out_line[vm->out_len++] = c;
		return;
	}
	if (!console_line_allowed(vm)) {
		vm->out_len = 0;
		if (c != '\n')
			vm->out_line[vm->out_len++] = c;
		return;
	}
	vm_prefix(vm, prefix, sizeof(prefix));
	console_lock();
	console_end_partial_line();
	console_write_raw(prefix, strlen(prefix));
	console_write_raw(vm->out_line, vm->out_len);
	console_write_raw("\n", 1);
	console_unlock();
	vm->out_len = 0;
	if (c != '\n')
		vm->out_line[vm->out_len++] = c;
}

/* Every byte a guest prints goes through the filter first: a guest must not
 * drive the physical terminal or forge another VM's prefix. */
void vm_console_putc(struct vm *vm, char c)
{
	char safe[CONSOLE_FILTER_MAX_OUT];
	size_t n = console_filter_byte(&vm->out_filter, (uint8_t)c, safe);

	for (size_t i = 0; i < n; i++)
		console_put_safe(vm, safe[i]);
}
