/* restart (HyperBerry only): run 1 marks its free RAM and .data and calls PSCI
 * SYSTEM_RESET; run 2 must find zeroed RAM and a pristine image. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "restart";

extern char _end[];	/* linker: end of image, .bss and stacks */

#define MARKER(addr)	(0x3e57a47ull << 36 | (addr))

/* .data: the image copy sets it to 42; run 1 changes it to 7. */
static volatile uint32_t data_magic = 42;
/* .bss (the runtime zeroes it anyway; kept to show both sections are fresh). */
static volatile uint64_t bss_word;

struct span {
	uint64_t start, end;
};

/* A DTB handed to us is reloaded as well but is not ours to scribble on. */
static struct span dtb_extent(void)
{
	const uint8_t *hdr = (const uint8_t *)rt_dtb();
	uint32_t totalsize;

	if (!hdr)
		return (struct span){ 0, 0 };
	totalsize = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
	return (struct span){ (uint64_t)hdr, (uint64_t)hdr + ALIGN_UP((uint64_t)totalsize, PAGE_SIZE) };
}

static bool in_span(const struct span *s, uint64_t addr)
{
	return addr >= s->start && addr < s->end;
}

/* Every byte of RAM this guest does not live in: below the image and
 * beyond its end (bss and stacks included). */
static void free_ram(struct span spans[2])
{
	spans[0] = (struct span){ rt_ram_base(), RT_LOAD_ADDR };
	spans[1] = (struct span){ ALIGN_UP((uint64_t)_end, PAGE_SIZE), rt_ram_base() + rt_ram_size() };
}

static void clean_to_poc(uint64_t start, uint64_t end)
{
	uint64_t ctr, step;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	step = 4ull << ((ctr >> 16) & 0xf);
	for (uint64_t a = start & ~(step - 1); a < end; a += step)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
}

static void run_one(void)
{
	struct span spans[2];
	struct span dtb = dtb_extent();
	uint64_t words = 0;

	free_ram(spans);
	CHECK_EQ("run1_data_pristine", 42, data_magic);
	CHECK_EQ("run1_bss_zero", 0, bss_word);
	data_magic = 7;
	bss_word = 0xfeedull;
	for (unsigned i = 0; i < ARRAY_SIZE(spans); i++) {
		for (uint64_t a = spans[i].start; a < spans[i].end; a += 8) {
			if (in_span(&dtb, a))
				continue;
			*(volatile uint64_t *)a = MARKER(a);
			words++;
		}
		clean_to_poc(spans[i].start, spans[i].end);
	}
	/* Our own .data and .bss too: a restart must not just skip the image. */
	clean_to_poc((uint64_t)&data_magic, (uint64_t)&data_magic + sizeof(data_magic));
	clean_to_poc((uint64_t)&bss_word, (uint64_t)&bss_word + sizeof(bss_word));
	rt_printf("RESTART-GUEST run 1 wrote marker (0x%llx words)\n", (unsigned long long)words);
	(void)hvc0(PSCI_SYSTEM_RESET);
	rt_check("system_reset_returns_nothing", false, "SYSTEM_RESET returned");
}

static void run_two(void)
{
	struct span spans[2];
	struct span dtb = dtb_extent();
	uint64_t words = 0, nonzero = 0, first_addr = 0, first_val = 0;

	free_ram(spans);
	CHECK_EQ("run2_data_pristine", 42, data_magic);
	CHECK_EQ("run2_bss_zero", 0, bss_word);
	for (unsigned i = 0; i < ARRAY_SIZE(spans); i++) {
		for (uint64_t a = spans[i].start; a < spans[i].end; a += 8) {
			uint64_t v;

			if (in_span(&dtb, a))
				continue;
			v = *(volatile uint64_t *)a;
			words++;
			if (v != 0 && nonzero++ == 0) {
				first_addr = a;
				first_val = v;
			}
		}
	}
	rt_printf("RESTART-GUEST run 2 scanned 0x%llx words\n", (unsigned long long)words);
	rt_check("run2_ram_zeroed", nonzero == 0 && words > 0,
		 "0x%llx of 0x%llx words non-zero, first 0x%llx = 0x%llx%s",
		 (unsigned long long)nonzero, (unsigned long long)words,
		 (unsigned long long)first_addr, (unsigned long long)first_val,
		 first_val == MARKER(first_addr) ? " (run 1's marker)" : "");
}

void test_main(void)
{
	int64_t run;

	if (!rt_under_hyperberry()) {
		rt_check_skip("restart", "native");
		return;
	}
	run = hvc0(HB_RUN_COUNT);
	rt_printf("RESTART-GUEST run %lld\n", (long long)run);
	if (run == 1)
		run_one();
	else if (run == 2)
		run_two();
	else
		rt_check("run_count", false, "expected run 1 or 2, got %lld", (long long)run);
}
