/* Command-line parsing: words separated by spaces or tabs. */
#include "lib/cmdline.h"
#include "lib/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t out_size)
{
	size_t key_len = strlen(key);
	const char *p = cmdline;

	if (!cmdline || key_len == 0 || out_size == 0)
		return false;
	while (*p) {
		const char *word = p;
		size_t len = 0;

		while (word[len] && !is_space(word[len]))
			len++;
		if (len >= key_len && strncmp(word, key, key_len) == 0 &&
		    (len == key_len || word[key_len] == '=')) {
			size_t vlen = len > key_len ? len - key_len - 1 : 0;
			const char *val = word + key_len + (len > key_len ? 1 : 0);

			if (vlen > out_size - 1)
				vlen = out_size - 1;
			memcpy(out, val, vlen);
			out[vlen] = '\0';
			return true;
		}
		p = word + len;
		while (*p && is_space(*p))
			p++;
	}
	return false;
}
