/* jstrict.c - see jstrict.h */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jesc.h"
#include "jstrict.h"

struct st {
	const unsigned char *p, *end;
	const char *why;
	int depth;
	int esc;		/* the last string held a backslash escape */
};

/* Loops work on a local pointer: through s->p every byte read (a char
 * type, which may alias anything) would force a reload of s->p. */
static void
ws(struct st *s)
{
	const unsigned char *p = s->p, *e = s->end;

	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	s->p = p;
}

/* 8 bytes at a time: the bytes that are < 0x20, '"', '\\' or >= 0x80 have
 * their high bit set in the mask. Bits above the first such byte may be
 * wrong (borrows), the lowest one is exact: on a little-endian machine it is
 * the first special byte. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define HAS_LESS(x, n) (((x) - ONES * (n)) & ~(x) & HIGHS)
#define HAS_ZERO(x) HAS_LESS(x, 1)
static unsigned long long
special8(unsigned long long x)
{
	return HAS_LESS(x, 0x20) | HAS_ZERO(x ^ (ONES * '"')) | HAS_ZERO(x ^ (ONES * '\\')) |
	       (x & HIGHS);
}

static int
fail(struct st *s, const char *why)
{
	s->why = why;
	return -1;
}

static int
hex(unsigned c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int
hexval(unsigned c)
{
	return c <= '9' ? (int)(c - '0') : (int)((c | 0x20) - 'a' + 10);
}

/* "\uXXXX" at p (before e): its value in *u. */
static int
u4(const unsigned char *p, const unsigned char *e, unsigned *u)
{
	int i;

	if (e - p < 6 || p[0] != '\\' || p[1] != 'u')
		return 0;
	*u = 0;
	for (i = 2; i < 6; i++) {
		if (!hex(p[i]))
			return 0;
		*u = *u << 4 | (unsigned)hexval(p[i]);
	}
	return 1;
}

/* A string at s->p ('"'); s->esc says whether it held an escape. */
static int
string(struct st *s)
{
	const unsigned char *p = s->p + 1, *e = s->end;

	s->esc = 0;
	for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (e - p >= 8) {
			unsigned long long x, m;

			memcpy(&x, p, 8);
			if ((m = special8(x)) != 0) {
				p += __builtin_ctzll(m) / 8;
				goto special;
			}
			p += 8;
		}
#endif
		while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
special:
#endif
		if (p >= e) {
			s->p = p;
			return fail(s, "unterminated string");
		}
		if (*p == '"') {
			s->p = p + 1;
			return 0;
		}
		if (*p < 0x20) {
			s->p = p;
			return fail(s, "raw control character in a string");
		}
		if (*p >= 0x80) {
			size_t k = cull_utf8_len(p, (size_t)(e - p));

			if (!k) {
				s->p = p;
				return fail(s, "bad UTF-8 in a string");
			}
			p += k;
			continue;
		}
		/* backslash */
		s->esc = 1;
		if (p + 1 >= e) {
			s->p = p;
			return fail(s, "unterminated string");
		}
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			unsigned u;

			if (!u4(p, e, &u)) {
				s->p = p;
				return fail(s, "bad \\u escape");
			}
			if (u >= 0xdc00 && u <= 0xdfff) {
				s->p = p;
				return fail(s, "lone surrogate escape");
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				unsigned lo;

				if (!u4(p + 6, e, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					s->p = p;
					return fail(s, "lone surrogate escape");
				}
				p += 6;
			}
			p += 6;
			break;
		}
		default:
			s->p = p;
			return fail(s, "bad escape in a string");
		}
	}
}

static int
digits(struct st *s)
{
	const unsigned char *p = s->p, *e = s->end, *start = p;

	while (p < e && *p >= '0' && *p <= '9')
		p++;
	s->p = p;
	return p > start ? 0 : fail(s, "bad number");
}

static int
number(struct st *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		if (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			return fail(s, "number with a leading zero");
	} else if (digits(s)) {
		return fail(s, s->p < s->end && (*s->p == 'I' || *s->p == 'N')
			    ? "NaN or Infinity is not a number" : "bad number");
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s))
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s))
			return -1;
	}
	return 0;
}

static int
word(struct st *s, const char *w)
{
	for (; *w; w++, s->p++)
		if (s->p >= s->end || *s->p != (unsigned char)*w)
			return fail(s, "unexpected character");
	return 0;
}

static int value(struct st *s);

/* Does the key k[0..klen) (the bytes between its quotes, already checked,
 * with escapes when esc) say name, a lowercase ASCII word? Compared by the
 * decoded value: "t\u0073" is "ts" to every JSON reader. */
static int
key_is(const unsigned char *k, size_t klen, int esc, const char *name)
{
	size_t i = 0;

	if (!esc)
		return klen == strlen(name) && memcmp(k, name, klen) == 0;
	for (; *name; name++) {
		unsigned c;

		if (i >= klen)
			return 0;
		if (k[i] != '\\') {
			c = k[i++];
		} else if (k[i + 1] == 'u') {
			u4(k + i, k + klen, &c);	/* checked by string() */
			i += 6;		/* a surrogate pair is never ASCII: no match */
		} else {
			/* \" \\ \/ stand for themselves, \b \f \n \r \t for
			 * control characters: none is a letter of a name */
			c = strchr("\"\\/", k[i + 1]) ? k[i + 1] : 0x01;
			i += 2;
		}
		if (c != (unsigned char)*name)
			return 0;
	}
	return i == klen;
}

