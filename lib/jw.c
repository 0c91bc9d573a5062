/* jw.c - see jw.h */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "jesc.h"
#include "jw.h"

static void
reserve(struct jw *w, size_t more)
{
	size_t cap;
	char *nb;

	if (w->len + more <= w->cap)
		return;
	cap = w->cap ? w->cap : 4096;
	while (cap < w->len + more)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (!nb)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	w->buf = nb;
	w->cap = cap;
}

static inline void
put(struct jw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void
putc1(struct jw *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
}

void
jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
}

void
jw_free(struct jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

static void
put_cb(void *ctx, const char *p, size_t n)
{
	put(ctx, p, n);
}

/* The bytes a JSON string carries as they are: printable ASCII but '"' and
 * '\\'. Most strings (keys, ids, names, command lines) are only these: one
 * scan, eight bytes at a time, and one copy, no call per run. The word tests
 * are the "determine if a word has a byte less than / greater than n" and
 * "has a zero byte" of Sean Anderson's Bit Twiddling Hacks: exact as to
 * whether any byte is, which is all this asks. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline int
plain(unsigned char c)
{
	return (unsigned)c - 0x20u < 0x5fu && c != '"' && c != '\\';
}

static inline int
plain8(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
	uint64_t bad = ((v - ONES * 0x20) & ~v)	/* a byte below 0x20 */
		       | (v + ONES * (127 - 0x7e)) | v	/* one above 0x7e */
		       | ((q - ONES) & ~q)		/* a '"' */
		       | ((b - ONES) & ~b);		/* a '\\' */

	return !(bad & HIGHS);
}

void
jw_escape(struct jw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, s + i, 8);
		if (!plain8(v))
			break;
	}
	while (i < n && plain(s[i]))
		i++;
	reserve(w, n + 2);
	if (i) {
		memcpy(w->buf + w->len, str, i);
		w->len += i;
	}
	if (i < n)
		cull_json_escape(w, put_cb, str + i, n - i);
}

/* Comma if needed, then "key": */
static void
prefix(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			putc1(w, ',');
		w->first[w->depth - 1] = 0;
	}
	if (key) {
		putc1(w, '"');
		jw_escape(w, key, strlen(key));
		put(w, "\":", 2);
	}
}

static void
open_level(struct jw *w, const char *key, char c)
{
	prefix(w, key);
	putc1(w, c);
	if (w->depth >= JW_DEPTH)
		cull_die(CULL_EXIT_FAIL, "fatal: JSON nested deeper than %d", JW_DEPTH);
	w->closer[w->depth] = c == '{' ? '}' : ']';
	w->first[w->depth++] = 1;
}

void jw_open(struct jw *w, const char *key) { open_level(w, key, '{'); }
void jw_arr(struct jw *w, const char *key) { open_level(w, key, '['); }

void
jw_end(struct jw *w)
{
	if (w->depth <= 0)
		return;
	w->depth--;
	putc1(w, w->closer[w->depth]);
}

void
jw_strn(struct jw *w, const char *key, const char *s, size_t n)
{
	prefix(w, key);
	putc1(w, '"');
	jw_escape(w, s, n);
	putc1(w, '"');
}

void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s ? s : "", s ? strlen(s) : 0);
}

/* v in decimal, ending at end; returns where it begins (no printf: a
 * snapshot writes some fifteen numbers a process) */
static char *
udec(char *end, unsigned long long v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

void
jw_int(struct jw *w, const char *key, long long v)
{
	char b[24], *s = udec(b + sizeof b, v < 0 ? 0ULL - (unsigned long long)v
						: (unsigned long long)v);

	if (v < 0)
		*--s = '-';
	prefix(w, key);
	put(w, s, (size_t)(b + sizeof b - s));
}

void
jw_uint(struct jw *w, const char *key, unsigned long long v)
{
	char b[24], *s = udec(b + sizeof b, v);

	prefix(w, key);
	put(w, s, (size_t)(b + sizeof b - s));
}

/* v with d decimals as printf's "%.*f" writes it, without printf, where
 * that is sure to be the same text: v * 10^d rounded to the nearest whole
 * number, which is what printf rounds the exact value to, unless the
 * product is near a half (a tie printf breaks to even, or one the product's
 * own rounding may have moved). Below 2^40 the product is off by less than
 * 2^-12, so 0.499 away from a half is far enough. 0 when not sure. */
static size_t
fixed(char *b, size_t cap, double v, int d)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6 };
	double x, r;
	unsigned long long u, scale = 1;
	char *s, *end = b + cap;
	int i;

	if (d < 0 || d > 6)
		return 0;
	x = v * p10[d];
	if (!(fabs(x) < 0x1p40))
		return 0;
	r = nearbyint(x);
	if (!(fabs(x - r) < 0.499))
		return 0;
	u = (unsigned long long)fabs(r);
	for (i = 0; i < d; i++)
		scale *= 10;
	s = end;
	if (d) {
		unsigned long long f = u % scale;

		for (i = 0; i < d; i++, f /= 10)
			*--s = (char)('0' + f % 10);
		*--s = '.';
	}
	s = udec(s, u / scale);
	if (r < 0)	/* never "-0.00": a zero is written without a sign */
		*--s = '-';
	memmove(b, s, (size_t)(end - s));
	return (size_t)(end - s);
}

void
jw_num(struct jw *w, const char *key, double v, int decimals)
{
	char b[64];
	int n;

	if (!isfinite(v)) {
		jw_null(w, key);
		return;
	}
	n = (int)fixed(b, sizeof b, v, decimals);
	if (n) {
		prefix(w, key);
		put(w, b, (size_t)n);
		return;
	}
	if (v == 0)
		v = 0;	/* no "-0.00" */
	n = snprintf(b, sizeof b, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof b)
		n = snprintf(b, sizeof b, "%.17g", v);
	if (n >= 2 && b[0] == '-' && strspn(b + 1, "0.") == (size_t)n - 1) {
		prefix(w, key);	/* -0.000 after rounding */
		put(w, b + 1, (size_t)n - 1);
		return;
	}
	prefix(w, key);
	put(w, b, (size_t)n);
}

void
jw_bool(struct jw *w, const char *key, int v)
{
	prefix(w, key);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void
jw_null(struct jw *w, const char *key)
{
	prefix(w, key);
	put(w, "null", 4);
}

void
jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	prefix(w, key);
	put(w, json, n);
}

int
jw_line(struct jw *w, FILE *f)
{
	const char *p;
	size_t left;
	int fd = fileno(f), bad = 0;

	putc1(w, '\n');
	/* What went through f before is out first; then the line in one
	 * write(2) of our buffer. Not through stdio: a stream that is line
	 * buffered (stdout, cull_stdio_setup) takes a line longer than its
	 * buffer a byte at a time, some ten instructions each. */
	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		bad = 1;
	for (p = w->buf, left = w->len; !bad && left && fd >= 0;) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			bad = 1;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (!bad && fd < 0)	/* a stream without a descriptor (memory) */
		bad = fwrite(w->buf, 1, w->len, f) != w->len || fflush(f) != 0 || ferror(f);
	jw_reset(w);
	if (bad && errno == 0)
		errno = EIO;
	return bad ? -1 : 0;
}
