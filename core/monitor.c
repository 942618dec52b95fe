/* Monitor commands: list VMs and vCPUs, exit statistics, the memory map,
 * and stop/start/restart of a VM. Runs in the console interrupt on the boot
 * core; every command only reads state or uses the VM life-cycle calls. */
#include "core/monitor.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/pgtable.h"
#include "core/hyp.h"
#include "core/log.h"
#include "core/vm.h"
#include "lib/string.h"
#include "vdev/virtio_vm.h"

static char line[64];
static unsigned line_len;

static const char *const vcpu_state_name[] = { "off", "runnable", "blocked", "stopped" };
static const char *const vm_state_name[] = { "stopped", "running", "crashed" };

static struct vm *find_vm(const char *name)
{
	for (unsigned i = 0; i < vm_count; i++) {
		if (!strcmp(vms[i].name, name))
			return &vms[i];
	}
	log_info("[monitor] no VM named '%s' (see 'list')", name);
	return NULL;
}

static void cmd_list(void)
{
	for (unsigned i = 0; i < vm_count; i++) {
		struct vm *vm = &vms[i];

		log_info("[monitor] vm %u \"%s\": %s, %lu MiB, VMID %u, %u restart(s), %lu console "
			 "line(s) dropped", vm->id, vm->name, vm_state_name[vm->state],
			 vm->ram_size >> 20, vm->vmid, vm->restarts, vm->lines_dropped);
		for (unsigned j = 0; j < vm->vcpu_count; j++) {
			struct vcpu *v = &vm->vcpus[j];

			log_info("[monitor]   vCPU %u: %s on core %u%s", j, vcpu_state_name[v->state],
				 v->pcpu, v->loaded ? " (loaded)" : "");
		}
	}
}

static const char *reason_name(unsigned r)
{
	switch (r) {
	case EXIT_IRQ:
		return "physical IRQ";
	case EXIT_SERROR:
		return "SError";
	case EXIT_FIQ:
		return "FIQ";
	default:
		return esr_ec_name(r);
	}
}

static void print_stats(struct vm *vm)
{
	uint64_t total = 0;

	log_info("[monitor] exits of vm \"%s\" by reason (all vCPUs):", vm->name);
	for (unsigned r = 0; r < EXIT_REASONS; r++) {
		uint64_t n = 0;

		for (unsigned j = 0; j < vm->vcpu_count; j++)
			n += vm->vcpus[j].exits[r];
		if (n) {
			log_info("[monitor]   %-40s %lu", reason_name(r), n);
			total += n;
		}
	}
	log_info("[monitor]   %-40s %lu", "total", total);
	total = 0;
	for (unsigned j = 0; j < vm->vcpu_count; j++)
		total += vm->vcpus[j].sw_cleans;
	if (total)
		log_info("[monitor]   (set/way operations made %lu whole-RAM cleans)", total);
	virtio_vm_print_stats(vm);
}

static void cmd_stats(const char *arg)
{
	if (*arg) {
		struct vm *vm = find_vm(arg);

		if (vm)
			print_stats(vm);
		return;
	}
	for (unsigned i = 0; i < vm_count; i++)
		print_stats(&vms[i]);
}

static bool print_mapping(void *arg, uint64_t ipa, paddr_t pa, uint64_t size, uint64_t attrs)
{
	log_info("[monitor]   IPA 0x%010lx-0x%010lx -> PA 0x%010lx %s", ipa, ipa + size - 1, pa,
		 (attrs & PT_S2_XN) ? "device" : "RAM");
	return true;
}

static void cmd_mem(void)
{
	struct palloc_stats st;

	palloc_get_stats(&hyp.palloc, &st);
	for (unsigned i = 0; i < hyp.ram_count; i++)
		log_info("[monitor] RAM 0x%010lx-0x%010lx", hyp.ram[i].base,
			 hyp.ram[i].base + hyp.ram[i].size - 1);
	log_info("[monitor] free: %lu MiB of %lu MiB managed", (st.free_pages * PAGE_SIZE) >> 20,
		 (st.total_pages * PAGE_SIZE) >> 20);
	for (unsigned i = 0; i < vm_count; i++) {
		log_info("[monitor] vm \"%s\" Stage-2:", vms[i].name);
		pt_walk(&vms[i].s2, print_mapping, NULL);
		for (unsigned j = 0; j < vms[i].mmio.count; j++) {
			const struct mmio_region *r = &vms[i].mmio.regions[j];

			log_info("[monitor]   IPA 0x%010lx-0x%010lx trapped: emulated %s", r->base,
				 r->base + r->size - 1, r->name);
		}
	}
}

static void cmd_life_cycle(const char *cmd, const char *arg)
{
	struct vm *vm = find_vm(arg);

	if (!vm)
		return;
	if (!strcmp(cmd, "stop")) {
		if (vm->state == VM_RUNNING)
			vm_stop(vm, "monitor command");
		else
			log_info("[monitor] vm \"%s\" is not running", vm->name);
	} else if (!strcmp(cmd, "start")) {
		if (vm->state == VM_RUNNING)
			log_info("[monitor] vm \"%s\" is already running", vm->name);
		else
			vm_restart(vm, "monitor command: start");
	} else {
		vm_restart(vm, "monitor command: restart");
	}
}

static void execute(char *cmd)
{
	char *arg = strchr(cmd, ' ');

	if (arg) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	} else {
		arg = cmd + strlen(cmd);
	}
	if (!cmd[0])
		return;
	if (!strcmp(cmd, "help"))
		log_info("[monitor] commands: list | stats [vm] | mem | stop <vm> | start <vm> | restart <vm>");
	else if (!strcmp(cmd, "list"))
		cmd_list();
	else if (!strcmp(cmd, "stats"))
		cmd_stats(arg);
	else if (!strcmp(cmd, "mem"))
		cmd_mem();
	else if (!strcmp(cmd, "stop") || !strcmp(cmd, "start") || !strcmp(cmd, "restart"))
		cmd_life_cycle(cmd, arg);
	else
		log_info("[monitor] unknown command '%s' (try help)", cmd);
}

void monitor_prompt(void)
{
	log_info("[monitor] HyperBerry monitor: type 'help'");
}

void monitor_input(char c)
{
	if (c == '\r' || c == '\n') {
		line[line_len] = '\0';
		log_info("[monitor] > %s", line);
		execute(line);
		line_len = 0;
	} else if ((c == 0x7f || c == 8) && line_len) {
		line_len--;
	} else if (c >= 0x20 && line_len < sizeof(line) - 1) {
		line[line_len++] = c;
	}
}