/* An object's member at s->p (its name's opening quote), through the
 * hooks m when set (the top object of jstrict_object). */
static int
member(struct st *s, const struct jstrict_members *m)
{
	const unsigned char *k = s->p + 1, *v;
	const char *why;
	size_t klen;

	if (s->p >= s->end || *s->p != '"')
		return fail(s, s->p < s->end && *s->p == '\''
			    ? "single quotes are not JSON" : "expected a string key");
	if (string(s))
		return -1;
	klen = (size_t)(s->p - 1 - k);
	ws(s);
	if (s->p >= s->end || *s->p != ':')
		return fail(s, "expected ':'");
	s->p++;
	ws(s);
	if (m && m->name && (why = m->name(m->ctx, (const char *)k, klen, s->esc)) != NULL) {
		s->p = k - 1;
		return fail(s, why);
	}
	v = s->p;
	if (value(s))
		return -1;
	if (m && m->value && (why = m->value(m->ctx, (const char *)v, (size_t)(s->p - v))) != NULL) {
		s->p = v;
		return fail(s, why);
	}
	return 0;
}

/* An array (close ']') or object ('}') at s->p; m: see member(). */
static int
container(struct st *s, unsigned char close, const struct jstrict_members *m)
{
	if (++s->depth > JSTRICT_DEPTH)
		return fail(s, "nested too deep");
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (close == '}' ? member(s, m) : value(s))
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		return fail(s, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int
value(struct st *s)
{
	if (s->p >= s->end)
		return fail(s, "a value is missing");
	switch (*s->p) {
	case '{': return container(s, '}', NULL);
	case '[': return container(s, ']', NULL);
	case '"': return string(s);
	case 't': return word(s, "true");
	case 'f': return word(s, "false");
	case 'n': return word(s, "null");
	case '\'': return fail(s, "single quotes are not JSON");
	case 'N': case 'I': return fail(s, "NaN or Infinity is not a number");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s);
		return fail(s, "unexpected character");
	}
}

/* The value (an object, through the hooks m, when m is set) and white
 * space around it fill text[0..n). */
static const char *
check(const char *text, size_t n, const struct jstrict_members *m, size_t *at)
{
	struct st s = { (const unsigned char *)text, (const unsigned char *)text + n, 0, 0, 0 };
	const unsigned char *start;
	int r;

	ws(&s);
	start = s.p;
	if (!m)
		r = value(&s);
	else if (s.p < s.end && *s.p == '{')
		r = container(&s, '}', m);
	else if ((r = value(&s)) == 0) {
		s.p = start;
		r = fail(&s, "not a JSON object");
	}
	if (r == 0) {
		ws(&s);
		if (s.p != s.end)
			s.why = "extra data after the value";
		else if (!m || !m->end || (s.why = m->end(m->ctx)) == NULL)
			return NULL;
	}
	*at = (size_t)(s.p - (const unsigned char *)text);
	return s.why;
}

const char *
jstrict_check(const char *text, size_t n, size_t *at)
{
	return check(text, n, NULL, at);
}

const char *
jstrict_object(const char *text, size_t n, const struct jstrict_members *m, size_t *at)
{
	static const struct jstrict_members none;

	return check(text, n, m ? m : &none, at);
}

int
jstrict_name_is(const char *k, size_t klen, int esc, const char *name)
{
	return key_is((const unsigned char *)k, klen, esc, name);
}

size_t
jstrict_compact(const char *text, size_t n, char *out)
{
	size_t i, o = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		char c = text[i];

		if (in_str) {
			out[o++] = c;
			if (c == '\\' && i + 1 < n)
				out[o++] = text[++i];
			else if (c == '"')
				in_str = 0;
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			out[o++] = c;
			in_str = c == '"';
		}
	}
	return o;
}

int
jstrict_member(const char *text, size_t n, const char *name, const char **v, size_t *vlen)
{
	struct st s = { (const unsigned char *)text, (const unsigned char *)text + n, 0, 0, 0 };
	int found = 0;

	ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return 0;
	s.p++;
	for (;;) {
		const unsigned char *k, *val;
		size_t klen;
		int match;

		ws(&s);
		if (s.p >= s.end || *s.p != '"')
			return found;	/* '}' (or a fault) */
		k = s.p + 1;
		if (string(&s))
			return found;
		klen = (size_t)(s.p - 1 - k);
		match = key_is(k, klen, s.esc, name);
		ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return found;
		s.p++;
		ws(&s);
		val = s.p;
		if (value(&s))
			return found;
		if (match) {
			*v = (const char *)val;
			*vlen = (size_t)(s.p - val);
			found = 1;
		}
		ws(&s);
		if (s.p >= s.end || *s.p != ',')
			return found;
		s.p++;
	}
}
