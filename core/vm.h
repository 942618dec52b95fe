/* A virtual machine: its Stage-2 address space, vCPUs, emulated devices and
 * life cycle. */
#ifndef HB_CORE_VM_H
#define HB_CORE_VM_H

#include "arch/aarch64/pgtable.h"
#include "core/config_limits.h"
#include "core/console_filter.h"
#include "core/mmio.h"
#include "core/vcpu.h"
#include "lib/spinlock.h"
#include "vdev/vgic.h"
#include "vdev/vuart_pl011.h"

enum vm_state {
	VM_STOPPED,
	VM_RUNNING,
	VM_CRASHED,
};

/* Events a misbehaving guest can repeat endlessly: logged once per VM run. */
enum vm_log_once {
	LOG_ONCE_UNMAPPED_ACCESS = 1u << 0,
	LOG_ONCE_NO_ISV = 1u << 1,
	LOG_ONCE_S1PTW = 1u << 2,
	LOG_ONCE_SYSREG_UNDEF = 1u << 3,
	LOG_ONCE_UNKNOWN_EC = 1u << 4,
	LOG_ONCE_BAD_MMIO_SIZE = 1u << 5,
	LOG_ONCE_SERROR = 1u << 6,
	LOG_ONCE_IABT = 1u << 7,
	LOG_ONCE_UNKNOWN_CALL = 1u << 8,
	LOG_ONCE_CONSOLE_FLOOD = 1u << 9,
};

#define VM_RX_QUEUE 256

struct vm_blob {
	const uint8_t *data;	/* pristine copy in the boot package */
	uint64_t size;
	ipa_t ipa;
};

struct vm {
	unsigned id;
	char name[16];
	uint8_t vmid;
	volatile enum vm_state state;
	spinlock_t lock;

	ipa_t ram_ipa;
	paddr_t ram_pa;
	uint64_t ram_size;
	struct pt s2;
	uint64_t vttbr;
	uint64_t cntvoff;

	struct vm_blob kernel, dtb, initrd;
	ipa_t entry_ipa;

	unsigned vcpu_count;
	struct vcpu vcpus[MAX_VCPUS_PER_VM];

	struct mmio_table mmio;
	bool has_vgic;
	struct vgic vgic;
	volatile bool restart_pending;	/* finish restart once no vCPU is loaded */
	unsigned spi_count;
	uint16_t spis[16];		/* physical SPIs passed through to it */
	bool has_vuart;
	struct vuart_pl011 vuart;
	spinlock_t vuart_lock;	/* vUART state and out_line */
	unsigned vuart_irq;
	char rx_queue[VM_RX_QUEUE];		/* console input not yet in the vUART */
	unsigned rx_head, rx_tail;
	volatile bool console_focus;	/* its output is streamed unbuffered */
	/* Console rate limit: a token bucket of lines, refilled over time. */
	uint64_t line_tokens, line_refill_at, lines_dropped;
	bool stream_line_ok;
	struct console_filter out_filter;	/* core/console_filter.c */
	char out_line[128];
	unsigned out_len;

	uint32_t logged_once;
	unsigned restarts;
};

extern struct vm vms[MAX_VMS];
extern bool console_color;	/* colour the per-VM line prefixes */
extern unsigned vm_count;

static inline bool vm_ipa_in_ram(const struct vm *vm, ipa_t ipa, uint64_t len)
{
	return range_within(ipa, len, vm->ram_ipa, vm->ram_size);
}

/* Hypervisor pointer to guest RAM at `ipa`; caller checked vm_ipa_in_ram. */
static inline void *vm_ipa_to_hva(const struct vm *vm, ipa_t ipa)
{
	return (void *)(uintptr_t)(vm->ram_pa + (ipa - vm->ram_ipa));
}

/* Returns true the first time `event` happens in this run of the VM. */
bool vm_log_once(struct vm *vm, enum vm_log_once event);

struct vm *vm_create(const char *name, ipa_t ram_ipa, uint64_t ram_size, unsigned vcpu_count,
		     const unsigned *affinity);
int vm_add_vuart(struct vm *vm, ipa_t base, unsigned irq);
int vm_map_device(struct vm *vm, ipa_t ipa, paddr_t pa, uint64_t size);
/* dma-ram: takes [pa, +size) from the page allocator (before any VM is
 * created, so no VM's RAM lands there), zeroed and cleaned to the point of
 * coherency for non-coherent DMA; then maps it into one VM at IPA == PA. */
int vm_claim_identity_ram(paddr_t pa, uint64_t size);
int vm_map_identity_ram(struct vm *vm, paddr_t pa, uint64_t size);
void vm_set_images(struct vm *vm, const struct vm_blob *kernel, const struct vm_blob *dtb,
		   const struct vm_blob *initrd, ipa_t entry);
/* Loads the images into fresh RAM and makes vCPU 0 runnable. */
void vm_start(struct vm *vm);
/* vm_start in two halves: vm_load is the slow part (RAM zeroed, images
 * copied, cleaned to PoC: hundreds of ms for a large VM), vm_release makes
 * vCPU 0 runnable. Boot loads every VM before releasing any, so VMs sharing
 * a core start together instead of one running alone while the next loads. */
void vm_load(struct vm *vm);
void vm_release(struct vm *vm);
/* Every vCPU stops; the VM's memory is kept for a later start. */
void vm_stop(struct vm *vm, const char *why);
/* Stops the VM, then restarts it from pristine images once none of its
 * vCPUs is loaded on any core (vm_vcpu_unloaded completes it). */
void vm_restart(struct vm *vm, const char *why);
void vm_vcpu_unloaded(struct vm *vm);
/* A guest beyond recovery: one-screen report, then stop. */
void vm_crash(struct vcpu *v, const char *why, uint64_t esr);
struct vcpu *vm_find_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);
void vm_console_putc(struct vm *vm, char c);

#endif
