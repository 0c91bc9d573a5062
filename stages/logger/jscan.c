/* jscan.c - see jscan.h */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

#define DEPTH_MAX 64	/* as lib/jv.c's tokener */

struct scan {
	const unsigned char *p, *e;
	int depth;
	int have_type, have_ts;	/* seen at the top level */
};

static void
ws(struct scan *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* One well-formed UTF-8 sequence at p (lead byte >= 0x80): its length or 0. */
static size_t
utf8(const unsigned char *p, const unsigned char *e)
{
	unsigned c = p[0];
	size_t n = (size_t)(e - p);

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;	/* overlong, surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;	/* overlong, above U+10FFFF */
		return 4;
	}
	return 0;
}

static int
hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The value of the escape \uXXXX at p, or -1. */
static long
u4(const unsigned char *p, const unsigned char *e)
{
	char h[5];

	if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex(p[2]) || !hex(p[3]) ||
	    !hex(p[4]) || !hex(p[5]))
		return -1;
	memcpy(h, p + 2, 4);
	h[4] = '\0';
	return strtol(h, NULL, 16);
}

/* A string at p ('"'); on success *esc says whether it held an escape. */
static int
string(struct scan *s, int *esc)
{
	*esc = 0;
	s->p++;
	while (s->p < s->e) {
		unsigned char c = *s->p;

		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			*esc = 1;
			if (s->e - s->p < 2)
				return -1;
			c = s->p[1];
			if (c == 'u') {
				long u = u4(s->p, s->e);

				if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
					return -1;	/* a low surrogate alone */
				s->p += 6;
				if (u >= 0xd800 && u <= 0xdbff) {
					/* a high surrogate needs its low half: jq and
					 * others refuse one alone */
					long lo = u4(s->p, s->e);

					if (lo < 0xdc00 || lo > 0xdfff)
						return -1;
					s->p += 6;
				}
			} else if (c && strchr("\"\\/bfnrt", c)) {
				s->p += 2;
			} else {
				return -1;
			}
		} else if (c < 0x80) {
			s->p++;
		} else {
			size_t k = utf8(s->p, s->e);

			if (!k)
				return -1;
			s->p += k;
		}
	}
	return -1;
}

static int
digits(struct scan *s)
{
	const unsigned char *b = s->p;

	while (s->p < s->e && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > b ? 0 : -1;
}

static int
number(struct scan *s)
{
	if (s->p < s->e && *s->p == '-')
		s->p++;
	if (s->p < s->e && *s->p == '0')
		s->p++;
	else if (digits(s) < 0)
		return -1;
	if (s->p < s->e && *s->p == '.') {
		s->p++;
		if (digits(s) < 0)
			return -1;
	}
	if (s->p < s->e && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->e && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) < 0)
			return -1;
	}
	/* a number must not run into a letter or another number part */
	if (s->p < s->e && ((*s->p >= '0' && *s->p <= '9') || *s->p == '.' || *s->p == 'e' ||
			    *s->p == 'E' || *s->p == '-' || *s->p == '+'))
		return -1;
	return 0;
}

static int
word(struct scan *s, const char *w, size_t n)
{
	if ((size_t)(s->e - s->p) < n || memcmp(s->p, w, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int value(struct scan *s, struct jscan_rec *top);

/* An object; when top is set, its "type" and "ts" are recorded there. */
static int
object(struct scan *s, struct jscan_rec *top)
{
	int esc;

	if (++s->depth > DEPTH_MAX)
		return -1;
	s->p++;
	ws(s);
	if (s->p < s->e && *s->p == '}') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		const unsigned char *k;
		size_t klen;

		if (s->p >= s->e || *s->p != '"')
			return -1;
		k = s->p + 1;
		if (string(s, &esc) < 0)
			return -1;
		klen = (size_t)(s->p - 1 - k);
		ws(s);
		if (s->p >= s->e || *s->p != ':')
			return -1;
		s->p++;
		ws(s);
		if (s->p >= s->e)
			return -1;
		if (top && !esc && klen == 4 && memcmp(k, "type", 4) == 0) {
			const unsigned char *v = s->p + 1;

			if (*s->p != '"' || string(s, &top->type_escaped) < 0)
				return -1;
			top->type = (const char *)v;
			top->type_len = (size_t)(s->p - 1 - v);
			s->have_type = top->type_len > 0;
		} else if (top && !esc && klen == 2 && memcmp(k, "ts", 2) == 0) {
			const unsigned char *v = s->p;
			char num[64];

			if (number(s) < 0 || (size_t)(s->p - v) >= sizeof num)
				return -1;
			memcpy(num, v, (size_t)(s->p - v));
			num[s->p - v] = '\0';
			top->ts = strtod(num, NULL);
			if (!isfinite(top->ts) || top->ts < -1e12 || top->ts > 1e12)
				return -1;
			s->have_ts = 1;
		} else if (value(s, NULL) < 0) {
			return -1;
		}
		ws(s);
		if (s->p < s->e && *s->p == ',') {
			s->p++;
			ws(s);
			continue;
		}
		if (s->p < s->e && *s->p == '}') {
			s->p++;
			s->depth--;
			return 0;
		}
		return -1;
	}
}

static int
array(struct scan *s)
{
	if (++s->depth > DEPTH_MAX)
		return -1;
	s->p++;
	ws(s);
	if (s->p < s->e && *s->p == ']') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (value(s, NULL) < 0)
			return -1;
		ws(s);
		if (s->p < s->e && *s->p == ',') {
			s->p++;
			ws(s);
			continue;
		}
		if (s->p < s->e && *s->p == ']') {
			s->p++;
			s->depth--;
			return 0;
		}
		return -1;
	}
}

static int
value(struct scan *s, struct jscan_rec *top)
{
	int esc;

	if (s->p >= s->e)
		return -1;
	switch (*s->p) {
	case '{': return object(s, top);
	case '[': return array(s);
	case '"': return string(s, &esc);
	case 't': return word(s, "true", 4);
	case 'f': return word(s, "false", 5);
	case 'n': return word(s, "null", 4);
	default: return number(s);
	}
}

int
jscan_record(const char *str, size_t n, struct jscan_rec *out)
{
	struct scan s = { (const unsigned char *)str, (const unsigned char *)str + n, 0, 0, 0 };

	memset(out, 0, sizeof *out);
	ws(&s);
	if (s.p >= s.e || *s.p != '{' || object(&s, out) < 0)
		return -1;
	ws(&s);
	return s.p == s.e && s.have_type && s.have_ts ? 0 : -1;
}

int
jscan_value(const char *str, size_t n)
{
	struct scan s = { (const unsigned char *)str, (const unsigned char *)str + n, 0, 0, 0 };

	ws(&s);
	if (value(&s, NULL) < 0)
		return -1;
	ws(&s);
	return s.p == s.e ? 0 : -1;
}
