/* Guest console output filter: terminal control from a guest is rendered
 * visible instead of passed to the physical terminal. */
#include "core/console_filter.h"

/* Length of the UTF-8 sequence a lead byte starts, or 0 if it cannot lead. */
static unsigned utf8_length(uint8_t lead)
{
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef)
		return 3;
	if (lead >= 0xf0 && lead <= 0xf4)
		return 4;
	return 0;	/* continuation byte, overlong C0/C1, or beyond U+10FFFF */
}

/* The second byte's range depends on the lead: it rules out overlong forms,
 * surrogates (ED A0-BF) and code points above U+10FFFF (F4 90-BF). */
static bool second_byte_ok(uint8_t lead, uint8_t b)
{
	switch (lead) {
	case 0xe0:
		return b >= 0xa0 && b <= 0xbf;
	case 0xed:
		return b >= 0x80 && b <= 0x9f;
	case 0xf0:
		return b >= 0x90 && b <= 0xbf;
	case 0xf4:
		return b >= 0x80 && b <= 0x8f;
	default:
		return b >= 0x80 && b <= 0xbf;
	}
}

/* Well formed, but a terminal would act on it rather than show it. */
static bool utf8_is_control(const uint8_t *s, unsigned len)
{
	if (len == 2)
		return s[0] == 0xc2 && s[1] <= 0x9f;		/* C1: U+0080-U+009F */
	if (len == 3 && s[0] == 0xe2)
		return (s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||	/* U+202A-E */
		       (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9);	/* U+2066-9 */
	return false;
}

static size_t ascii(uint8_t c, char *out)
{
	if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\b') {
		out[0] = (char)c;
		return 1;
	}
	if (c == '\r')
		return 0;
	out[0] = '^';
	out[1] = c == 0x7f ? '?' : (char)(c + 0x40);
	return 2;
}

size_t console_filter_byte(struct console_filter *f, uint8_t c, char *out)
{
	size_t n = 0;

	if (f->len) {
		if ((c & 0xc0) == 0x80 && (f->len > 1 || second_byte_ok(f->seq[0], c))) {
			f->seq[f->len++] = c;
			if (f->len < f->need)
				return 0;
			f->len = 0;
			if (utf8_is_control(f->seq, f->need)) {
				out[0] = '?';
				return 1;
			}
			for (unsigned i = 0; i < f->need; i++)
				out[i] = (char)f->seq[i];
			return f->need;
		}
		/* Cut short: the unfinished sequence shows as one '?', and this
		 * byte starts afresh. */
		f->len = 0;
		out[n++] = '?';
	}
	if (c < 0x80)
		return n + ascii(c, out + n);
	f->need = (uint8_t)utf8_length(c);
	if (!f->need) {
		out[n++] = '?';
		return n;
	}
	f->seq[0] = c;
	f->len = 1;
	return n;
}
