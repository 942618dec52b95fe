/* Interactive demo guest for `make run`: a tiny shell on its (virtual) PL011
 * that echoes what you type and answers a few commands. Polls the UART, so
 * it needs no interrupt controller. Never exits on its own. */
#include "guests/lib/rt.h"
#include "guests/lib/smccc.h"
#include "lib/string.h"

const char rt_test_name[] = "console";

#define UART_DR		0x000
#define UART_FR		0x018
#define UART_CR		0x030
#define UART_CR_ENABLE	0x301	/* UARTEN | TXE | RXE: a PL011 receives only when enabled */
#define UART_FR_RXFE	(1u << 4)

static int uart_getc_nonblock(void)
{
	volatile uint32_t *base = (volatile uint32_t *)RT_UART_BASE;

	if (base[UART_FR / 4] & UART_FR_RXFE)
		return -1;
	return (int)(base[UART_DR / 4] & 0xff);
}

static void run_command(const char *line)
{
	if (!line[0])
		return;
	if (!strcmp(line, "help")) {
		rt_printf("commands: help, id, uptime, off\n");
	} else if (!strcmp(line, "id")) {
		struct smccc_res r = smccc_hvc(HB_VM_ID, 0, 0, 0);

		rt_printf("VM id %ld, HyperBerry call version 0x%lx\n", (long)r.a0,
			  (unsigned long)smccc_hvc(HB_VERSION, 0, 0, 0).a0);
	} else if (!strcmp(line, "uptime")) {
		rt_printf("%lu ms\n", (unsigned long)(rt_ticks_to_ns(rt_cntvct()) / 1000000));
	} else if (!strcmp(line, "off")) {
		rt_printf("powering off\n");
		psci_system_off();
	} else {
		rt_printf("unknown command '%s' (try help)\n", line);
	}
}

void test_main(void)
{
	char line[80];
	unsigned len = 0;

	((volatile uint32_t *)RT_UART_BASE)[UART_CR / 4] = UART_CR_ENABLE;
	rt_printf("console guest ready: type 'help'\n");
	rt_printf("> ");
	for (;;) {
		int c = uart_getc_nonblock();

		if (c < 0) {
			rt_delay_us(1000);
			continue;
		}
		if (c == '\r' || c == '\n') {
			line[len] = '\0';
			rt_printf("\n");
			run_command(line);
			len = 0;
			rt_printf("> ");
		} else if ((c == 0x7f || c == 8) && len > 0) {
			len--;
		} else if (c >= 0x20 && len < sizeof(line) - 1) {
			line[len++] = (char)c;
			rt_putc((char)c);
		}
	}
}
