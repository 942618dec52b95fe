/* spinner: a VM that takes its core and never gives it back on its own: all
 * of DAIF masked, then a loop with no trap ("spinner.mode=masked", default)
 * or a loop of DC CISW on set 0/way 0, each a whole-VM clean under
 * HyperBerry ("spinner.mode=setway"). For containment tests. It first
 * prints a line with terminal escapes and a forged prefix. */
#include "guests/lib/rt.h"
#include "lib/fdt.h"
#include "lib/string.h"

const char rt_test_name[] = "spinner";

static volatile uint64_t spins;

/* The value of "spinner.mode=" in /chosen/bootargs, or "masked". */
static const char *mode_from_bootargs(char *buf, size_t size)
{
	static const char key[] = "spinner.mode=";
	const char *args, *p;
	struct dt dt;
	int node;
	size_t n = 0;

	if (!rt_dtb() || dt_open(&dt, (const void *)rt_dtb(), MiB(2)) < 0 ||
	    (node = dt_path(&dt, "/chosen")) < 0 || !(args = dt_prop_str(&dt, node, "bootargs")))
		return "masked";
	for (p = args; (p = strchr(p, 's')) != NULL; p++) {
		if ((p == args || p[-1] == ' ') && !strncmp(p, key, sizeof(key) - 1))
			break;
	}
	if (!p)
		return "masked";
	for (p += sizeof(key) - 1; *p && *p != ' ' && n + 1 < size; p++)
		buf[n++] = *p;
	buf[n] = 0;
	return buf;
}

void test_main(void)
{
	char buf[16];
	const char *mode = mode_from_bootargs(buf, sizeof(buf));
	bool setway = !strcmp(mode, "setway");

	/* Terminal control and a forged line: the console must show them as
	 * text on this VM's own line (core/console_filter.c). */
	rt_printf("SPINNER spoof \033[2J\033]0;pwned\007\r[heartbeat] HEARTBEAT 0 0 0 \xc2\x9b\n");
	rt_printf("SPINNER start mode=%s\n", setway ? "setway" : "masked");
	/* From here on nothing but the hypervisor's own interrupts can take
	 * the core from this vCPU. */
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;) {
		if (setway)
			__asm__ volatile("dc cisw, %0" : : "r"(0ull) : "memory");
		spins++;
	}
}
