/*
 * jesc.h - JSON string escaping for any bytes, shared by user space
 * (lib/jw.c) and the kernel module (kmod/cull_sysinfo.c), so a process name
 * is escaped alike whichever source reports it. Header only, no includes:
 * the includer provides size_t.
 *
 * The rule: '"' and '\' escaped; control characters and DEL as \n \t \r \b
 * \f or \u00XX; well-formed UTF-8 copied; each byte that does not start a
 * well-formed UTF-8 sequence (overlong, surrogate, above U+10FFFF, truncated,
 * stray continuation) becomes \ufffd. The output is valid JSON and valid
 * UTF-8 for every input.
 */
#ifndef CULL_JESC_H
#define CULL_JESC_H

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static inline size_t
cull_utf8_len(const unsigned char *s, size_t n)
{
	unsigned int c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] > 0x9f)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] > 0x8f)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* Escape str[0..n) as the body of a JSON string (no quotes), handing the
 * output to put(ctx, bytes, len) in runs. */
static inline void
cull_json_escape(void *ctx, void (*put)(void *ctx, const char *p, size_t n),
		 const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned int c = s[i];
		size_t k;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			i++;
			run++;
			continue;
		}
		if (run)
			put(ctx, str + i - run, run);
		run = 0;
		if (c >= 0x80) {
			k = cull_utf8_len(s + i, n - i);
			if (k) {
				put(ctx, str + i, k);
				i += k;
			} else {
				put(ctx, "\\ufffd", 6);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"':  put(ctx, "\\\"", 2); break;
		case '\\': put(ctx, "\\\\", 2); break;
		case '\n': put(ctx, "\\n", 2); break;
		case '\t': put(ctx, "\\t", 2); break;
		case '\r': put(ctx, "\\r", 2); break;
		case '\b': put(ctx, "\\b", 2); break;
		case '\f': put(ctx, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(ctx, u, 6);
		}
		}
		i++;
	}
	if (run)
		put(ctx, str + i - run, run);
}

#endif
