/* Log formatting and the console lock. A line is assembled in a per-core
 * buffer and written in one go under the lock, so cores never interleave. */
#include "core/log.h"
#include "core/percpu.h"
#include "drivers/pl011.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"
#include "lib/string.h"

enum log_level log_threshold = LOG_INFO;

static spinlock_t console_spinlock = SPINLOCK_INIT;
static bool locking_enabled;
static bool panic_mode;

void log_enable_locking(void)
{
	locking_enabled = true;
}

void log_enter_panic_mode(void)
{
	panic_mode = true;
}

/* In panic mode the normal lock may be held by a core that will never
 * release it: dying cores use a second lock whose wait is bounded, so their
 * reports stay whole lines but can never hang. */
static volatile uint32_t panic_lock;
static bool panic_lock_held[MAX_CPUS];

void console_lock(void)
{
	if (!locking_enabled)
		return;
	if (!panic_mode) {
		spin_lock(&console_spinlock);
		return;
	}
	for (unsigned spins = 0; spins < 10000000; spins++) {
		if (!__atomic_exchange_n(&panic_lock, 1, __ATOMIC_ACQUIRE)) {
			panic_lock_held[this_cpu() ? this_cpu()->id : 0] = true;
			return;
		}
	}
}

void console_unlock(void)
{
	unsigned self = this_cpu() ? this_cpu()->id : 0;

	if (!locking_enabled)
		return;
	if (panic_lock_held[self]) {
		panic_lock_held[self] = false;
		__atomic_store_n(&panic_lock, 0, __ATOMIC_RELEASE);
		return;
	}
	if (!panic_mode)
		spin_unlock(&console_spinlock);
}

void console_write_raw(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			pl011_putc('\r');
		pl011_putc(s[i]);
	}
}

/* Output of the VM that has input focus is streamed character by character
 * (a shell prompt has no newline); whoever writes next ends that partial
 * line first. Only touched with the console lock held. */
static const void *partial_owner;

void console_end_partial_line(void)
{
	if (partial_owner) {
		console_write_raw("\n", 1);
		partial_owner = NULL;
	}
}

void console_stream_char(const void *owner, const char *prefix, const char *line, size_t len,
			 char c)
{
	/* Someone else wrote in between: start a fresh line and repeat what
	 * this line already had, so it reads whole. */
	if (partial_owner != owner) {
		console_end_partial_line();
		console_write_raw(prefix, strlen(prefix));
		console_write_raw(line, len);
		partial_owner = owner;
	}
	console_write_raw(&c, 1);
	if (c == '\n')
		partial_owner = NULL;
}

struct line_buf {
	char *buf;
	size_t len, cap;
};

static void line_sink(void *ctx, char c)
{
	struct line_buf *lb = ctx;

	if (lb->len + 1 < lb->cap)
		lb->buf[lb->len++] = c;
}

static const char *const level_tag[] = { "ERROR: ", "WARN: ", "", "" };

void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	char local[200];
	struct line_buf lb = { local, 0, sizeof(local) };

	if (level > log_threshold)
		return;
	/* tpidr_el2 is zero until the core has set itself up. */
	fmt_format(line_sink, &lb, "[cpu%u] %s", this_cpu() ? this_cpu()->id : 0,
		   level_tag[level]);
	fmt_vformat(line_sink, &lb, fmt, ap);
	if (lb.len == lb.cap - 1)
		lb.buf[lb.len - 1] = '~'; /* mark a truncated line */
	lb.buf[lb.len++] = '\n';
	console_lock();
	console_end_partial_line();
	console_write_raw(lb.buf, lb.len);
	console_unlock();
}

void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}
