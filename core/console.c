/* Console input routing. Input arrives on the physical UART's interrupt,
 * handled on the boot core, and is pushed into the focused VM's vUART. */
#include "core/console.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/monitor.h"
#include "core/percpu.h"
#include "core/vm.h"
#include "drivers/gicv2.h"
#include "drivers/pl011.h"
#include "vdev/vuart.h"
#include "board.h"

#define CTRL_A 0x01
#define FOCUS_SWITCH_PRESSES 3

/* Index into vms[]; vm_count means the monitor. */
static unsigned focus;
static unsigned ctrl_a_run;

static bool focusable(unsigned i)
{
	return i == vm_count || (i < vm_count && vms[i].has_vuart);
}

static void set_focus(unsigned i)
{
	if (focus < vm_count)
		vms[focus].console_focus = false;
	focus = i;
	if (focus < vm_count)
		vms[focus].console_focus = true;
}

/* Cycles through the VMs that have a UART, then the monitor. */
static void move_focus(void)
{
	for (unsigned step = 1; step <= vm_count + 1; step++) {
		unsigned next = (focus + step) % (vm_count + 1);

		if (focusable(next)) {
			set_focus(next);
			break;
		}
	}
	if (focus == vm_count) {
		log_info("console input now goes to the monitor (Ctrl-A x3 switches)");
		monitor_prompt();
	} else {
		log_info("console input now goes to vm \"%s\" (Ctrl-A x3 switches)", vms[focus].name);
	}
}

static void send_to_focus(char c)
{
	if (focus == vm_count)
		monitor_input(c);
	else
		vuart_input(&vms[focus], c);
}

static void deliver(char c)
{
	if (c == CTRL_A) {
		if (++ctrl_a_run == FOCUS_SWITCH_PRESSES) {
			ctrl_a_run = 0;
			move_focus();
		}
		return;
	}
	/* Fewer than three Ctrl-A in a row were meant for the guest. */
	for (; ctrl_a_run; ctrl_a_run--)
		send_to_focus(CTRL_A);
	send_to_focus(c);
}

static bool on_uart_irq(unsigned intid, int source, void *ctx)
{
	int c;

	while ((c = pl011_getc()) >= 0)
		deliver((char)c);
	return true;
}

void console_input_init(void)
{
	unsigned intid = 32 + BOARD_UART_SPI;

	focus = 0;
	while (focus < vm_count && !focusable(focus))
		focus++;
	set_focus(focus);
	irq_register(intid, on_uart_irq, NULL);
	gic_set_level_triggered(intid, true);
	gic_set_target(intid, cpus[0].gic_mask);
	gic_enable(intid);
	pl011_enable_rx_irq();
	if (focus < vm_count)
		log_info("console input goes to vm \"%s\" (Ctrl-A x3 switches)", vms[focus].name);
	else
		monitor_prompt();
}
