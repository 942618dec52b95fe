/* heartbeat: prints "HEARTBEAT <n> <cntvct> <stall_us>" every 20 ms of its own
 * virtual counter, so a test can see whether anything kept it off its core. */
#include "guests/lib/rt.h"
#include "lib/fdt.h"
#include "lib/string.h"

const char rt_test_name[] = "heartbeat";

#define PERIOD_US	20000ull
/* Natively a short run; under HyperBerry it beats until the VM is stopped,
 * unless "heartbeat.beats=N" in the DTB's /chosen/bootargs says otherwise. */
#define NATIVE_BEATS	50ull

/* "heartbeat.beats=N" (decimal) from /chosen/bootargs, if present. */
static bool beats_from_bootargs(uint64_t *beats)
{
	static const char key[] = "heartbeat.beats=";
	const char *args, *p;
	struct dt dt;
	int node;
	uint64_t v = 0;

	if (!rt_dtb() || dt_open(&dt, (const void *)rt_dtb(), MiB(2)) < 0 ||
	    (node = dt_path(&dt, "/chosen")) < 0 || !(args = dt_prop_str(&dt, node, "bootargs")))
		return false;
	for (p = args; (p = strchr(p, 'h')) != NULL; p++) {
		if ((p == args || p[-1] == ' ') && !strncmp(p, key, sizeof(key) - 1))
			break;
	}
	if (!p)
		return false;
	for (p += sizeof(key) - 1; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	*beats = v;
	return true;
}

/*
 * Spins on the counter and reports, with each beat, the longest gap between
 * two consecutive counter reads since the previous beat (printing aside):
 * time the vCPU did not run at all, taken by the hypervisor or the host. Beat n is due at start + n * period,
 * so a late beat does not shift the ones after it.
 */
void test_main(void)
{
	const uint64_t period = PERIOD_US * rt_cntfrq() / 1000000ull;
	uint64_t beats = 0, worst = 0, start, prev;

	if (!beats_from_bootargs(&beats) && !rt_under_hyperberry())
		beats = NATIVE_BEATS;
	rt_printf("HEARTBEAT start period_us=%llu cntfrq=%llu beats=%llu (0 = until stopped)\n",
		  (unsigned long long)PERIOD_US, (unsigned long long)rt_cntfrq(),
		  (unsigned long long)beats);
	start = prev = rt_cntvct();
	for (uint64_t n = 1; beats == 0 || n <= beats; n++) {
		uint64_t stall = 0, now;

		do {
			now = rt_cntvct();
			stall = MAX(stall, now - prev);
			prev = now;
		} while (now - start < n * period);
		worst = MAX(worst, stall);
		rt_printf("HEARTBEAT %llu %llu %llu\n", (unsigned long long)n, (unsigned long long)now,
			  (unsigned long long)(rt_ticks_to_ns(stall) / 1000));
		prev = rt_cntvct();	/* printing is not a stall; the beat times still show it */
	}
	rt_printf("HEARTBEAT worst_stall_us=%llu\n", (unsigned long long)(rt_ticks_to_ns(worst) / 1000));
	CHECK_TRUE("counter_advanced", rt_cntvct() - start >= beats * period);
}
