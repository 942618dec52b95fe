/* A small printf: parses one conversion at a time and streams characters to
 * a sink, so the console can print without a buffer and snprintf is a sink. */
#include <limits.h>

#include "lib/fmt.h"

enum fmt_flag {
	FMT_LEFT = BIT(0),	/* '-' */
	FMT_ZERO = BIT(1),	/* '0' */
	FMT_PLUS = BIT(2),	/* '+' */
	FMT_SPACE = BIT(3),	/* ' ' */
	FMT_ALT = BIT(4),	/* '#' */
};

enum fmt_length { LEN_INT, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

/* A runaway width must not overflow int nor keep a core printing for ages. */
#define FMT_FIELD_MAX 100000

struct fmt_spec {
	unsigned flags;
	int width;
	int precision;		/* -1: none given */
	enum fmt_length length;
};

struct fmt_out {
	fmt_sink_fn sink;
	void *ctx;
	size_t count;
};

static void out_char(struct fmt_out *out, char c)
{
	out->sink(out->ctx, c);
	out->count++;
}

static void out_repeat(struct fmt_out *out, char c, int n)
{
	while (n-- > 0)
		out_char(out, c);
}

static void out_chars(struct fmt_out *out, const char *s, size_t n)
{
	while (n--)
		out_char(out, *s++);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int clamp_field(int n)
{
	return n > FMT_FIELD_MAX ? FMT_FIELD_MAX : n;
}

/* Reads a decimal field; saturates so "%99999999999d" stays sane. */
static int parse_number(const char **p)
{
	int n = 0;

	while (is_digit(**p)) {
		if (n <= FMT_FIELD_MAX)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return clamp_field(n);
}

/* Parses flags, width, precision and length after the '%'. The va_list is
 * passed by pointer (to a va_copy) so helpers can consume '*' arguments. */
static const char *parse_spec(const char *p, struct fmt_spec *spec, va_list *ap)
{
	spec->flags = 0;
	for (;; p++) {
		if (*p == '-') {
			spec->flags |= FMT_LEFT;
		} else if (*p == '0') {
			spec->flags |= FMT_ZERO;
		} else if (*p == '+') {
			spec->flags |= FMT_PLUS;
		} else if (*p == ' ') {
			spec->flags |= FMT_SPACE;
		} else if (*p == '#') {
			spec->flags |= FMT_ALT;
		} else {
			break;
		}
	}

	spec->width = 0;
	if (*p == '*') {
		int w = va_arg(*ap, int);

		p++;
		/* C: a negative '*' width means '-' with its magnitude. */
		if (w < 0) {
			spec->flags |= FMT_LEFT;
			w = (w == INT_MIN) ? INT_MAX : -w;
		}
		spec->width = clamp_field(w);
	} else {
		spec->width = parse_number(&p);
	}

	spec->precision = -1;
	if (*p == '.') {
		p++;
		if (*p == '*') {
			int prec = va_arg(*ap, int);

			p++;
			spec->precision = prec < 0 ? -1 : clamp_field(prec);
		} else {
			spec->precision = parse_number(&p);
		}
	}

	spec->length = LEN_INT;
	if (*p == 'h') {
		p++;
		spec->length = LEN_H;
		if (*p == 'h') {
			p++;
			spec->length = LEN_HH;
		}
	} else if (*p == 'l') {
		p++;
		spec->length = LEN_L;
		if (*p == 'l') {
			p++;
			spec->length = LEN_LL;
		}
	} else if (*p == 'z') {
		p++;
		spec->length = LEN_Z;
	} else if (*p == 'j') {
		p++;
		spec->length = LEN_J;
	} else if (*p == 't') {
		p++;
		spec->length = LEN_T;
	}
	return p;
}

/* Default argument promotion turns char and short into int, so hh/h read an
 * int and narrow it again, as C requires. %zd reads ptrdiff_t: the signed
 * type of size_t's width on every ABI HyperBerry builds for. */
static int64_t fetch_signed(enum fmt_length length, va_list *ap)
{
	switch (length) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t fetch_unsigned(enum fmt_length length, va_list *ap)
{
	switch (length) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/*
 * Lays out [spaces][sign or 0x][zeros][digits][spaces]. Zeros come from the
 * precision (minimum digit count) or, without a precision, from the '0' flag
 * filling the width; C ignores '0' once a precision is given.
 */
static void format_integer(struct fmt_out *out, const struct fmt_spec *spec, uint64_t magnitude,
			   char sign, unsigned base, bool upper, bool force_hex_prefix)
{
	const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24];	/* 64 bits in octal is 22 digits */
	int digit_count = 0;
	char prefix[3];		/* sign, or "0x" */
	int prefix_len = 0;
	int zeros = 0;
	bool nonzero = magnitude != 0;

	/* C: zero with precision 0 prints no digits at all. */
	if (magnitude != 0 || spec->precision != 0) {
		do {
			digits[digit_count++] = digit_chars[magnitude % base];
			magnitude /= base;
		} while (magnitude != 0);
	}

	if (sign)
		prefix[prefix_len++] = sign;
	if (force_hex_prefix || (base == 16 && (spec->flags & FMT_ALT) && nonzero)) {
		prefix[prefix_len++] = '0';
		prefix[prefix_len++] = upper ? 'X' : 'x';
	}

	if (spec->precision > digit_count)
		zeros = spec->precision - digit_count;
	/* '#' with octal promises a leading 0, added only if none is there yet. */
	if (base == 8 && (spec->flags & FMT_ALT) && zeros == 0 &&
	    (digit_count == 0 || digits[digit_count - 1] != '0')) {
		zeros = 1;
	}

	int len = prefix_len + zeros + digit_count;
	int pad = spec->width > len ? spec->width - len : 0;
	bool zero_fill = (spec->flags & FMT_ZERO) && !(spec->flags & FMT_LEFT) &&
			 spec->precision < 0;

	if (!(spec->flags & FMT_LEFT) && !zero_fill)
		out_repeat(out, ' ', pad);
	out_chars(out, prefix, (size_t)prefix_len);
	if (zero_fill)
		out_repeat(out, '0', pad);
	out_repeat(out, '0', zeros);
	while (digit_count > 0)
		out_char(out, digits[--digit_count]);
	if (spec->flags & FMT_LEFT)
		out_repeat(out, ' ', pad);
}

/* Text fields: strings and characters pad with spaces only. */
static void format_text(struct fmt_out *out, const struct fmt_spec *spec, const char *s,
			size_t len)
{
	int pad = (size_t)spec->width > len ? spec->width - (int)len : 0;

	if (!(spec->flags & FMT_LEFT))
		out_repeat(out, ' ', pad);
	out_chars(out, s, len);
	if (spec->flags & FMT_LEFT)
		out_repeat(out, ' ', pad);
}

/* Never reads past `max` bytes: a precision lets callers print
 * buffers that are not NUL-terminated. */
static size_t bounded_length(const char *s, int max)
{
	size_t len = 0;

	while ((max < 0 || len < (size_t)max) && s[len] != '\0')
		len++;
	return len;
}

static void format_signed(struct fmt_out *out, const struct fmt_spec *spec, va_list *ap)
{
	int64_t value = fetch_signed(spec->length, ap);
	/* Negating in unsigned arithmetic is what makes INT64_MIN safe. */
	uint64_t magnitude = value < 0 ? -(uint64_t)value : (uint64_t)value;
	char sign = 0;

	if (value < 0) {
		sign = '-';
	} else if (spec->flags & FMT_PLUS) {
		sign = '+';
	} else if (spec->flags & FMT_SPACE) {
		sign = ' ';
	}
	format_integer(out, spec, magnitude, sign, 10, false, false);
}

/* Handles one conversion starting at the character after '%'; returns where
 * the format continues. */
static const char *format_one(struct fmt_out *out, const char *percent, va_list *ap)
{
	struct fmt_spec spec;
	const char *p = parse_spec(percent + 1, &spec, ap);
	char c;

	switch (*p) {
	case 'd':
	case 'i':
		format_signed(out, &spec, ap);
		break;
	case 'u':
		format_integer(out, &spec, fetch_unsigned(spec.length, ap), 0, 10, false, false);
		break;
	case 'x':
	case 'X':
		format_integer(out, &spec, fetch_unsigned(spec.length, ap), 0, 16, *p == 'X',
			       false);
		break;
	case 'o':
		format_integer(out, &spec, fetch_unsigned(spec.length, ap), 0, 8, false, false);
		break;
	case 'p':
		format_integer(out, &spec, (uintptr_t)va_arg(*ap, void *), 0, 16, false, true);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		format_text(out, &spec, &c, 1);
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (s == NULL)
			s = "(null)";
		format_text(out, &spec, s, bounded_length(s, spec.precision));
		break;
	}
	case '%':
		out_char(out, '%');
		break;
	case '\0':
		/* A format cut off mid-conversion: show what there was and stop. */
		out_chars(out, percent, (size_t)(p - percent));
		return p;
	default:
		out_chars(out, percent, (size_t)(p - percent) + 1);
		break;
	}
	return p + 1;
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out out = { .sink = sink, .ctx = ctx, .count = 0 };
	va_list args;

	/* A va_list may be an array type; taking the address of a copy is the
	 * portable way to let helpers advance it. */
	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt == '%') {
			fmt = format_one(&out, fmt, &args);
		} else {
			out_char(&out, *fmt++);
		}
	}
	va_end(args);
	return out.count > INT_MAX ? INT_MAX : (int)out.count;
}

int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(sink, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct fmt_buffer {
	char *buf;
	size_t size;
	size_t used;		/* characters produced, stored or not */
};

/* Keeps one byte free for the terminator and drops the rest. */
static void buffer_sink(void *ctx, char c)
{
	struct fmt_buffer *b = ctx;

	if (b->used + 1 < b->size)
		b->buf[b->used] = c;
	b->used++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buffer b = { .buf = buf, .size = size, .used = 0 };
	int n = fmt_vformat(buffer_sink, &b, fmt, ap);

	if (size > 0)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
