/* Binds the emulated PL011 (vuart_pl011.c) to a VM: its MMIO window, its
 * output to the shared console with the VM's name, its input from the
 * console multiplexer. */
#include "vdev/vuart.h"
#include "core/vm.h"

/* Console input waits here while the guest's receive FIFO is full (a
 * PL011 without FEN holds one character): typing ahead is not lost. */
static void drain_input(struct vm *vm)
{
	while (vm->rx_tail != vm->rx_head &&
	       vuart_pl011_rx_push(&vm->vuart, vm->rx_queue[vm->rx_tail % VM_RX_QUEUE]))
		vm->rx_tail++;
}

static __attribute__((noinline)) bool vuart_read_locked(struct vm *vm, uint64_t offset,
							unsigned size, uint64_t *val)
{
	/* Sizes the PL011 does not decode (64-bit) read as zero, like its
	 * unknown offsets, rather than aborting. */
	spin_lock(&vm->vuart_lock);
	*val = vuart_pl011_read(&vm->vuart, (uint32_t)offset, size);
	if (offset == PL011_DR)
		drain_input(vm);
	spin_unlock(&vm->vuart_lock);
	if (offset == PL011_DR)
		vuart_update_irq(vm);
	return true;
}

static bool vuart_read(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t *val)
{
	/* A polling guest reads UARTFR once per character, and it needs no
	 * lock (vuart_pl011.h): kept apart so this path sets up no frame. */
	if (offset != PL011_FR || size != 4)
		return vuart_read_locked(dev, offset, size, val);
	*val = vuart_pl011_flags(&((struct vm *)dev)->vuart);
	return true;
}

static bool vuart_write(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t val)
{
	struct vm *vm = dev;

	spin_lock(&vm->vuart_lock);
	vuart_pl011_write(&vm->vuart, (uint32_t)offset, (uint32_t)val, size);
	spin_unlock(&vm->vuart_lock);
	vuart_update_irq(vm);
	return true;
}

static const struct mmio_ops vuart_ops = {
	.read = vuart_read,
	.write = vuart_write,
};

/* Called with vuart_lock held (from inside vuart_pl011_write). */
static void vuart_tx(void *ctx, char c)
{
	vm_console_putc(ctx, c);
}

int vm_add_vuart(struct vm *vm, ipa_t base, unsigned irq)
{
	vuart_pl011_init(&vm->vuart, vuart_tx, vm);
	vm->has_vuart = true;
	vm->vuart_irq = irq;
	return mmio_register(&vm->mmio, base, VUART_PL011_MMIO_SIZE, &vuart_ops, vm, "vuart");
}

void vuart_input(struct vm *vm, char c)
{
	if (!vm->has_vuart)
		return;
	spin_lock(&vm->vuart_lock);
	if (vm->rx_head - vm->rx_tail < VM_RX_QUEUE)
		vm->rx_queue[vm->rx_head++ % VM_RX_QUEUE] = c;
	drain_input(vm);
	spin_unlock(&vm->vuart_lock);
	vuart_update_irq(vm);
}

/* The PL011 interrupt is a level: the vGIC re-samples it at EOI. */
void vuart_update_irq(struct vm *vm)
{
	bool level;

	if (!vm->has_vgic || !vm->vuart_irq)
		return;
	spin_lock(&vm->vuart_lock);
	level = vuart_pl011_irq_level(&vm->vuart);
	spin_unlock(&vm->vuart_lock);
	vgic_set_level(&vm->vgic, 0, vm->vuart_irq, level);
}
