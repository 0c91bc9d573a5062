/* lib-jw.c - the JSON writer's escaping and structure, and the line reader. */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "jesc.h"
#include "jw.h"
#include "lines.h"
#include "tap.h"

static char *
esc(const char *s, size_t n)
{
	static char out[256];
	struct jw w = {0};

	jw_escape(&w, s, n);
	snprintf(out, sizeof out, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
	return out;
}

/* Everything the writer makes must parse with a strict, UTF-8 checking json-c. */
static int
parses(const char *s, size_t n)
{
	json_tokener *t = json_tokener_new();
	json_object *o;
	int good;

	json_tokener_set_flags(t, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(t, s, (int)n);
	good = o && json_tokener_get_error(t) == json_tokener_success;
	json_object_put(o);
	json_tokener_free(t);
	return good;
}

static void
test_escape(void)
{
	is_str(esc("plain", 5), "plain", "plain text passes");
	is_str(esc("a\"b\\c", 5), "a\\\"b\\\\c", "quote and backslash escaped");
	is_str(esc("l1\nl2\t\r", 7), "l1\\nl2\\t\\r", "newline, tab, CR");
	is_str(esc("\x01\x1f\x7f", 3), "\\u0001\\u001f\\u007f", "control bytes as \\u00XX");
	is_str(esc("a\0b", 3), "a\\u0000b", "NUL inside a counted string");
	is_str(esc("caf\xc3\xa9", 5), "caf\xc3\xa9", "valid 2-byte UTF-8 kept");
	is_str(esc("\xe2\x82\xac", 3), "\xe2\x82\xac", "valid 3-byte UTF-8 kept");
	is_str(esc("\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80", "valid 4-byte UTF-8 kept");
	is_str(esc("\xff", 1), "\\ufffd", "0xff replaced");
	is_str(esc("\xc3", 1), "\\ufffd", "truncated sequence replaced");
	is_str(esc("\xc0\xaf", 2), "\\ufffd\\ufffd", "overlong '/' replaced byte by byte");
	is_str(esc("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd", "UTF-8 surrogate replaced");
	is_str(esc("\xf4\x90\x80\x80", 4), "\\ufffd\\ufffd\\ufffd\\ufffd", "above U+10FFFF replaced");
	is_str(esc("\x80x", 2), "\\ufffdx", "lone continuation byte replaced");
}

static void
test_every_byte(void)
{
	char s[512];
	struct jw w = {0};
	int i, all = 1;

	/* every single byte, and every pair of bytes starting with a high one */
	for (i = 0; i < 256; i++) {
		int j;

		for (j = 0; j < 256; j += (i < 0x80 ? 256 : 1)) {
			s[0] = (char)i;
			s[1] = (char)j;
			jw_reset(&w);
			jw_open(&w, NULL);
			jw_strn(&w, "k", s, i < 0x80 ? 1 : 2);
			jw_end(&w);
			if (!parses(w.buf, w.len)) {
				all = 0;
				printf("# bytes %02x %02x gave %.*s\n", i, j, (int)w.len, w.buf);
			}
		}
	}
	ok(all, "every byte and byte pair gives valid JSON");
	jw_free(&w);
}

static void
ref_put(void *ctx, const char *p, size_t n)
{
	struct jw *w = ctx;

	memcpy(w->buf + w->len, p, n);	/* sized beforehand */
	w->len += n;
}

/* Long strings go eight bytes at a time until one needs escaping: each
 * byte value at each place of a 23-byte string comes out as the plain
 * escaper (jesc.h) writes it */
static void
test_words(void)
{
	char s[23], ref[23 * 6 + 1];
	struct jw w = {0}, r = { .buf = ref, .cap = sizeof ref };
	int c, at, bad = 0;

	for (c = 0; c < 256; c++)
		for (at = 0; at < (int)sizeof s; at++) {
			memset(s, 'a' + at % 26, sizeof s);
			s[at] = (char)c;
			jw_reset(&w);
			jw_escape(&w, s, sizeof s);
			r.len = 0;
			cull_json_escape(&r, ref_put, s, sizeof s);
			if (w.len != r.len || memcmp(w.buf, r.buf, r.len)) {
				if (bad++ < 3)
					diag("byte 0x%02x at %d: %.*s", c, at, (int)w.len, w.buf);
			}
		}
	ok(bad == 0, "every byte at every place of a long string escaped as jesc.h does (%d differ)", bad);
	jw_free(&w);
}

static void
test_structure(void)
{
	struct jw w = {0};
	char out[512];

	jw_open(&w, NULL);
	jw_str(&w, "type", "x");
	jw_num(&w, "a", 1.23456, 2);
	jw_num(&w, "neg0", -0.0001, 2);
	jw_num(&w, "nan", 0.0 / 0.0, 2);
	jw_int(&w, "i", -5);
	jw_arr(&w, "l");
	jw_int(&w, NULL, 1);
	jw_open(&w, NULL);
	jw_bool(&w, "t", 1);
	jw_end(&w);
	jw_end(&w);
	jw_open(&w, "o");
	jw_end(&w);
	jw_end(&w);
	snprintf(out, sizeof out, "%.*s", (int)w.len, w.buf);
	is_str(out, "{\"type\":\"x\",\"a\":1.23,\"neg0\":0.00,\"nan\":null,\"i\":-5,"
		    "\"l\":[1,{\"t\":true}],\"o\":{}}", "nesting, commas and number formats");
	jw_free(&w);
}

/* What a number is written as, alone */
static const char *
num(double v, int d)
{
	static char out[128];
	struct jw w = {0};

	jw_num(&w, NULL, v, d);
	snprintf(out, sizeof out, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
	return out;
}

/* jw_num writes what printf's "%.*f" writes (less the sign of a zero),
 * without printf where it can: the same text for every value, ties and
 * near-ties included (0.125 is 0.12, as printf breaks it to even) */
static void
test_numbers(void)
{
	static const double edge[] = {
		0, -0.0, 0.125, 0.375, 2.5, 3.5, -2.5, 0.005, 0.015, 1.005, 1.115,
		0.045, 99.995, 12.345, -0.004, -0.005, -0.0049, 0.0049999999,
		0.5, 1.5, 1e-7, 123456789.123456, 1099511627775.5, 1099511627776.0,
		1e11 + 0.5, 1e15, 1e20, 4294967296.4999, 0.1, 0.2, 0.3, 33.333333,
		66.666666, 100, 1e40, -1e40,
	};
	char want[512];
	unsigned long long seed = 88172645463325252ULL;
	int d, bad = 0, n = 0;
	size_t i;

	for (i = 0; i < sizeof edge / sizeof *edge; i++)
		for (d = 0; d <= 8; d++, n++) {
			double v = edge[i];

			snprintf(want, sizeof want, "%.*f", d, v == 0 ? 0.0 : v);
			if (want[0] == '-' && strspn(want + 1, "0.") == strlen(want) - 1)
				memmove(want, want + 1, strlen(want));
			if (strcmp(num(v, d), want)) {
				if (bad++ < 5)
					diag("%.17g with %d decimals: got %s, printf %s",
					     v, d, num(v, d), want);
			}
		}
	for (i = 0; i < 300000; i++, n++) {
		double v;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		d = (int)(seed % 7);
		switch (seed >> 60 & 3) {
		case 0:	/* hundredths and thousandths, and halves of them */
			v = (double)(long long)(seed >> 20 & 0xfffff) / (d & 1 ? 1000.0 : 200.0);
			break;
		case 1:	/* percentages */
			v = (double)(seed >> 11) / (double)(1ULL << 53) * 100.0;
			break;
		case 2:	/* any size */
			v = ldexp((double)(seed >> 11) / (double)(1ULL << 53), (int)(seed >> 5 & 63) - 20);
			break;
		default:
			v = -(double)(seed >> 24 & 0xffffff) / 64.0;
		}
		snprintf(want, sizeof want, "%.*f", d, v == 0 ? 0.0 : v);
		if (want[0] == '-' && strspn(want + 1, "0.") == strlen(want) - 1)
			memmove(want, want + 1, strlen(want));
		if (strcmp(num(v, d), want) && bad++ < 5)
			diag("%.17g with %d decimals: got %s, printf %s", v, d, num(v, d), want);
	}
	ok(bad == 0, "jw_num writes what printf writes: %d of %d values differ", bad, n);
	is_str(num(0.125, 2), "0.12", "a tie is broken to even, as printf does");
	is_str(num(-0.001, 2), "0.00", "a negative that rounds to zero has no sign");
}

static void
test_integers(void)
{
	struct jw w = {0};
	char out[128];

	jw_arr(&w, NULL);
	jw_int(&w, NULL, 0);
	jw_int(&w, NULL, -1);
	jw_int(&w, NULL, -9223372036854775807LL - 1);
	jw_int(&w, NULL, 9223372036854775807LL);
	jw_uint(&w, NULL, 18446744073709551615ULL);
	jw_uint(&w, NULL, 10);
	jw_end(&w);
	snprintf(out, sizeof out, "%.*s", (int)w.len, w.buf);
	is_str(out, "[0,-1,-9223372036854775808,9223372036854775807,18446744073709551615,10]",
	       "integers at their limits");
	jw_free(&w);
}

static void
test_lines(void)
{
	char path[] = "/tmp/cull-lines.XXXXXX";
	int fd = mkstemp(path);
	struct cull_lines r;
	char *line, *big = malloc(300000);
	ssize_t n;

	memset(big, 'x', 300000);
	if (write(fd, "one\n\ntwo\n", 9) != 9 || write(fd, big, 300000) != 300000 ||
	    write(fd, "\nthree\nfour", 11) != 11)
		ok(0, "write test file");
	free(big);
	lseek(fd, 0, SEEK_SET);
	cull_lines_init(&r, fd, 100000);
	n = cull_lines_next(&r, &line);
	ok(n == 3 && strcmp(line, "one") == 0 && r.lineno == 1, "first line");
	n = cull_lines_next(&r, &line);
	ok(n == 0 && r.lineno == 2, "empty line");
	n = cull_lines_next(&r, &line);
	ok(n == 3 && strcmp(line, "two") == 0, "third line");
	n = cull_lines_next(&r, &line);
	ok(n == CULL_LINE_TOOLONG && r.lineno == 4, "over-long line skipped and counted");
	ok(r.cap <= 100000 + (64 << 10) + 1, "buffer stayed bounded (%zu bytes)", r.cap);
	n = cull_lines_next(&r, &line);
	ok(n == 5 && strcmp(line, "three") == 0 && r.lineno == 5 && !r.partial,
	   "line after the long one");
	n = cull_lines_next(&r, &line);
	ok(n == 4 && strcmp(line, "four") == 0 && r.partial, "last line without newline is partial");
	n = cull_lines_next(&r, &line);
	ok(n == CULL_LINE_EOF, "end of input");
	cull_lines_free(&r);
	close(fd);
	unlink(path);
}

int
main(void)
{
	test_escape();
	test_every_byte();
	test_words();
	test_structure();
	test_numbers();
	test_integers();
	test_lines();
	return tap_done();
}
